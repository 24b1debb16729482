// Activation kernels. The pointwise activations are elementwise ops (functors over a
// scalar or an xsimd batch, run by the elementwise engine); softmax and log_softmax are
// kernels of their own that normalise many independent slices at once.
//
// Accuracy: every float32 activation is computed so that the result is within a few
// ULP of the exact value over the whole range, saturation and subnormal results
// included. Where the cheap formula loses accuracy (a product that lands in the
// subnormal range, an infinite input that would give inf * 0), those lanes are
// recomputed in a wider type (double for float32, long double for float64); they are
// rare and the check costs one comparison per register.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "../simd/gather.hpp"
#include "../simd/loop.hpp"
#include "../simd/math.hpp"
#include "../simd/widen.hpp"
#include "elementwise.hpp"

namespace pyperf_tensor::kernels
{
    namespace detail
    {
        // The scalar type edge lanes are recomputed in.
        template <class T>
        using wide_t = std::conditional_t<std::is_same<T, float>::value, double, long double>;

        // Recompute the lanes of r where `edge` holds as f(wide(x)), rounded to T.
        template <class V, class M, class F>
        PYPERF_TENSOR_INLINE V fix_edges(const V& r, const V& x, const M& edge, F f) noexcept
        {
            using T = typename V::value_type;
            if (xsimd::any(edge))
                return simd::detail::patch_lanes(r, x, edge,
                                                 [&](T v) { return static_cast<T>(f(static_cast<wide_t<T>>(v))); });
            return r;
        }

        // The limits of x * f(x) at infinity for f -> 1 at +inf, f -> 0 at -inf (silu, gelu).
        template <class W>
        W gate_at_infinity(W x) noexcept
        {
            return x > 0 ? x : -W(0);
        }

        // x * Phi(x) (exact GELU) in a wide type, for edge lanes.
        template <class W>
        W gelu_wide(W x) noexcept
        {
            if (std::isinf(x))
                return gate_at_infinity(x);
            return W(0.5) * x * std::erfc(-x / std::sqrt(W(2)));
        }

        // x * sigmoid(s), s = 2 sqrt(2/pi) (x + 0.044715 x^3): the tanh-approximated GELU
        // 0.5 x (1 + tanh(u)) written without the cancellation of 1 + tanh(u) for u << 0.
        template <class W>
        W gelu_tanh_wide(W x) noexcept
        {
            if (std::isinf(x))
                return gate_at_infinity(x);
            const W s = W(1.5957691216057307117597842397375L) * (x + W(0.044715) * x * x * x);
            return x / (W(1) + std::exp(-s));
        }

        template <class W>
        W silu_wide(W x) noexcept
        {
            if (std::isinf(x))
                return gate_at_infinity(x);
            return x / (W(1) + std::exp(-x));
        }

        // exp(s) for s in [ln(FLT_MIN), 0] (float32), no edge handling.
        template <class B>
        PYPERF_TENSOR_INLINE B exp_normal_f32(const B& s) noexcept
        {
#if defined(__AVX512F__)
            if constexpr (simd::detail::is_zmm<B>())
                return simd::detail::exp_f32_zmm(s);
#endif
            return simd::detail::exp_f32(s);
        }

        // float32 GELU x * Phi(x) without erf: Phi(-a) = exp(-a^2/2) * t * R(t) with
        // a = |x|, t = 1 / (1 + a/2) and R a degree-10 polynomial in t - 1/2 fitted for
        // this library (relative error < 2e-7 in float32 for a in [0, 14]). a^2 is
        // carried exactly (fma gives its rounding error l; exp(-l/2) ~ 1 - l/2), so the
        // tail keeps its relative accuracy; the small factors are multiplied before
        // exp(-a^2/2), so a result in the subnormal range is rounded once. x < -13 (a
        // result near the subnormal range) and +inf are edge lanes.
        template <class B>
        PYPERF_TENSOR_INLINE B gelu_f32(const B& x) noexcept
        {
            const B a = xsimd::abs(x);
            const B t = B(1.0f) / simd::fma(a, B(0.5f), B(1.0f));
            const B u = t - B(0.5f);
            B r = B(-0.035269539803266525f);
            r = simd::fma(r, u, B(-0.00981702096760273f));
            r = simd::fma(r, u, B(0.09133501350879669f));
            r = simd::fma(r, u, B(-0.055958304554224014f));
            r = simd::fma(r, u, B(-0.06030590832233429f));
            r = simd::fma(r, u, B(0.10795647650957108f));
            r = simd::fma(r, u, B(-0.0038795226719230413f));
            r = simd::fma(r, u, B(-0.14688365161418915f));
            r = simd::fma(r, u, B(0.057597242295742035f));
            r = simd::fma(r, u, B(0.33140453696250916f));
            r = simd::fma(r, u, B(0.33620399236679077f));
            const B h = a * a;
            const B l = simd::fma(a, a, -h); // a * a == h + l exactly
            const B s = xsimd::max(h * B(-0.5f), B(-87.0f));
            const B tr = t * r;
            const B m = x * simd::fma(tr, l * B(-0.5f), tr); // x t R(t) (1 - l/2)
            const B xe = m * exp_normal_f32(s); // x * Phi(-|x|)
            const B g = xsimd::select(x < B(0.0f), xe, x - xe);
            return fix_edges(g, x, (x < B(-13.0f)) | (x == B(std::numeric_limits<float>::infinity())),
                             [](double v) { return gelu_wide(v); });
        }

