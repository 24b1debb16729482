// In-register transpose of a square tile of W batches of W lanes (32- or 64-bit lanes):
// what lets an op read a transposed input at full SIMD width. xsimd 8.1 has no transpose
// and its zip_lo/zip_hi are in-lane on AVX/AVX-512, so this is written with the
// unpack/shuffle intrinsics of each register width (the textbook sequences), the one other
// place besides store_stream where pyperf_tensor names intrinsics.
#pragma once

#include <cstddef>
#include <type_traits>

#include "../config.hpp"
#include "arch.hpp"

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace pyperf_tensor::simd
{
    // True when transpose<Arch, T> is implemented for this TU's flags.
    template <class Arch, class T>
    constexpr bool has_transpose() noexcept
    {
        constexpr std::size_t bytes = sizeof(xsimd::batch<T, Arch>);
        constexpr bool lanes_ok = sizeof(T) == 4 || sizeof(T) == 8;
#if defined(__AVX512F__)
        if (bytes == 64)
            return lanes_ok;
#endif
#if defined(__AVX__)
        if (bytes == 32)
            return lanes_ok;
#endif
#if defined(__SSE2__)
        if (bytes == 16)
            return lanes_ok;
#endif
        return false;
    }

    // The register-width overloads are templates on Arch only so that each ISA's copy is
    // a distinct symbol: a plain inline function compiled in the AVX-512 translation unit
    // could otherwise be picked by the linker for an AVX2 caller (ODR hazard).
    namespace detail
    {
#if defined(__SSE2__)
        template <class Arch>
        PYPERF_TENSOR_INLINE void transpose_ps(__m128* r) noexcept
        {
            const __m128 t0 = _mm_unpacklo_ps(r[0], r[1]), t1 = _mm_unpackhi_ps(r[0], r[1]);
            const __m128 t2 = _mm_unpacklo_ps(r[2], r[3]), t3 = _mm_unpackhi_ps(r[2], r[3]);
            r[0] = _mm_movelh_ps(t0, t2);
            r[1] = _mm_movehl_ps(t2, t0);
            r[2] = _mm_movelh_ps(t1, t3);
            r[3] = _mm_movehl_ps(t3, t1);
        }
        template <class Arch>
        PYPERF_TENSOR_INLINE void transpose_pd(__m128d* r) noexcept
        {
            const __m128d t0 = _mm_unpacklo_pd(r[0], r[1]), t1 = _mm_unpackhi_pd(r[0], r[1]);
            r[0] = t0;
            r[1] = t1;
        }
#endif
#if defined(__AVX__)
        template <class Arch>
        PYPERF_TENSOR_INLINE void transpose_ps(__m256* r) noexcept
        {
            __m256 t[8], s[8];
            PYPERF_TENSOR_UNROLL
            for (int i = 0; i < 4; ++i)
            {
                t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
                t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
            }
            PYPERF_TENSOR_UNROLL
            for (int h = 0; h < 8; h += 4)
            {
                s[h + 0] = _mm256_shuffle_ps(t[h + 0], t[h + 2], _MM_SHUFFLE(1, 0, 1, 0));
                s[h + 1] = _mm256_shuffle_ps(t[h + 0], t[h + 2], _MM_SHUFFLE(3, 2, 3, 2));
                s[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(1, 0, 1, 0));
                s[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(3, 2, 3, 2));
            }
            PYPERF_TENSOR_UNROLL
            for (int i = 0; i < 4; ++i)
            {
                r[i] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x20);
                r[i + 4] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x31);
            }
        }
        template <class Arch>
        PYPERF_TENSOR_INLINE void transpose_pd(__m256d* r) noexcept
        {
            const __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
            const __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
            r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
            r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
            r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
            r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
        }
