// Strided loads: W elements p[0], p[s], ..., p[(W-1)s] into one batch. xsimd 8.1's
// batch::gather never reaches the gather instructions (its overloads cannot be selected
// and it falls back to an element-by-element build ~20x slower), so this gap-filler uses
// the AVX2 / AVX-512 gather instructions directly, a two-load shuffle for stride 2
// (x[::2] views), a load and a lane reversal for stride -1 (x[::-1]), and scalar loads
// on SSE2. Also partial batches (k < W elements, the rest filled; AVX-512: masked loads
// and stores) for the edges of rows and tiles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "../config.hpp"
#include "arch.hpp"

#if defined(__SSE2__)
#include <immintrin.h>
#endif

namespace pyperf_tensor::simd
{
    namespace detail
    {
        // A batch of B's type from a register holding lanes of type E (same width).
        template <class B, class E, class Reg>
        inline B from_register(const Reg& r) noexcept
        {
            using EB = xsimd::batch<E, typename B::arch_type>;
            if constexpr (std::is_same<B, EB>::value)
                return B(r);
            else
                return xsimd::bitwise_cast<B>(EB(r));
        }

#if defined(__AVX512F__)
        // The even lanes of lo followed by those of hi: W elements at stride 2 from two
        // registers of W (32- or 64-bit lanes).
        template <class T>
        inline __m512i even_lanes(__m512i lo, __m512i hi) noexcept
        {
            if constexpr (sizeof(T) == 4)
                return _mm512_permutex2var_epi32(
                    lo, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), hi);
            else
                return _mm512_permutex2var_epi64(lo, _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14), hi);
        }
#endif
    } // namespace detail

    // The lanes of v in reverse order.
    template <class B>
    PYPERF_TENSOR_INLINE B reverse_lanes(const B& v) noexcept
    {
        using T = typename B::value_type;
        using E = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
        [[maybe_unused]] constexpr std::size_t bytes = sizeof(B);
        if constexpr (sizeof(T) == 4 || sizeof(T) == 8)
        {
            [[maybe_unused]] const auto bits = xsimd::bitwise_cast<xsimd::batch<E, typename B::arch_type>>(v);
#if defined(__AVX512F__)
            if constexpr (bytes == 64 && sizeof(T) == 4)
                return detail::from_register<B, E>(_mm512_permutexvar_epi32(
                    _mm512_setr_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), bits));
            if constexpr (bytes == 64 && sizeof(T) == 8)
                return detail::from_register<B, E>(
                    _mm512_permutexvar_epi64(_mm512_setr_epi64(7, 6, 5, 4, 3, 2, 1, 0), bits));
#endif
#if defined(__AVX2__)
            if constexpr (bytes == 32 && sizeof(T) == 4)
                return detail::from_register<B, E>(
                    _mm256_permutevar8x32_epi32(bits, _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0)));
            if constexpr (bytes == 32 && sizeof(T) == 8)
                return detail::from_register<B, E>(_mm256_permute4x64_epi64(bits, _MM_SHUFFLE(0, 1, 2, 3)));
#endif
#if defined(__SSE2__)
            if constexpr (bytes == 16)
                return detail::from_register<B, E>(
                    _mm_shuffle_epi32(bits, sizeof(T) == 4 ? _MM_SHUFFLE(0, 1, 2, 3) : _MM_SHUFFLE(1, 0, 3, 2)));
#endif
        }
        alignas(B::arch_type::alignment()) T lanes[B::size];
        v.store_aligned(lanes);
        for (std::size_t i = 0; i < B::size / 2; ++i)
            std::swap(lanes[i], lanes[B::size - 1 - i]);
        return B::load_aligned(lanes);
    }

    template <class B>
    PYPERF_TENSOR_INLINE B load_strided(const typename B::value_type* p, std::ptrdiff_t stride) noexcept
    {
        using T = typename B::value_type;
        constexpr std::size_t W = B::size;
        [[maybe_unused]] constexpr std::size_t bytes = sizeof(B);
        // Gather offsets are 32-bit lanes for 32-bit types.
        [[maybe_unused]] const bool small = (stride < 0 ? -stride : stride) < (std::ptrdiff_t{1} << 26);
        if (stride == -1) // a reversed run (x[:, ::-1]): one load ending at p
            return reverse_lanes(B::load_unaligned(p - (W - 1)));
        if (stride == 2)
        {
            // Even lanes of two consecutive registers.
#if defined(__AVX512F__)
            if constexpr (bytes == 64 && (sizeof(T) == 4 || sizeof(T) == 8))
            {
                using E = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
                return detail::from_register<B, E>(
                    detail::even_lanes<T>(_mm512_loadu_si512(p), _mm512_loadu_si512(p + W)));
            }
#endif
#if defined(__AVX2__)
            if constexpr (bytes == 32 && sizeof(T) == 4)
            {
                const __m256 lo = _mm256_loadu_ps(reinterpret_cast<const float*>(p));
                const __m256 hi = _mm256_loadu_ps(reinterpret_cast<const float*>(p + W));
                const __m256 even = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)); // per 128-bit lane
                const __m256d ordered = _mm256_permute4x64_pd(_mm256_castps_pd(even), _MM_SHUFFLE(3, 1, 2, 0));
                return detail::from_register<B, float>(_mm256_castpd_ps(ordered));
            }