        // float64 GELU: x (1 + erf(x/sqrt 2)) / 2, or x erfc(-x/sqrt 2) / 2 below -1 where
        // 1 + erf would cancel. Tails beyond -25 (subnormal or zero results) and +-inf in
        // long double.
        template <class B>
        PYPERF_TENSOR_INLINE B gelu_f64(const B& x) noexcept
        {
            const B z = x * B(0.70710678118654752440);
            const auto low = x < B(-1.0);
            B phi2;
            if (xsimd::all(!low))
                phi2 = B(1.0) + xsimd::erf(z);
            else if (xsimd::all(low))
                phi2 = xsimd::erfc(-z);
            else
                phi2 = xsimd::select(low, xsimd::erfc(-z), B(1.0) + xsimd::erf(z));
            const B g = B(0.5) * x * phi2;
            return fix_edges(g, x, (x < B(-25.0)) | (xsimd::abs(x) == B(std::numeric_limits<double>::infinity())),
                             [](long double v) { return gelu_wide(v); });
        }

        // x * sigmoid(s) for batches of double: (x or x e) / (1 + e) with e = exp(-|s|),
        // so nothing overflows.
        template <class B>
        PYPERF_TENSOR_INLINE B times_sigmoid(const B& x, const B& s) noexcept
        {
            const B e = simd::exp(-xsimd::abs(s));
            return xsimd::select(s >= B(0), x, x * e) / (B(1) + e);
        }

        // The tanh-approximated GELU as x * sigmoid(2u), evaluated in double: u's
        // rounding error is multiplied by up to |2u| in the result, so float32 inputs
        // are widened (the result is then correctly rounded or nearly so).
        template <class B>
        PYPERF_TENSOR_INLINE B gelu_tanh_f64(const B& x) noexcept
        {
            const B s = x * simd::fma(x * x, B(1.5957691216057307 * 0.044715), B(1.5957691216057307));
            return times_sigmoid(x, s);
        }

        template <class T>
        constexpr T log_min_normal = std::is_same<T, float>::value ? T(-87.0) : T(-708.0);
    } // namespace detail

    // Every activation functor: float32 and float64, one input.
#define PYPERF_TENSOR_ACTIVATION(op_name, is_approximate)                                                              \
    static constexpr const char* name = #op_name;                                                                      \
    static constexpr std::size_t arity = 1;                                                                            \
    static constexpr bool approximate = is_approximate;                                                                \
    template <class T>                                                                                                 \
    static constexpr bool supports = std::is_floating_point<T>::value;

    // max(x, 0); NaN stays NaN (as torch.relu).
    struct relu_op
    {
        PYPERF_TENSOR_ACTIVATION(relu, false)
        template <class V>
        V operator()(const V& x) const noexcept
        {
            if constexpr (std::is_arithmetic<V>::value)
                return x <= V(0) ? V(0) : x;
            else
                return xsimd::select(x <= V(0), V(0), x);
        }
    };

    // x > 0 ? x : slope * x (slope is the second operand, usually a scalar).
    struct leaky_relu_op
    {
        static constexpr const char* name = "leaky_relu";
        static constexpr std::size_t arity = 2;
        template <class T>
        static constexpr bool supports = std::is_floating_point<T>::value;
        template <class V>
        V operator()(const V& x, const V& slope) const noexcept
        {
            if constexpr (std::is_arithmetic<V>::value)
                return x > V(0) ? x : x * slope;
            else
                return xsimd::select(x > V(0), x, x * slope);
        }
    };

