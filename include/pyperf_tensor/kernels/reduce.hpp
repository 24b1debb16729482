// Reduction kernels. A kernel reduces a 2-D block: n_out outputs, each over n_red
// elements; element (o, r) of the block is in[o * os + r * rs] (strides in elements). It
// writes one partial result per output; the engine (ops/reduce.hpp) combines the partials
// of several blocks in a fixed order, so results never depend on the thread count.
// Per block the kernel picks: contiguous runs (rs == 1: several SIMD accumulators, summed
// pairwise), outputs side by side (os == 1: SIMD across outputs, rows summed pairwise), or
// a scalar loop for other strides. Sums of float32 accumulate in float64, of int32 in
// int64. Kernels never allocate and never throw.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../core/shape.hpp"
#include "../simd/arch.hpp"
#include "../simd/loop.hpp"
#include "../simd/widen.hpp"

namespace pyperf_tensor::kernels
{
    // The accumulator of sums and products: float64 for floats, int64 for integers.
    template <class T>
    using wide_t = std::conditional_t<std::is_floating_point<T>::value, double, std::int64_t>;

    namespace detail
    {
        template <class V>
        inline auto is_nan(const V& v) noexcept
        {
            if constexpr (std::is_arithmetic<V>::value)
                return v != v;
            else
                return xsimd::isnan(v);
        }
    } // namespace detail

    // Reduction ops: acc<T> is the partial result's type, identity<A>() the neutral
    // element, combine(a, b) merges partials (scalars or batches). `centered` ops reduce
    // (x - c)^2 for a per-output centre c (the second pass of var/std).
    struct sum_op
    {
        template <class T>
        using acc = wide_t<T>;
        static constexpr bool centered = false, arg = false;
        template <class A>
        static constexpr A identity() noexcept
        {
            return A(0);
        }
        template <class V>
        static V combine(const V& a, const V& b) noexcept
        {
            return a + b;
        }
    };
    struct mean_op : sum_op // sums in float64 whatever the input (integer means too)
    {
        template <class T>
        using acc = double;
    };
    struct sqdev_op : mean_op
    {
        static constexpr bool centered = true;
    };
    struct prod_op : sum_op
    {
        template <class A>
        static constexpr A identity() noexcept
        {
            return A(1);
        }
        template <class V>
        static V combine(const V& a, const V& b) noexcept
        {
            return a * b;
        }
    };
    // max and min keep a NaN once they meet one (NumPy's semantics).
    template <bool Max>
    struct extremum_op
    {
        template <class T>
        using acc = T;
        static constexpr bool centered = false, arg = false;
        template <class A>
        static constexpr A identity() noexcept
        {
            if constexpr (std::is_floating_point<A>::value)
                return Max ? -std::numeric_limits<A>::infinity() : std::numeric_limits<A>::infinity();
            else
                return Max ? std::numeric_limits<A>::lowest() : std::numeric_limits<A>::max();
        }
        template <class V>
        static V combine(const V& a, const V& b) noexcept
        {
            if constexpr (std::is_arithmetic<V>::value)
                return (Max ? a > b : a < b) || a != a ? a : b;
            else if constexpr (std::is_floating_point<typename V::value_type>::value)
                return xsimd::select((Max ? a > b : a < b) | xsimd::isnan(a), a, b);
            else
                return Max ? xsimd::max(a, b) : xsimd::min(a, b);
        }
    };
    using max_op = extremum_op<true>;
    using min_op = extremum_op<false>;

    // argmax / argmin: the index of the first maximum (first NaN if any), as NumPy.
    template <bool Max>
    struct arg_op
    {
        template <class T>
        using acc = T;
        static constexpr bool centered = false, arg = true;
        // Whether x (at a later index) replaces best.
        template <class V>
        static auto takes(const V& x, const V& best) noexcept
        {
            if constexpr (std::is_integral<V>::value)
                return Max ? x > best : x < best;
            else if constexpr (std::is_floating_point<V>::value)
                return (Max ? x > best : x < best) || (x != x && best == best);
            else if constexpr (std::is_integral<typename V::value_type>::value)
                return Max ? x > best : x < best;
            else
                return (Max ? x > best : x < best) | (xsimd::isnan(x) & (best == best));
        }
        // Whether (av, ai) wins over (bv, bi) in any order: NaN first, then the larger
        // (smaller) value, then the smaller index.
        template <class T>
        static bool prefer(T av, index_t ai, T bv, index_t bi) noexcept
        {
            const bool an = av != av, bn = bv != bv;
            if (an || bn)
                return an && (!bn || ai < bi);
            if (av != bv)
                return Max ? av > bv : av < bv;
            return ai < bi;
        }
    };
    using argmax_op = arg_op<true>;
    using argmin_op = arg_op<false>;

