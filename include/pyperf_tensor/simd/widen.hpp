// Widening loads and conversions: B::size elements of a narrower type converted to the
// lanes of B (float -> double, int32 -> int64), and a float batch split into two double
// batches (and back), for reductions that accumulate in a wider type and for float32
// functions evaluated in float64.
// xsimd 8.1 has no widening conversion; this gap-filler uses the one-instruction
// conversions of each ISA, and builds other pairs (int -> double) element by element.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../config.hpp"
#include "arch.hpp"

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace pyperf_tensor::simd
{
    // B::size elements at p (contiguous) as a B; same-type loads are plain loads.
    template <class B, class T>
    PYPERF_TENSOR_INLINE B load_widened(const T* p) noexcept
    {
        using A = typename B::value_type;
        [[maybe_unused]] constexpr std::size_t bytes = sizeof(B);
        if constexpr (std::is_same<A, T>::value)
            return B::load_unaligned(p);
        else
        {
#if defined(__AVX512F__)
            if constexpr (bytes == 64 && std::is_same<A, double>::value && std::is_same<T, float>::value)
                return B(_mm512_cvtps_pd(_mm256_loadu_ps(p)));
            if constexpr (bytes == 64 && std::is_same<A, std::int64_t>::value && std::is_same<T, std::int32_t>::value)
                return B(_mm512_cvtepi32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))));
#endif
#if defined(__AVX2__)
            if constexpr (bytes == 32 && std::is_same<A, double>::value && std::is_same<T, float>::value)
                return B(_mm256_cvtps_pd(_mm_loadu_ps(p)));
            if constexpr (bytes == 32 && std::is_same<A, std::int64_t>::value && std::is_same<T, std::int32_t>::value)
                return B(_mm256_cvtepi32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
#endif
#if defined(__SSE2__)
            if constexpr (bytes == 16 && std::is_same<A, double>::value && std::is_same<T, float>::value)
                return B(_mm_cvtps_pd(_mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(p)))));
#endif
            alignas(B::arch_type::alignment()) A lanes[B::size];
            for (std::size_t i = 0; i < B::size; ++i)
                lanes[i] = static_cast<A>(p[i]);
            return B::load_aligned(lanes);
        }
    }

    // The two halves of a float batch as double batches (lo: lanes 0 .. W/2-1).
    template <class Arch>
    PYPERF_TENSOR_INLINE void widen(const xsimd::batch<float, Arch>& v, xsimd::batch<double, Arch>& lo,
                                    xsimd::batch<double, Arch>& hi) noexcept
    {
        [[maybe_unused]] constexpr std::size_t bytes = sizeof(xsimd::batch<float, Arch>);
#if defined(__AVX512F__)
        if constexpr (bytes == 64)
        {
            lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
            hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
            return;
        }
#endif
#if defined(__AVX__)
        if constexpr (bytes == 32)
        {
            lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
            hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
            return;
        }
#endif
#if defined(__SSE2__)
        if constexpr (bytes == 16)
        {
            lo = _mm_cvtps_pd(v);
            hi = _mm_cvtps_pd(_mm_movehl_ps(v, v));
            return;
        }
#endif
        alignas(Arch::alignment()) float l[xsimd::batch<float, Arch>::size];
        v.store_aligned(l);
        lo = xsimd::batch<double, Arch>::load_unaligned(l);
        hi = xsimd::batch<double, Arch>::load_unaligned(l + xsimd::batch<double, Arch>::size);
    }

    // The inverse of widen: two double batches rounded to one float batch.
    template <class Arch>
    PYPERF_TENSOR_INLINE xsimd::batch<float, Arch> narrow(const xsimd::batch<double, Arch>& lo,
                                                          const xsimd::batch<double, Arch>& hi) noexcept
    {
        [[maybe_unused]] constexpr std::size_t bytes = sizeof(xsimd::batch<float, Arch>);
#if defined(__AVX512F__)
        if constexpr (bytes == 64)
            return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo))),
                                                       _mm256_castps_pd(_mm512_cvtpd_ps(hi)), 1));
#endif
#if defined(__AVX__)
        if constexpr (bytes == 32)
            return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi), 1);
#endif
#if defined(__SSE2__)
        if constexpr (bytes == 16)
            return _mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi));
#endif
        alignas(Arch::alignment()) double l[xsimd::batch<double, Arch>::size * 2];
        lo.store_aligned(l);
        hi.store_aligned(l + xsimd::batch<double, Arch>::size);
        alignas(Arch::alignment()) float f[xsimd::batch<float, Arch>::size];
        for (std::size_t i = 0; i < xsimd::batch<float, Arch>::size; ++i)
            f[i] = static_cast<float>(l[i]);
        return xsimd::batch<float, Arch>::load_aligned(f);
    }
} // namespace pyperf_tensor::simd