    // 1 / (1 + exp(-x)) as (1 or e) / (1 + e), e = exp(-|x|): never overflows, and
    // exp's own subnormal handling makes sigmoid(-100) = 3.7e-44 exact to the ULP.
    struct sigmoid_op
    {
        PYPERF_TENSOR_ACTIVATION(sigmoid, true)
        template <class V>
        V operator()(const V& x) const noexcept
        {
            using T = typename V::value_type;
            const V e = simd::exp(-xsimd::abs(x));
            return xsimd::select(x >= V(T(0)), V(T(1)), e) / (V(T(1)) + e);
        }
    };

    // x * sigmoid(x) as (x or x e) / (1 + e). Below ln(FLT_MIN) e is subnormal and x * e
    // would magnify its rounding: those lanes (and -inf, whose limit is -0) go wide.
    struct silu_op
    {
        PYPERF_TENSOR_ACTIVATION(silu, true)
        template <class V>
        V operator()(const V& x) const noexcept
        {
            using T = typename V::value_type;
            const V e = simd::exp(-xsimd::abs(x));
            const V r = xsimd::select(x >= V(T(0)), x, x * e) / (V(T(1)) + e);
            return detail::fix_edges(r, x, x < V(detail::log_min_normal<T>),
                                     [](detail::wide_t<T> v) { return detail::silu_wide(v); });
        }
    };

    // xsimd's tanh: within 1 ULP of NumPy's validation set for float32 and float64.
    struct tanh_op
    {
        PYPERF_TENSOR_ACTIVATION(tanh, true)
        template <class V>
        V operator()(const V& x) const noexcept
        {
            return xsimd::tanh(x);
        }
    };

    // GELU, exact: x * Phi(x) = x (1 + erf(x / sqrt 2)) / 2.
    struct gelu_op
    {
        PYPERF_TENSOR_ACTIVATION(gelu, true)
        template <class V>
        V operator()(const V& x) const noexcept
        {
            if constexpr (std::is_same<typename V::value_type, float>::value)
                return detail::gelu_f32(x);
            else
                return detail::gelu_f64(x);
        }
    };

    // GELU, tanh approximation: x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2.
    struct gelu_tanh_op
    {
        PYPERF_TENSOR_ACTIVATION(gelu_tanh, true)
        template <class V>
        V operator()(const V& x) const noexcept
        {
            using T = typename V::value_type;
            V r;
            if constexpr (std::is_same<T, float>::value)
            {
                using D = xsimd::batch<double, typename V::arch_type>;
                D lo, hi;
                simd::widen(x, lo, hi);
                r = simd::narrow(detail::gelu_tanh_f64(lo), detail::gelu_tanh_f64(hi));
            }
            else
                r = detail::gelu_tanh_f64(x);
            return detail::fix_edges(r, x,
                                     (x < V(detail::log_min_normal<T> / T(4)))
                                         | (x == V(std::numeric_limits<T>::infinity())),
                                     [](detail::wide_t<T> v) { return detail::gelu_tanh_wide(v); });
        }
    };
#undef PYPERF_TENSOR_ACTIVATION

    // Pointwise activations of one operand, in the order of the Python module's table.
    using activation_ops = std::tuple<relu_op, sigmoid_op, tanh_op, silu_op, gelu_op, gelu_tanh_op>;
    enum class activation_op : std::size_t
    {
        relu,
        sigmoid,
        tanh,
        silu,
        gelu,
        gelu_tanh
    };

    // Softmax / log_softmax over one axis for `lanes` independent slices: slice j has n
    // elements, element i of it at in[j * in_lane + i * in_axis] (likewise out).
    template <class T>
    struct softmax_block
    {
        const T* in;
        T* out;
        index_t n, in_axis, out_axis;
        index_t lanes, in_lane, out_lane;
    };

    template <class T>
    using softmax_kernel = void (*)(const softmax_block<T>& b, bool log) noexcept;

    template <class Arch, class T>
    void softmax(const softmax_block<T>& b, bool log) noexcept;

    namespace detail
    {
        // k < B::size elements at p (stride s) as a batch, the other lanes `fill`.
        template <class B, class T>
        PYPERF_TENSOR_INLINE B load_part(const T* p, index_t s, index_t k, T fill) noexcept
        {
            alignas(B::arch_type::alignment()) T lanes[B::size];
            for (index_t i = 0; i < static_cast<index_t>(B::size); ++i)
                lanes[i] = i < k ? p[i * s] : fill;
            return B::load_aligned(lanes);
        }
        template <class B, class T>
        PYPERF_TENSOR_INLINE void store_part(T* p, index_t s, index_t k, const B& v) noexcept
        {
            alignas(B::arch_type::alignment()) T lanes[B::size];
            v.store_aligned(lanes);
            for (index_t i = 0; i < k; ++i)
                p[i * s] = lanes[i];
        }

