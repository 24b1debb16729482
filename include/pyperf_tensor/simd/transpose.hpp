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
        // Each 128-bit lane's 4x4 block of rows b..b+3 (b = 0, 4, 8, 12), transposed in place.
        template <class Arch>
        PYPERF_TENSOR_INLINE void transpose_lanes_ps(__m512* r) noexcept
        {
            __m512 t[16];
            PYPERF_TENSOR_UNROLL
            for (int i = 0; i < 8; ++i)
            {
                t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
                t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
            }
            PYPERF_TENSOR_UNROLL
            for (int b = 0; b < 16; b += 4)
            {
                const __m512d t0 = _mm512_castps_pd(t[b]), t1 = _mm512_castps_pd(t[b + 1]);
                const __m512d t2 = _mm512_castps_pd(t[b + 2]), t3 = _mm512_castps_pd(t[b + 3]);
                r[b] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
                r[b + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
                r[b + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
                r[b + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
            }
        }
        template <class Arch>
        PYPERF_TENSOR_INLINE void transpose_ps(__m512* r) noexcept
        {
            transpose_lanes_ps<Arch>(r);
            __m512 v[16];
            PYPERF_TENSOR_UNROLL
            for (int i = 0; i < 4; ++i)
            {
                v[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
                v[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
                v[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
                v[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
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

        // The W rows at src (stride elements apart), transposed as they are loaded: each
        // register is two 256-bit halves, of rows i and i + W/2, so the last stage of the
        // transpose (a 128-bit lane shuffle across all 512 bits) becomes the loads' own
        // placement, and a half lies within one cache line wherever the rows are 32-byte
        // aligned (float32 rows of 1000 elements alternate between 0 and 32 bytes off a
        // line; whole registers split every other row's load across two lines). In each
        // half, an in-lane transpose (unpacks) and one masked lane shuffle per register.
        template <class Arch>
        PYPERF_TENSOR_INLINE void load_transposed_halves(__m512* r, const float* src, std::ptrdiff_t stride) noexcept
        {
            // Two 256-bit halves in one register (vinsertf64x4: AVX-512F, where vinsertf32x8
            // needs DQ; the lanes' type does not matter to an insert).
            const auto halves = [](const float* lo, const float* hi)
            {
                return _mm512_castpd_ps(
                    _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_loadu_pd(reinterpret_cast<const double*>(lo))),
                                       _mm256_loadu_pd(reinterpret_cast<const double*>(hi)), 1));
            };
            __m512 a[16];
            PYPERF_TENSOR_UNROLL
            for (int i = 0; i < 8; ++i)
            {
                // a[i]: columns 0-7 of rows i and i + 8; a[i + 8]: their columns 8-15.
                a[i] = halves(src + i * stride, src + (i + 8) * stride);
                a[i + 8] = halves(src + i * stride + 8, src + (i + 8) * stride + 8);
            }
            transpose_lanes_ps<Arch>(a);
            PYPERF_TENSOR_UNROLL
            for (int k = 0; k < 16; ++k)
                if (k % 8 < 4) // 128-bit lanes {k's 0, k+4's 0, k's 2, k+4's 2} and {1, 1, 3, 3}
                {
                    r[k] = _mm512_mask_shuffle_f32x4(a[k], 0xF0F0, a[k + 4], a[k + 4], _MM_SHUFFLE(2, 2, 0, 0));
                    r[k + 4] = _mm512_mask_shuffle_f32x4(a[k + 4], 0x0F0F, a[k], a[k], _MM_SHUFFLE(3, 3, 1, 1));
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

    // rows[i] lane j = src[j * stride + i], for the W = batch::size rows at src: W whole
    // loads and transpose(), or for 32-bit lanes in 512-bit registers, loads of 256-bit
    // halves (detail::load_transposed_halves). C++, float32 1000x1000, 1 thread, medians
    // of alternating runs: neg(x.T) 95.8 -> 87.8 us, add(x.T, y) 145.9 -> 133.2, fma(x.T,
    // y, y) 171.6 -> 150.1, add(x.T, y.T) 288.5 -> 249.5, exp(x.T) 156.6 -> 149.6, log
    // 211.6 -> 194.9, sigmoid 168.4 -> 161.2 (tanh and pow 4% slower). Not taken for
    // float64: its rows of 1000 lie on whole lines, and halves were 0-8% slower there.
    template <class Arch, class T>
    PYPERF_TENSOR_INLINE void load_transposed(xsimd::batch<T, Arch>* rows, const T* src, std::ptrdiff_t stride) noexcept
    {
        using B = xsimd::batch<T, Arch>;
#if defined(__AVX512F__)
        if constexpr (sizeof(B) == 64 && sizeof(T) == 4)
        {
            __m512 r[16];
            detail::load_transposed_halves<Arch>(r, reinterpret_cast<const float*>(src), stride);
            PYPERF_TENSOR_UNROLL
            for (std::size_t i = 0; i < 16; ++i)
                if constexpr (std::is_same<T, float>::value)
                    rows[i] = B(r[i]);
                else
                    rows[i] = xsimd::bitwise_cast<B>(xsimd::batch<float, Arch>(r[i]));
            return;
        }
#endif
        PYPERF_TENSOR_UNROLL
        for (std::size_t j = 0; j < B::size; ++j)
            rows[j] = B::load_unaligned(src + static_cast<std::ptrdiff_t>(j) * stride);
        transpose<Arch>(rows);
    }
} // namespace pyperf_tensor::simd