#endif
        }
#if defined(__AVX512F__)
        if constexpr (bytes == 64 && sizeof(T) == 4)
            if (small)
            {
                const __m512i idx =
                    _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                       _mm512_set1_epi32(static_cast<int>(stride)));
                return detail::from_register<B, std::int32_t>(_mm512_i32gather_epi32(idx, p, 4));
            }
#endif
#if defined(__AVX512DQ__)
        if constexpr (bytes == 64 && sizeof(T) == 8)
            if (small)
            {
                const __m512i idx = _mm512_mullo_epi64(_mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7),
                                                       _mm512_set1_epi64(static_cast<long long>(stride)));
                return detail::from_register<B, std::int64_t>(_mm512_i64gather_epi64(idx, p, 8));
            }
#endif
#if defined(__AVX2__)
        if constexpr (bytes == 32 && sizeof(T) == 4)
            if (small)
            {
                const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                                       _mm256_set1_epi32(static_cast<int>(stride)));
                return detail::from_register<B, std::int32_t>(
                    _mm256_i32gather_epi32(reinterpret_cast<const int*>(p), idx, 4));
            }
        if constexpr (bytes == 32 && sizeof(T) == 8)
            if (small)
            {
                const __m256i idx = _mm256_mul_epi32(_mm256_setr_epi64x(0, 1, 2, 3),
                                                     _mm256_set1_epi64x(static_cast<long long>(stride)));
                return detail::from_register<B, std::int64_t>(
                    _mm256_i64gather_epi64(reinterpret_cast<const long long*>(p), idx, 8));
            }
#endif
        alignas(B::arch_type::alignment()) T lanes[W];
        for (std::size_t i = 0; i < W; ++i)
            lanes[i] = p[static_cast<std::ptrdiff_t>(i) * stride];
        return B::load_aligned(lanes);
    }

    // k < B::size elements at p (stride s) as a batch, the other lanes `fill`
    // (AVX-512: one masked load when contiguous; reversed, the masked load of the
    // register ending at p, lanes reversed; stride 2, two masked loads and a shuffle).
    template <class B, class T>
    PYPERF_TENSOR_INLINE B load_part(const T* p, std::ptrdiff_t s, std::ptrdiff_t k, T fill) noexcept
    {
#if defined(__AVX512F__)
        if constexpr (simd::detail::is_zmm<B>())
        {
            using E = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
            constexpr std::ptrdiff_t W = B::size;
            E f;
            std::memcpy(&f, &fill, sizeof f);
            const auto masked = [&](std::uint32_t mask, const T* base) -> __m512i // lanes not in mask: fill
            {
                if constexpr (sizeof(T) == 4)
                    return _mm512_mask_loadu_epi32(_mm512_set1_epi32(f), static_cast<__mmask16>(mask), base);
                else
                    return _mm512_mask_loadu_epi64(_mm512_set1_epi64(f), static_cast<__mmask8>(mask), base);
            };
            const std::uint32_t first_k = (std::uint32_t{1} << k) - 1;
            if (s == 1)
                return detail::from_register<B, E>(masked(first_k, p));
            if (s == -1)
                return reverse_lanes(detail::from_register<B, E>(masked(first_k << (W - k), p - (W - 1))));
            if (s == 2 && k > 0)
            {
                const std::uint32_t used = (std::uint32_t{1} << (2 * k - 1)) - 1; // offsets 0 .. 2k - 2
                const __m512i lo = masked(used & ((std::uint32_t{1} << W) - 1), p), hi = masked(used >> W, p + W);
                return detail::from_register<B, E>(detail::even_lanes<T>(lo, hi));
            }
        }
#endif
        alignas(B::arch_type::alignment()) T lanes[B::size];
        for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(B::size); ++i)
            lanes[i] = i < k ? p[i * s] : fill;
        return B::load_aligned(lanes);
    }
    template <class B, class T>
    PYPERF_TENSOR_INLINE void store_part(T* p, std::ptrdiff_t s, std::ptrdiff_t k, const B& v) noexcept
    {
#if defined(__AVX512F__)
        if constexpr (simd::detail::is_zmm<B>())
            if (s == 1)
            {
                using E = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
                const __m512i bits = xsimd::bitwise_cast<xsimd::batch<E, typename B::arch_type>>(v);
                if constexpr (sizeof(T) == 4)
                    _mm512_mask_storeu_epi32(p, static_cast<__mmask16>((1u << k) - 1), bits);
                else
                    _mm512_mask_storeu_epi64(p, static_cast<__mmask8>((1u << k) - 1), bits);
                return;
            }
#endif
        alignas(B::arch_type::alignment()) T lanes[B::size];
        v.store_aligned(lanes);
        for (std::ptrdiff_t i = 0; i < k; ++i)
            p[i * s] = lanes[i];
    }
} // namespace pyperf_tensor::simd
