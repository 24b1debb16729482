# Compiler flags for each ISA pyperf_tensor compiles kernels for. Used by the Python
# extension (one object library per ISA) and by the tests/benchmarks (one build per ISA).
set(PYPERF_TENSOR_ISAS sse2 avx2 avx512)

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
  set(${out_var} ${flags} -ffp-contract=off PARENT_SCOPE)
endfunction()

# Warnings every target of this project builds with.
set(PYPERF_TENSOR_WARNINGS -Wall -Wextra -Wpedantic)