        // The largest lane (NaN lanes may be skipped: the caller's sum catches NaN).
        template <class B>
        typename B::value_type lane_max(const B& v) noexcept
        {
            using T = typename B::value_type;
            alignas(B::arch_type::alignment()) T lanes[B::size];
            v.store_aligned(lanes);
            T m = lanes[0];
            for (std::size_t i = 1; i < B::size; ++i)
                m = lanes[i] > m ? lanes[i] : m;
            return m;
        }

        // Sums of float32 exponentials accumulate in double (a softmax row of 10^4
        // elements then sums as accurately as a short one); float64 in double.
        template <class Arch, class T>
        struct exp_sum
        {
            using D = xsimd::batch<double, Arch>;
            D lo = D(0.0), hi = D(0.0);
            PYPERF_TENSOR_INLINE void add(const xsimd::batch<T, Arch>& e) noexcept
            {
                if constexpr (std::is_same<T, float>::value)
                {
                    D a, b;
                    simd::widen(e, a, b);
                    lo += a;
                    hi += b;
                }
                else
                    lo += e;
            }
            PYPERF_TENSOR_INLINE void merge(const exp_sum& o) noexcept
            {
                lo += o.lo;
                hi += o.hi;
            }
            double total() const noexcept { return xsimd::hadd(lo) + xsimd::hadd(hi); }
        };

        // One slice contiguous or strided: max, then exp(x - max) summed (stored to out
        // for softmax), then out scaled by 1 / sum (softmax) or out = x - max - log(sum).
        // Rows of a few thousand elements stay in L1/L2 between the passes.
        template <class Arch, class T, bool Contiguous>
        PYPERF_TENSOR_FLATTEN void softmax_row(const T* in, index_t si, T* out, index_t so, index_t n,
                                               bool log) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            constexpr index_t W = static_cast<index_t>(B::size);
            constexpr index_t U = 4;
            const T ninf = -std::numeric_limits<T>::infinity();
            auto load = [&](index_t i, index_t k) -> B
            {
                if constexpr (Contiguous)
                    return k == W ? B::load_unaligned(in + i) : load_part<B>(in + i, 1, k, ninf);
                else
                    return load_part<B>(in + i * si, si, k, ninf);
            };
            auto store = [&](index_t i, index_t k, const B& v)
            {
                if constexpr (Contiguous)
                    k == W ? v.store_unaligned(out + i) : store_part(out + i, 1, k, v);
                else
                    store_part(out + i * so, so, k, v);
            };
            auto load_out = [&](index_t i, index_t k) -> B
            {
                if constexpr (Contiguous)
                    return k == W ? B::load_unaligned(out + i) : load_part<B>(out + i, 1, k, T(0));
                else
                    return load_part<B>(out + i * so, so, k, T(0));
            };
            const index_t body = n / (U * W) * (U * W);

            // Pass 1: the maximum (a NaN anywhere makes the sum NaN below, whatever max sees).
            B mx[U];
            simd::unrolled<U>([&](auto u) { mx[u] = B(ninf); });
            for (index_t i = 0; i < body; i += U * W)
                simd::unrolled<U>([&](auto u) { mx[u] = xsimd::max(mx[u], load(i + u * W, W)); });
            for (index_t i = body; i < n; i += W)
                mx[0] = xsimd::max(mx[0], load(i, std::min(W, n - i)));
            const B m(lane_max(xsimd::max(xsimd::max(mx[0], mx[1]), xsimd::max(mx[2], mx[3]))));

            // Pass 2: sum of exp(x - max); softmax keeps the exponentials in out.
            exp_sum<Arch, T> sum[U];
            auto step = [&](index_t i, index_t k, exp_sum<Arch, T>& s)
            {
                const B e = simd::exp(load(i, k) - m);
                s.add(k == W ? e : xsimd::select(simd::iota<B>() < B(T(k)), e, B(T(0))));
                if (!log)
                    store(i, k, e);
            };
            for (index_t i = 0; i < body; i += U * W)
                simd::unrolled<U>([&](auto u) { step(i + u * W, W, sum[u]); });
            for (index_t i = body; i < n; i += W)
                step(i, std::min(W, n - i), sum[0]);
            sum[0].merge(sum[1]);
            sum[2].merge(sum[3]);
            sum[0].merge(sum[2]);
            const double total = sum[0].total();

            // Pass 3.
            if (log)
            {
                const B ls(static_cast<T>(std::log(total)));
                for (index_t i = 0; i < n; i += W)
                {
                    const index_t k = std::min(W, n - i);
                    store(i, k, (load(i, k) - m) - ls);
                }
            }
            else
            {
                const B r(static_cast<T>(1.0 / total));
                for (index_t i = 0; i < n; i += W)
                {
                    const index_t k = std::min(W, n - i);
                    store(i, k, load_out(i, k) * r);
                }
            }
        }