    template <class T>
    struct reduce_block
    {
        const T* in;
        index_t n_out, n_red, os, rs;
        const double* center; // centered ops: one per output (stride 1 across outputs)
    };

    // out: n_out partials of Op::acc<T>; index (arg ops): the position along r of each.
    template <class T>
    using reduce_kernel = void (*)(const reduce_block<T>& b, void* out, index_t* index) noexcept;

    template <class Arch, class Op, class T>
    void reduce(const reduce_block<T>& b, void* out, index_t* index) noexcept;

    namespace detail
    {
        // Pairwise combination of a stream of partials (a binary counter: partial i merges
        // with its neighbours as in a balanced tree), so a sum of n values carries an
        // error growing with log n, not n.
        template <class V, class Op, class Arch>
        struct pairwise // Arch: distinct per ISA, so no inline code is shared between ISA objects
        {
            V level[64];
            std::uint64_t count = 0;
            void push(V v) noexcept
            {
                int l = 0;
                for (std::uint64_t c = count; c & 1u; c >>= 1, ++l)
                    v = Op::combine(level[l], v);
                level[l] = v;
                ++count;
            }
            V total(const V& identity) const noexcept
            {
                V t = identity;
                bool first = true;
                for (int l = 0; l < 64; ++l)
                    if (count >> l & 1u)
                    {
                        t = first ? level[l] : Op::combine(level[l], t);
                        first = false;
                    }
                return t;
            }
        };

        template <class Op, class B>
        inline typename B::value_type lanes_combined(const B& v) noexcept
        {
            alignas(B::arch_type::alignment()) typename B::value_type l[B::size];
            v.store_aligned(l);
            for (std::size_t w = B::size / 2; w >= 1; w /= 2)
                for (std::size_t i = 0; i < w; ++i)
                    l[i] = Op::combine(l[i], l[i + w]);
            return l[0];
        }

        // Op over n elements p[0], p[s], ... (any stride), scalar, pairwise in leaves of 16.
        template <class Arch, class Op, class A, class T>
        inline A run_scalar(const T* p, index_t n, index_t s, double c) noexcept
        {
            auto value = [&](T x) -> A
            {
                if constexpr (Op::centered)
                {
                    const double d = static_cast<double>(x) - c;
                    return d * d;
                }
                else
                    return static_cast<A>(x);
            };
            pairwise<A, Op, Arch> pw;
            for (index_t i = 0; i < n; i += 16)
            {
                A acc = Op::template identity<A>();
                const index_t end = i + 16 < n ? i + 16 : n;
                for (index_t j = i; j < end; ++j)
                    acc = Op::combine(acc, value(p[j * s]));
                pw.push(acc);
            }
            return pw.total(Op::template identity<A>());
        }

        // Op over n contiguous elements: 4 SIMD accumulators over leaves of 16 batches,
        // leaves combined pairwise, then the lanes, then the scalar tail.
        template <class Arch, class Op, class A, class T>
        inline A run_contiguous(const T* p, index_t n, double c) noexcept
        {
            using AB = xsimd::batch<A, Arch>;
            constexpr index_t W = AB::size, U = 4, leaf = U * W * 4;
            auto value = [&](const AB& x) -> AB
            {
                if constexpr (Op::centered)
                {
                    const AB d = x - AB(c);
                    return d * d;
                }
                else
                    return x;
            };
            pairwise<AB, Op, Arch> pw;
            index_t i = 0;
            for (; i + leaf <= n; i += leaf)
            {
                AB acc[U];
                for (index_t u = 0; u < U; ++u)
                    acc[u] = value(simd::load_widened<AB>(p + i + u * W));
                for (index_t j = U * W; j < leaf; j += U * W)
                    for (index_t u = 0; u < U; ++u)
                        acc[u] = Op::combine(acc[u], value(simd::load_widened<AB>(p + i + j + u * W)));
                pw.push(Op::combine(Op::combine(acc[0], acc[1]), Op::combine(acc[2], acc[3])));
            }
            AB rest(Op::template identity<A>());
            for (; i + W <= n; i += W)
                rest = Op::combine(rest, value(simd::load_widened<AB>(p + i)));
            pw.push(rest);
            const A body = lanes_combined<Op>(pw.total(AB(Op::template identity<A>())));
            return Op::combine(body, run_scalar<Arch, Op, A>(p + i, n - i, 1, c));
        }

