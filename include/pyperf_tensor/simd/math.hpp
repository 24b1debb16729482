// Math functions for batches and scalars alike, with fix-ups where xsimd 8.1 falls short
// of NumPy (checked against NumPy's validation sets, ../shared/data/numpy-umath-validation):
//   exp: xsimd flushes results that should be subnormal to zero (f32 below ln(FLT_MIN),
//        f64 below ln(DBL_MIN)) and overflows to inf early (f32 exp(88.72283) is
//        3.4027985e38, not inf); lanes in both edge ranges are recomputed with libm.
//   log: xsimd's float64 log is wrong for subnormal inputs; those lanes use libm (float32
//        too, for the same reason and at the same cost: only when such a lane occurs).
//   pow: xsimd's pow is exp(y * log|x|): wrong for pow(0, 0), pow(1, nan), pow(0, -1) and
//        tens of ULP off for large results; pyperf_tensor uses libm per lane, as NumPy does.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

#include "arch.hpp"

namespace pyperf_tensor::simd
{
    namespace detail
    {
        // Recompute the lanes of `result` where `bad` holds with the scalar function f.
        template <class B, class M, class F>
        inline B patch_lanes(B result, const B& x, const M& bad, F f) noexcept
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

    template <class V>
    inline V exp(const V& x) noexcept
    {
        if constexpr (std::is_arithmetic<V>::value)
            return std::exp(x);
        else
        {
            using T = typename V::value_type;
            const V r = xsimd::exp(x);
            const auto edge = (x < V(std::log(std::numeric_limits<T>::min()) + T(1)))
                              | (x > V(std::log(std::numeric_limits<T>::max()) - T(1)));
            if (xsimd::any(edge))
                return detail::patch_lanes(r, x, edge, [](T v) { return std::exp(v); });
            return r;
        }
    }

    template <class V>
    inline V log(const V& x) noexcept
    {
        if constexpr (std::is_arithmetic<V>::value)
            return std::log(x);
        else
        {
            using T = typename V::value_type;
            const V r = xsimd::log(x);
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
