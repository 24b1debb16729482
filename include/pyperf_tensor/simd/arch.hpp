// The instruction sets pyperf_tensor targets, as xsimd architecture tags.
// Header-only users get default_arch: whatever their -m flags enable. The Python
// extension compiles kernels once per ISA below and picks one at run time.
#pragma once

#include <cstring>
#include <type_traits>

#include <xsimd/xsimd.hpp>

namespace pyperf_tensor::simd
{
    using sse2 = xsimd::sse2;
    using avx2 = xsimd::fma3<xsimd::avx2>;
    using avx512 = xsimd::avx512bw;
    using default_arch = xsimd::default_arch;

    // Compiler flags each ISA needs (documented here, applied by CMake's pyperf_tensor_isa_flags):
    //   sse2: -msse2   avx2: -mavx2 -mfma   avx512: -mavx512f -mavx512cd -mavx512bw -mavx512dq -mavx512vl

    // Short name of an xsimd arch as pyperf_tensor reports it.
    template <class Arch>
    constexpr const char* isa_name() noexcept
    {
        return Arch::version() >= xsimd::avx512f::version() ? "avx512"
               : Arch::version() >= xsimd::avx2::version()  ? "avx2"
                                                            : "sse2";
    }

    namespace detail
    {
        // Whether a batch type is one AVX-512 register (masked loads and stores,
        // vscalefps/pd: p * 2^n in one rounding).
        template <class V>
        constexpr bool is_zmm() noexcept
        {
#if defined(__AVX512F__)
            return sizeof(V) == 64;
#else
            return false;
#endif
        }
    } // namespace detail

    // Whether an arch has fused multiply-add instructions (xsimd::fma rounds once).
    template <class Arch>
    constexpr bool has_fma() noexcept
    {
        return std::is_base_of<xsimd::avx512f, Arch>::value || std::is_same<Arch, xsimd::fma3<xsimd::avx2>>::value
               || std::is_same<Arch, xsimd::fma3<xsimd::avx>>::value
               || std::is_same<Arch, xsimd::fma3<xsimd::sse4_2>>::value;
    }

    // Whether this CPU and OS can run an ISA by name ("sse2", "avx2", "avx512"): the
    // same feature sets as the arch tags above. __builtin_cpu_supports also checks that
    // the OS saves the wider registers (XCR0), which xsimd 8.1's own detection does not.
    inline bool cpu_supports(const char* isa) noexcept
    {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
        if (std::strcmp(isa, "avx512") == 0)
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd")
                   && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq")
                   && __builtin_cpu_supports("avx512vl");
        if (std::strcmp(isa, "avx2") == 0)
            return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        return std::strcmp(isa, "sse2") == 0 && __builtin_cpu_supports("sse2");
#else
        return false;
#endif
    }
} // namespace pyperf_tensor::simd