#endif
#if defined(__AVX512F__)
        template <class Arch>
        PYPERF_TENSOR_INLINE void transpose_ps(__m512* r) noexcept
        {
            __m512 t[16], u[16], v[16];
            PYPERF_TENSOR_UNROLL
            for (int i = 0; i < 8; ++i)
            {
                t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
                t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
            }
            PYPERF_TENSOR_UNROLL
            for (int b = 0; b < 16; b += 4)
            {
                u[b + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[b]), _mm512_castps_pd(t[b + 2])));
                u[b + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[b]), _mm512_castps_pd(t[b + 2])));
                u[b + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[b + 1]), _mm512_castps_pd(t[b + 3])));
                u[b + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[b + 1]), _mm512_castps_pd(t[b + 3])));
            }
            PYPERF_TENSOR_UNROLL
            for (int i = 0; i < 4; ++i)
            {
                v[i] = _mm512_shuffle_f32x4(u[i], u[i + 4], 0x88);
                v[i + 4] = _mm512_shuffle_f32x4(u[i], u[i + 4], 0xdd);
                v[i + 8] = _mm512_shuffle_f32x4(u[i + 8], u[i + 12], 0x88);
                v[i + 12] = _mm512_shuffle_f32x4(u[i + 8], u[i + 12], 0xdd);
            }
            PYPERF_TENSOR_UNROLL
            for (int i = 0; i < 8; ++i)
            {
                r[i] = _mm512_shuffle_f32x4(v[i], v[i + 8], 0x88);
                r[i + 8] = _mm512_shuffle_f32x4(v[i], v[i + 8], 0xdd);
            }
        }
        template <class Arch>
        PYPERF_TENSOR_INLINE void transpose_pd(__m512d* r) noexcept
        {
            __m512d t[8], v[8];
            PYPERF_TENSOR_UNROLL
            for (int i = 0; i < 4; ++i)
            {
                t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);
                t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);
            }
            PYPERF_TENSOR_UNROLL
            for (int i = 0; i < 2; ++i)
            {
                v[i] = _mm512_shuffle_f64x2(t[i], t[i + 2], 0x88);
                v[i + 2] = _mm512_shuffle_f64x2(t[i], t[i + 2], 0xdd);
                v[i + 4] = _mm512_shuffle_f64x2(t[i + 4], t[i + 6], 0x88);
                v[i + 6] = _mm512_shuffle_f64x2(t[i + 4], t[i + 6], 0xdd);
            }
            PYPERF_TENSOR_UNROLL
            for (int i = 0; i < 4; ++i)
            {
                r[i] = _mm512_shuffle_f64x2(v[i], v[i + 4], 0x88);
                r[i + 4] = _mm512_shuffle_f64x2(v[i], v[i + 4], 0xdd);
            }
        }
#endif
    } // namespace detail

    // rows[i] lane j  <->  rows[j] lane i, for the W = batch::size rows given.
    template <class Arch, class T>
    PYPERF_TENSOR_INLINE void transpose(xsimd::batch<T, Arch>* rows) noexcept
    {
        static_assert(has_transpose<Arch, T>(), "no transpose for this batch type");
        using B = xsimd::batch<T, Arch>;
        using F = std::conditional_t<sizeof(T) == 4, float, double>;
        using FB = xsimd::batch<F, Arch>;
        using reg = typename FB::register_type;
        reg r[B::size];
        PYPERF_TENSOR_UNROLL
        for (std::size_t i = 0; i < B::size; ++i)
            if constexpr (std::is_same<T, F>::value)
                r[i] = rows[i];
            else
                r[i] = xsimd::bitwise_cast<FB>(rows[i]);
        if constexpr (sizeof(T) == 4)
            detail::transpose_ps<Arch>(r);
        else
            detail::transpose_pd<Arch>(r);
        PYPERF_TENSOR_UNROLL
        for (std::size_t i = 0; i < B::size; ++i)
            if constexpr (std::is_same<T, F>::value)
                rows[i] = B(r[i]);
            else
                rows[i] = xsimd::bitwise_cast<B>(FB(r[i]));
    }
} // namespace pyperf_tensor::simd
