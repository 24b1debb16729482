// Math functions for batches and scalars alike, with fix-ups where xsimd 8.1 falls short
// of NumPy (checked against NumPy's validation sets, ../shared/data/numpy-umath-validation):
//   exp: float32 uses a select-free polynomial (Cephes expf's) on the normal range;
//        xsimd flushes results that should be subnormal to zero (f32 below ln(FLT_MIN),
//        f64 below ln(DBL_MIN)) and overflows to inf early (f32 exp(88.72283) is
//        3.4027985e38, not inf); lanes in both edge ranges are recomputed with libm.
//   log: xsimd's float64 log is wrong for subnormal inputs; those lanes use libm (float32
//        for float64 only; float32 scales subnormals into range in SIMD).
//        xsimd's float32 log divides (f / (2 + f)), which costs more than NumPy's whole
//        log; float32 uses a division-free polynomial instead (Cephes logf's, <= 2 ULP).
//   pow: xsimd's pow is exp(y * log|x|): wrong for pow(0, 0), pow(1, nan), pow(0, -1) and
//        tens of ULP off for large results; pyperf_tensor uses libm per lane, as NumPy does.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../config.hpp"
#include "arch.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace pyperf_tensor::simd
{
    // x * y + z rounded once. xsimd 8.1 implements fma for FMA3 (AVX/AVX2) but not for
    // AVX-512, where it computes x * y + z with two roundings; fill that gap. Arches
    // without FMA instructions (SSE2) round twice, and so do their scalars.
    template <class V>
    PYPERF_TENSOR_INLINE V fma(const V& x, const V& y, const V& z) noexcept
    {
#if defined(__AVX512F__)
        if constexpr (!std::is_arithmetic<V>::value && sizeof(V) == 64)
        {
            using T = typename V::value_type;
            if constexpr (std::is_same<T, float>::value)
                return _mm512_fmadd_ps(x, y, z);
            else if constexpr (std::is_same<T, double>::value)
                return _mm512_fmadd_pd(x, y, z);
        }
#endif
        if constexpr (std::is_arithmetic<V>::value)
            return x * y + z;
        else
            return xsimd::fma(x, y, z);
    }

    namespace detail
    {
        // Recompute the lanes of `result` where `bad` holds with the scalar function f.
        template <class B, class M, class F>
        PYPERF_TENSOR_COLD B patch_lanes(B result, const B& x, const M& bad, F f) noexcept
        {
            using T = typename B::value_type;
            alignas(B::arch_type::alignment()) T xs[B::size], rs[B::size];
            alignas(B::arch_type::alignment()) bool mask[B::size];
            x.store_aligned(xs);
            result.store_aligned(rs);
            bad.store_aligned(mask);
            for (std::size_t i = 0; i < B::size; ++i)
                if (mask[i])
                    rs[i] = f(xs[i]);
            return B::load_aligned(rs);
        }
    } // namespace detail

    namespace detail
    {
        // exp(x) for x in the normal range (the caller sends the edges to libm):
        // x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-6 polynomial (Cephes expf's),
        // times 2^n built in the exponent bits. No selects, no division.
        template <class A>
        inline xsimd::batch<float, A> exp_f32(const xsimd::batch<float, A>& x) noexcept
        {
            using B = xsimd::batch<float, A>;
            using I = xsimd::batch<std::int32_t, A>;
            const B n = xsimd::floor(simd::fma(x, B(1.44269504088896341f), B(0.5f)));
            B r = simd::fma(n, B(-0.693359375f), x);
            r = simd::fma(n, B(2.12194440e-4f), r);
            B p = B(1.9875691500e-4f);
            p = simd::fma(p, r, B(1.3981999507e-3f));
            p = simd::fma(p, r, B(8.3334519073e-3f));
            p = simd::fma(p, r, B(4.1665795894e-2f));
            p = simd::fma(p, r, B(1.6666665459e-1f));
            p = simd::fma(p, r, B(5.0000001201e-1f));
            p = simd::fma(p, r * r, r + B(1.0f));
            const I bits = (xsimd::batch_cast<std::int32_t>(n) + I(127)) << 23;
            return p * xsimd::bitwise_cast<B>(bits);
        }
    } // namespace detail

    namespace detail
    {
#if defined(__AVX512F__)
        // float32 exp for every input with AVX-512: the same reduction and polynomial as
        // exp_f32, but 2^n applied by vscalefps, which rounds once into the subnormal
        // range and overflows to inf exactly where exp does. Inputs are clamped to
        // [-110, 100] (NaN kept: vmaxps/vminps return their second operand on NaN), so
        // no lane needs a fix-up.
        inline __m512 exp_f32_zmm(__m512 x) noexcept
        {
            x = _mm512_min_ps(_mm512_set1_ps(100.0f), _mm512_max_ps(_mm512_set1_ps(-110.0f), x));
            const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-0.693359375f), x);
            r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
            __m512 p = _mm512_set1_ps(1.9875691500e-4f);
            p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
            p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
            p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
            p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
            p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
            p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
            return _mm512_scalef_ps(p, n);
        }