        // Slices side by side (lanes contiguous in memory, the axis strided): vectorised
        // across the lanes, S registers (S * W lanes) per strip, the same three passes
        // walking down the axis. S shrinks for long axes so a strip of input and output
        // stays in L2 between passes.
        template <class Arch, class T, index_t S>
        PYPERF_TENSOR_FLATTEN void softmax_strip(const T* in, index_t si, T* out, index_t so, index_t n,
                                                 index_t lanes, bool log) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            using D = xsimd::batch<double, Arch>;
            constexpr index_t W = static_cast<index_t>(B::size);
            const T ninf = -std::numeric_limits<T>::infinity();
            // lanes <= S * W; registers past `lanes` use partial loads.
            auto width = [&](index_t u) { return std::max<index_t>(0, std::min(W, lanes - u * W)); };
            auto load = [&](const T* p, index_t u, T fill) -> B
            {
                const index_t k = width(u);
                return k == W ? B::load_unaligned(p + u * W) : load_part<B>(p + u * W, 1, k, fill);
            };
            auto store = [&](T* p, index_t u, const B& v)
            {
                const index_t k = width(u);
                k == W ? v.store_unaligned(p + u * W) : store_part(p + u * W, 1, k, v);
            };
            B m[S];
            simd::unrolled<S>([&](auto u) { m[u] = B(ninf); });
            for (index_t i = 0; i < n; ++i)
                simd::unrolled<S>([&](auto u) { m[u] = xsimd::max(m[u], load(in + i * si, u, ninf)); });
            exp_sum<Arch, T> sum[S];
            for (index_t i = 0; i < n; ++i)
                simd::unrolled<S>(
                    [&](auto u)
                    {
                        const B e = simd::exp(load(in + i * si, u, ninf) - m[u]);
                        sum[u].add(e);
                        if (!log)
                            store(out + i * so, u, e);
                    });
            B f[S];
            simd::unrolled<S>(
                [&](auto u)
                {
                    if constexpr (std::is_same<T, float>::value)
                    {
                        const D a = log ? xsimd::log(sum[u].lo) : D(1.0) / sum[u].lo;
                        const D b = log ? xsimd::log(sum[u].hi) : D(1.0) / sum[u].hi;
                        f[u] = simd::narrow(a, b);
                    }
                    else
                        f[u] = log ? xsimd::log(sum[u].lo) : B(1.0) / sum[u].lo;
                });
            for (index_t i = 0; i < n; ++i)
                simd::unrolled<S>(
                    [&](auto u)
                    {
                        if (log)
                            store(out + i * so, u, (load(in + i * si, u, T(0)) - m[u]) - f[u]);
                        else
                            store(out + i * so, u, load(out + i * so, u, T(0)) * f[u]);
                    });
        }
    } // namespace detail

    template <class Arch, class T>
    void softmax(const softmax_block<T>& b, bool log) noexcept
    {
        using B = xsimd::batch<T, Arch>;
        constexpr index_t W = static_cast<index_t>(B::size);
        if (b.n == 0)
            return;
        if (b.in_axis == 1 && b.out_axis == 1)
        {
            for (index_t j = 0; j < b.lanes; ++j)
                detail::softmax_row<Arch, T, true>(b.in + j * b.in_lane, 1, b.out + j * b.out_lane, 1, b.n, log);
        }
        else if (b.in_lane == 1 && b.out_lane == 1)
        {
            // Strips of 4 registers while a strip of input fits 256 KiB, else 1.
            const bool wide = b.n * 4 * W * static_cast<index_t>(sizeof(T)) <= (index_t{1} << 18);
            index_t j = 0;
            if (wide)
                for (; j + 4 * W <= b.lanes; j += 4 * W)
                    detail::softmax_strip<Arch, T, 4>(b.in + j, b.in_axis, b.out + j, b.out_axis, b.n, 4 * W, log);
            for (; j < b.lanes; j += W)
                detail::softmax_strip<Arch, T, 1>(b.in + j, b.in_axis, b.out + j, b.out_axis, b.n,
                                                  std::min(W, b.lanes - j), log);
        }
        else
            for (index_t j = 0; j < b.lanes; ++j)
                detail::softmax_row<Arch, T, false>(b.in + j * b.in_lane, b.in_axis, b.out + j * b.out_lane,
                                                    b.out_axis, b.n, log);
    }
} // namespace pyperf_tensor::kernels
