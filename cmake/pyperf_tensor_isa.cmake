# Compiler flags for each ISA pyperf_tensor compiles kernels for, and
# pyperf_tensor_add_kernels() to compile your own sources once per ISA. Installed with the
# CMake package (find_package(pyperf_tensor) makes both available). Used by the Python
# extension, the tests/benchmarks and examples/mandelbrot.
set(PYPERF_TENSOR_ISAS sse2 avx2 avx512 CACHE INTERNAL "ISAs pyperf_tensor compiles kernels for")

function(pyperf_tensor_isa_flags isa out_var)
  if(isa STREQUAL "sse2")
    set(flags -msse2)
  elseif(isa STREQUAL "avx2")
    set(flags -mavx2 -mfma)
  elseif(isa STREQUAL "avx512")
    # GCC 12 warns about _mm512_undefined_*() inside its own intrinsics headers when xsimd's
    # math inlines them (GCC bug 105593, fixed in GCC 13): silence that false positive only.
    set(flags -mavx512f -mavx512cd -mavx512bw -mavx512dq -mavx512vl -Wno-uninitialized -Wno-maybe-uninitialized)
  else()
    message(FATAL_ERROR "unknown ISA '${isa}'")
  endif()
  # Only explicit fma() may fuse: identical results across ISAs for everything else.
  list(APPEND flags -ffp-contract=off)
  # GCC schedules instructions before register allocation only when asked: the loop
  # skeleton computes two registers before storing either, and this interleaves their
  # chains (simd/loop.hpp: tanh, log, sigmoid 4-7% faster). Clang does it by default.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    list(APPEND flags -fschedule-insns -fsched-pressure)
  endif()
  set(${out_var} ${flags} PARENT_SCOPE)
endfunction()

# pyperf_tensor_add_kernels(<target> <source>...): compiles the sources once per ISA in
# PYPERF_TENSOR_ISAS, each copy with that ISA's flags and
# -DPYPERF_TENSOR_KERNEL_ISA=sse2|avx2|avx512 (an OBJECT library <target>_kernels_<isa>),
# and links every copy into <target>. Choose among them at run time with
# pyperf_tensor::simd::pick (pyperf_tensor/simd/dispatch.hpp). Keep <target> itself free of
# LTO, which could merge code across the copies.
function(pyperf_tensor_add_kernels target)
  foreach(isa IN LISTS PYPERF_TENSOR_ISAS)
    pyperf_tensor_isa_flags(${isa} _flags)
    set(_lib ${target}_kernels_${isa})
    add_library(${_lib} OBJECT ${ARGN})
    target_link_libraries(${_lib} PRIVATE pyperf_tensor::pyperf_tensor)
    target_compile_definitions(${_lib} PRIVATE PYPERF_TENSOR_KERNEL_ISA=${isa})
    target_compile_options(${_lib} PRIVATE ${_flags})
    set_target_properties(${_lib} PROPERTIES POSITION_INDEPENDENT_CODE ON CXX_VISIBILITY_PRESET hidden
                                             INTERPROCEDURAL_OPTIMIZATION OFF)
    target_sources(${target} PRIVATE $<TARGET_OBJECTS:${_lib}>)
  endforeach()
endfunction()

# Warnings every target of this project builds with.
set(PYPERF_TENSOR_WARNINGS -Wall -Wextra -Wpedantic)

# The arch each ISA's kernels are instantiated for, as it appears in their symbols' names.
set(PYPERF_TENSOR_ISA_TAG_sse2 "xsimd::sse2")
set(PYPERF_TENSOR_ISA_TAG_avx2 "xsimd::fma3<xsimd::avx2>")
set(PYPERF_TENSOR_ISA_TAG_avx512 "xsimd::avx512bw")

# pyperf_tensor_check_kernels(<target>): once <target> is built, fails the build if a weak
# (shared inline) symbol in one of the per-ISA objects pyperf_tensor_add_kernels gave it
# lacks that ISA's arch in its name: the linker keeps one copy of such a symbol, and could
# hand AVX-512 code to an AVX2 or SSE2 caller. A strong global function must have the ISA's
# name in its own (the kernels' entry points, in their ISA's namespace): any other is a
# header's function defined without `inline`, which a user's second translation unit would
# define again (a link error).
function(pyperf_tensor_check_kernels target)
  if(NOT CMAKE_NM)
    message(WARNING "pyperf_tensor: no nm found, ${target}'s per-ISA kernels are not checked for shared inline code")
    return()
  endif()
  foreach(isa IN LISTS PYPERF_TENSOR_ISAS)
    add_custom_command(
      TARGET ${target} POST_BUILD
      COMMAND sh -c "out=$(\"$0\" -C \"$1\") || exit 2; bad=$(printf '%s\\n' \"$out\" | grep ' [Ww] ' | grep -v -F -- \"$2\"); strong=$(printf '%s\\n' \"$out\" | grep ' T ' | grep -v -F -- \"$3\"); [ -z \"$bad$strong\" ] || { printf '%s\\n' 'pyperf_tensor: ${target}: ${isa} kernels share inline code with other ISAs, or define a header function without inline:' \"$bad\" \"$strong\" >&2; exit 1; }"
              ${CMAKE_NM} $<TARGET_OBJECTS:${target}_kernels_${isa}> "${PYPERF_TENSOR_ISA_TAG_${isa}}" "${isa}"
      VERBATIM)
  endforeach()
endfunction()