#endif
    } // namespace detail

    // `ordered` and'ed with the lanes where neither a nor b is NaN: one compare for two
    // batches (AVX-512: a masked compare, no separate and). NaN detection beside a plain
    // max/min costs half a compare per batch this way.
    template <class B>
    PYPERF_TENSOR_INLINE typename B::batch_bool_type still_ordered(const typename B::batch_bool_type& ordered,
                                                                   const B& a, const B& b) noexcept
    {
        using T = typename B::value_type;
        using BB = typename B::batch_bool_type;
#if defined(__AVX512F__)
        if constexpr (detail::is_zmm<B>())
        {
            if constexpr (std::is_same<T, float>::value)
                return BB(_mm512_mask_cmp_ps_mask(ordered, a, b, _CMP_ORD_Q));
            else
                return BB(_mm512_mask_cmp_pd_mask(ordered, a, b, _CMP_ORD_Q));
        }
#endif
#if defined(__AVX__)
        if constexpr (sizeof(B) == 32)
        {
            if constexpr (std::is_same<T, float>::value)
                return ordered & BB(_mm256_cmp_ps(a, b, _CMP_ORD_Q));
            else
                return ordered & BB(_mm256_cmp_pd(a, b, _CMP_ORD_Q));
        }
#endif
#if defined(__SSE2__)
        if constexpr (sizeof(B) == 16)
        {
            if constexpr (std::is_same<T, float>::value)
                return ordered & BB(_mm_cmpord_ps(a, b));
            else
                return ordered & BB(_mm_cmpord_pd(a, b));
        }
#endif
        return ordered & !(xsimd::isnan(a) | xsimd::isnan(b));
    }

    template <class V>
    inline V exp(const V& x) noexcept
    {
        if constexpr (std::is_arithmetic<V>::value)
            return std::exp(x);
        else
        {
            using T = typename V::value_type;
            V r;
#if defined(__AVX512F__)
            if constexpr (std::is_same<T, float>::value && detail::is_zmm<V>())
                return detail::exp_f32_zmm(x);
#endif
            if constexpr (std::is_same<T, float>::value)
                r = detail::exp_f32(x);
            else
                r = xsimd::exp(x);
            const auto edge = (x < V(std::log(std::numeric_limits<T>::min()) + T(1)))
                              | (x > V(std::log(std::numeric_limits<T>::max()) - T(1)));
            if (xsimd::any(edge))
                return detail::patch_lanes(r, x, edge, [](T v) { return std::exp(v); });
            return r;
        }
    }

    namespace detail
    {
        // log(x) for normal positive x: x = 2^k * m with m in [sqrt(1/2), sqrt(2)),
        // log(m) = f - f^2/2 + f^3 P(f) with f = m - 1; no division. Zero, negative,
        // infinite and NaN lanes are fixed up by the caller's selects.
        template <class A>
        inline xsimd::batch<float, A> log_f32(const xsimd::batch<float, A>& x,
                                              const xsimd::batch<float, A>& extra_k) noexcept
        {
            using B = xsimd::batch<float, A>;
            using I = xsimd::batch<std::int32_t, A>;
            I ix = xsimd::bitwise_cast<I>(x) + I(0x3f800000 - 0x3f3504f3);
            const B k = xsimd::batch_cast<float>((ix >> 23) - I(0x7f)) + extra_k;
            ix = (ix & I(0x007fffff)) + I(0x3f3504f3);
            const B f = xsimd::bitwise_cast<B>(ix) - B(1.0f);
            const B z = f * f;
            B p = B(7.0376836292e-2f);
            p = simd::fma(p, f, B(-1.1514610310e-1f));
            p = simd::fma(p, f, B(1.1676998740e-1f));
            p = simd::fma(p, f, B(-1.2420140846e-1f));
            p = simd::fma(p, f, B(1.4249322787e-1f));
            p = simd::fma(p, f, B(-1.6668057665e-1f));
            p = simd::fma(p, f, B(2.0000714765e-1f));
            p = simd::fma(p, f, B(-2.4999993993e-1f));
            p = simd::fma(p, f, B(3.3333331174e-1f));
            B y = p * f * z;
            y = simd::fma(k, B(-2.12194440e-4f), y);
            y = simd::fma(B(-0.5f), z, y);
            return simd::fma(k, B(0.693359375f), f + y);
        }
    } // namespace detail

    namespace detail
    {
        // float32 log of a batch with some lane zero, negative, infinite, NaN or subnormal
        // (out of line: keeps the common path's constants in registers).
        template <class V>
        PYPERF_TENSOR_COLD V log_f32_special(const V& x) noexcept
        {
            const auto subnormal = (x > V(0.0f)) & (x < V(std::numeric_limits<float>::min()));
            const V xs = xsimd::select(subnormal, x * V(8388608.0f), x);
            V r = log_f32(xs, xsimd::select(subnormal, V(-23.0f), V(0.0f)));
            const V inf(std::numeric_limits<float>::infinity());
            r = xsimd::select(x == V(0.0f), -inf, r);
            r = xsimd::select(x == inf, inf, r);
            return xsimd::select(x < V(0.0f) || xsimd::isnan(x), V(std::numeric_limits<float>::quiet_NaN()), r);
        }
    } // namespace detail

    template <class V>
    inline V log(const V& x) noexcept
    {
        if constexpr (std::is_arithmetic<V>::value)
            return std::log(x);
        else
        {
            using T = typename V::value_type;
            V r;
            if constexpr (std::is_same<T, float>::value)
            {
                // No libm call on this path (a call in the loop costs every iteration its
                // constants): subnormal inputs are scaled by 2^23 into the normal range.
                const auto normal =
                    (x >= V(std::numeric_limits<float>::min())) & (x <= V(std::numeric_limits<float>::max()));
                if (xsimd::all(normal))
                    return detail::log_f32(x, V(0.0f));
                return detail::log_f32_special(x);
            }
            else
                r = xsimd::log(x);
            const auto subnormal_input = (x > V(T(0))) & (x < V(std::numeric_limits<T>::min()));
            if (xsimd::any(subnormal_input))
                return detail::patch_lanes(r, x, subnormal_input, [](T v) { return std::log(v); });
            return r;
        }
    }

    template <class V>
    inline V pow(const V& x, const V& y) noexcept
    {
        if constexpr (std::is_arithmetic<V>::value)
            return std::pow(x, y);
        else
        {
            using T = typename V::value_type;
            alignas(V::arch_type::alignment()) T xs[V::size], ys[V::size];
            x.store_aligned(xs);
            y.store_aligned(ys);
            for (std::size_t i = 0; i < V::size; ++i)
                xs[i] = std::pow(xs[i], ys[i]);
            return V::load_aligned(xs);
        }
    }
} // namespace pyperf_tensor::simd