        // Outputs side by side (os == 1): SIMD across S batches of outputs, rows combined
        // pairwise in leaves of 8.
        template <class Arch, class Op, class A, class T>
        inline void outputs_side_by_side(const reduce_block<T>& b, A* out) noexcept
        {
            using AB = xsimd::batch<A, Arch>;
            constexpr index_t W = AB::size, S = 4;
            struct strip
            {
                AB v[S];
            };
            struct strip_op
            {
                static strip combine(const strip& x, const strip& y) noexcept
                {
                    strip r;
                    for (index_t s = 0; s < S; ++s)
                        r.v[s] = Op::combine(x.v[s], y.v[s]);
                    return r;
                }
            };
            index_t o0 = 0;
            for (; o0 + S * W <= b.n_out; o0 += S * W)
            {
                strip centre{};
                if constexpr (Op::centered)
                    for (index_t s = 0; s < S; ++s)
                        centre.v[s] = AB::load_unaligned(b.center + o0 + s * W);
                auto row = [&](index_t r)
                {
                    strip x;
                    for (index_t s = 0; s < S; ++s)
                    {
                        x.v[s] = simd::load_widened<AB>(b.in + r * b.rs + o0 + s * W);
                        if constexpr (Op::centered)
                        {
                            x.v[s] = x.v[s] - centre.v[s];
                            x.v[s] = x.v[s] * x.v[s];
                        }
                    }
                    return x;
                };
                pairwise<strip, strip_op, Arch> pw;
                for (index_t r = 0; r < b.n_red; r += 8)
                {
                    strip acc = row(r);
                    const index_t end = r + 8 < b.n_red ? r + 8 : b.n_red;
                    for (index_t rr = r + 1; rr < end; ++rr)
                        acc = strip_op::combine(acc, row(rr));
                    pw.push(acc);
                }
                strip none;
                for (index_t s = 0; s < S; ++s)
                    none.v[s] = AB(Op::template identity<A>());
                const strip t = pw.total(none);
                for (index_t s = 0; s < S; ++s)
                    t.v[s].store_unaligned(out + o0 + s * W);
            }
            for (; o0 < b.n_out; ++o0)
                out[o0] = run_scalar<Arch, Op, A>(b.in + o0, b.n_red, b.rs, Op::centered ? b.center[o0] : 0.0);
        }

        // argmax / argmin of n contiguous elements: per lane the best value and its index
        // (kept as a T: exact, as the engine's blocks are at most 2^14 long), then lanes.
        template <class Arch, class Op, class T>
        inline void arg_contiguous(const T* p, index_t n, T& best_value, index_t& best_index) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            constexpr index_t W = B::size;
            index_t i = 0;
            T bv = p[0];
            index_t bi = 0;
            if (n >= W)
            {
                B best = B::load_unaligned(p), at = simd::iota<B>(), idx = at + B(T(W));
                for (i = W; i + W <= n; i += W)
                {
                    const B x = B::load_unaligned(p + i);
                    const auto take = Op::takes(x, best);
                    best = xsimd::select(take, x, best);
                    at = xsimd::select(take, idx, at);
                    idx = idx + B(T(W));
                }
                alignas(Arch::alignment()) T v[W], k[W];
                best.store_aligned(v);
                at.store_aligned(k);
                bv = v[0];
                bi = static_cast<index_t>(k[0]);
                for (index_t l = 1; l < W; ++l)
                    if (Op::prefer(v[l], static_cast<index_t>(k[l]), bv, bi))
                    {
                        bv = v[l];
                        bi = static_cast<index_t>(k[l]);
                    }
            }
            for (; i < n; ++i)
                if (Op::prefer(p[i], i, bv, bi))
                {
                    bv = p[i];
                    bi = i;
                }
            best_value = bv;
            best_index = bi;
        }

        template <class Arch, class Op, class T>
        inline void arg_scalar(const T* p, index_t n, index_t s, T& best_value, index_t& best_index) noexcept
        {
            T bv = p[0];
            index_t bi = 0;
            for (index_t i = 1; i < n; ++i)
                if (Op::takes(p[i * s], bv))
                {
                    bv = p[i * s];
                    bi = i;
                }
            best_value = bv;
            best_index = bi;
        }

        // argmax / argmin with outputs side by side (os == 1).
        template <class Arch, class Op, class T>
        inline void arg_side_by_side(const reduce_block<T>& b, T* out, index_t* index) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            constexpr index_t W = B::size;
            index_t o0 = 0;
            for (; o0 + W <= b.n_out; o0 += W)
            {
                B best = B::load_unaligned(b.in + o0), at(T(0));
                for (index_t r = 1; r < b.n_red; ++r)
                {
                    const B x = B::load_unaligned(b.in + r * b.rs + o0);
                    const auto take = Op::takes(x, best);
                    best = xsimd::select(take, x, best);
                    at = xsimd::select(take, B(static_cast<T>(r)), at);
                }
                alignas(Arch::alignment()) T k[W];
                best.store_unaligned(out + o0);
                at.store_aligned(k);
                for (index_t l = 0; l < W; ++l)
                    index[o0 + l] = static_cast<index_t>(k[l]);
            }
            for (; o0 < b.n_out; ++o0)
                arg_scalar<Arch, Op>(b.in + o0, b.n_red, b.rs, out[o0], index[o0]);
        }
    } // namespace detail

    template <class Arch, class Op, class T>
    void reduce(const reduce_block<T>& b, void* out_, index_t* index) noexcept
    {
        using A = typename Op::template acc<T>;
        A* out = static_cast<A*>(out_);
        if constexpr (Op::arg)
        {
            if (b.rs == 1)
                for (index_t o = 0; o < b.n_out; ++o)
                    detail::arg_contiguous<Arch, Op>(b.in + o * b.os, b.n_red, out[o], index[o]);
            else if (b.os == 1)
                detail::arg_side_by_side<Arch, Op>(b, out, index);
            else
                for (index_t o = 0; o < b.n_out; ++o)
                    detail::arg_scalar<Arch, Op>(b.in + o * b.os, b.n_red, b.rs, out[o], index[o]);
        }
        else
        {
            (void)index;
            auto centre = [&](index_t o) { return Op::centered ? b.center[o] : 0.0; };
            if (b.rs == 1)
                for (index_t o = 0; o < b.n_out; ++o)
                    out[o] = detail::run_contiguous<Arch, Op, A>(b.in + o * b.os, b.n_red, centre(o));
            else if (b.os == 1 && b.n_out > 1)
                detail::outputs_side_by_side<Arch, Op, A>(b, out);
            else
                for (index_t o = 0; o < b.n_out; ++o)
                    out[o] = detail::run_scalar<Arch, Op, A>(b.in + o * b.os, b.n_red, b.rs, centre(o));
        }
    }

    // The kernels of one dtype, one per reduction.
    template <class T>
    struct reduce_kernels
    {
        reduce_kernel<T> sum, mean, prod, max, min, sqdev, argmax, argmin;
    };
    template <class Arch, class T>
    constexpr reduce_kernels<T> make_reduce_kernels() noexcept
    {
        return {&reduce<Arch, sum_op, T>,    &reduce<Arch, mean_op, T>,  &reduce<Arch, prod_op, T>,
                &reduce<Arch, max_op, T>,    &reduce<Arch, min_op, T>,   &reduce<Arch, sqdev_op, T>,
                &reduce<Arch, argmax_op, T>, &reduce<Arch, argmin_op, T>};
    }
} // namespace pyperf_tensor::kernels
