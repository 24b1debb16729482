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
#include "../simd/math.hpp"
#include "../simd/widen.hpp"

namespace pyperf_tensor::kernels
{
    // The accumulator of sums and products: float64 for floats, int64 for integers.
    template <class T>
    using wide_t = std::conditional_t<std::is_floating_point<T>::value, double, std::int64_t>;

    // Reduction ops: acc<T> is the partial result's type, identity<A>() the neutral
    // element, combine(a, b) merges partials (scalars or batches). `centered` ops reduce
    // (x - c)^2 for a per-output centre c (the second pass of var/std).
    struct sum_op
    {
        template <class T>
        using acc = wide_t<T>;
        static constexpr bool centered = false, arg = false, extremum = false;
        template <class A>
        static constexpr A identity() noexcept
        {
            return A(0);
        }
        template <class V>
        static V combine(const V& a, const V& b) noexcept
        {
            if constexpr (std::is_integral<V>::value) // integers wrap, as NumPy (no signed-overflow UB)
                return static_cast<V>(static_cast<std::make_unsigned_t<V>>(a)
                                      + static_cast<std::make_unsigned_t<V>>(b));
            else
                return a + b;
        }
        // The hot loop's step; where tracks_nan<A>, NaNs are detected apart (step may drop them).
        template <class A>
        static constexpr bool tracks_nan = false;
        // Sums may add float32 partials before widening (products may not: they would
        // overflow where NumPy's sequential product does not, and 0 * inf is NaN).
        static constexpr bool additive = true;
        template <class V>
        static V step(const V& a, const V& b) noexcept
        {
            return combine(a, b);
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
        static constexpr bool additive = false;
        template <class A>
        static constexpr A identity() noexcept
        {
            return A(1);
        }
        template <class V>
        static V combine(const V& a, const V& b) noexcept
        {
            if constexpr (std::is_integral<V>::value)
                return static_cast<V>(static_cast<std::make_unsigned_t<V>>(a)
                                      * static_cast<std::make_unsigned_t<V>>(b));
            else
                return a * b;
        }
        template <class V>
        static V step(const V& a, const V& b) noexcept
        {
            return combine(a, b);
        }
    };
    // max and min keep a NaN once they meet one (NumPy's semantics).
    template <bool Max>
    struct extremum_op
    {
        template <class T>
        using acc = T;
        static constexpr bool centered = false, arg = false, additive = false, extremum = true, is_max = Max;
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
        // The hot loop: a plain max / min (one instruction), NaNs detected apart.
        template <class A>
        static constexpr bool tracks_nan = std::is_floating_point<A>::value;
        template <class V>
        static V step(const V& a, const V& b) noexcept
        {
            if constexpr (std::is_arithmetic<V>::value)
                return combine(a, b);
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
        static constexpr bool centered = false, arg = true, additive = false, is_max = Max;
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
                for (int l = 0; l < 64 && count >> l; ++l)
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

        // Op over n contiguous elements: 8 SIMD accumulators (enough to hide the add
        // latency), emptied every 16 batches into a pairwise combination; then the lanes,
        // then the scalar tail.
        template <class Arch, class Op, class A, class T>
        inline A run_wide(const T* p, index_t n, double c) noexcept
        {
            using AB = xsimd::batch<A, Arch>;
            constexpr index_t W = AB::size, U = 8, leaf = 2 * U * W;
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
            const AB none(Op::template identity<A>());
            pairwise<AB, Op, Arch> pw;
            AB acc[U];
            auto add = [&](auto u, const T* q) { acc[u] = Op::combine(acc[u], value(simd::load_widened<AB>(q))); };
            auto push = [&]
            {
                simd::unrolled<U / 2>([&](auto u) { acc[u] = Op::combine(acc[u], acc[u + U / 2]); });
                simd::unrolled<U / 4>([&](auto u) { acc[u] = Op::combine(acc[u], acc[u + U / 4]); });
                pw.push(Op::combine(acc[0], acc[1]));
            };
            simd::unrolled<U>([&](auto u) { acc[u] = none; });
            index_t i = 0;
            for (; i + U * W <= n; i += U * W)
            {
                simd::unrolled<U>([&](auto u) { add(u, p + i + u * W); });
                if ((i + U * W) % leaf == 0)
                {
                    push();
                    simd::unrolled<U>([&](auto u) { acc[u] = none; });
                }
            }
            const index_t rest = (n - i) / W; // fewer than U batches left
            simd::unrolled<U>(
                [&](auto u)
                {
                    if (static_cast<index_t>(u) < rest)
                        add(u, p + i + u * W);
                });
            i += rest * W;
            push();
            const A body = lanes_combined<Op>(pw.total(none));
            A tail = Op::template identity<A>(); // fewer than W elements
            for (; i < n; ++i)
            {
                if constexpr (Op::centered)
                {
                    const double d = static_cast<double>(p[i]) - c;
                    tail = Op::combine(tail, static_cast<A>(d * d));
                }
                else
                    tail = Op::combine(tail, static_cast<A>(p[i]));
            }
            return Op::combine(body, tail);
        }

        // max / min of n >= W contiguous elements: a plain max/min per batch, each group
        // of U batches combined as a tree into the running batch. Max and min are
        // idempotent, so the first batch may overlap the next (the others then load from
        // aligned addresses) and so may the last. NaNs are found apart by one
        // ordered-compare per pair of batches (a NaN-propagating max costs two
        // instructions per batch; this, one and a half). If `groups` is given, it
        // receives each group's batch: W values per group of U W elements, the groups
        // starting at simd::unaligned_head(p, n) (argmax searches those first).
        template <class Arch, class Op, class T>
        inline T run_extremum(const T* p, index_t n, T* groups = nullptr) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            constexpr index_t W = B::size, U = 4;
            constexpr bool floating = std::is_floating_point<T>::value;
            // Two running masks: AVX-512's ordered-compare writes the mask it is masked by,
            // a chain of its latency; with one mask, two links per group made max and min
            // of 1000x1000 float32 compute-bound on the Zen 5 EPYC (C++, 1 thread: 51.5 us
            // against sum's 42.5, np.max 38).
            typename B::batch_bool_type ordered(true), ordered2(true);
            auto check = [&](const B& a, const B& b, auto& mask)
            {
                if constexpr (floating)
                    mask = simd::still_ordered(mask, a, b);
            };
            B acc = B::load_unaligned(p);
            check(acc, acc, ordered);
            const index_t h = simd::unaligned_head<Arch>(p, n);
            index_t i = h;
            for (; i + U * W <= n; i += U * W)
            {
                B x[U];
                simd::unrolled<U>([&](auto u) { x[u] = B::load_unaligned(p + i + u * W); });
                check(x[0], x[1], ordered);
                check(x[2], x[3], ordered2);
                const B g = Op::step(Op::step(x[0], x[1]), Op::step(x[2], x[3]));
                if (groups)
                    g.store_aligned(groups + (i - h) / U);
                acc = Op::step(acc, g);
            }
            for (; i + W <= n; i += W) // fewer than U batches left
            {
                const B x = B::load_unaligned(p + i);
                acc = Op::step(acc, x);
                check(x, x, ordered);
            }
            if (i < n)
            {
                const B x = B::load_unaligned(p + n - W);
                acc = Op::step(acc, x);
                check(x, x, ordered);
            }
            if constexpr (floating)
                if (!xsimd::all(ordered & ordered2))
                    return std::numeric_limits<T>::quiet_NaN();
            alignas(Arch::alignment()) T l[W]; // no NaN left: a branch-free fold of the lanes
            acc.store_aligned(l);
            for (index_t w = W / 2; w >= 1; w /= 2)
                for (index_t k = 0; k < w; ++k)
                    l[k] = (Op::is_max ? l[k + w] > l[k] : l[k + w] < l[k]) ? l[k + w] : l[k];
            return l[0];
        }

        // Op over n contiguous elements, loads aligned after a scalar head (max and min:
        // after an overlapping batch). Float sums (sum, mean, the squared deviations of
        // var) add 8 batches in float32 (a 3-level tree) and accumulate those in float64:
        // 3 float32 roundings per element instead of NumPy's up to 19 + log2(n / 128), at
        // the speed of float32 loads (a float64 conversion per element was the
        // bottleneck). Two groups per conversion saved nothing measurable and cost a
        // rounding. The elements before the first aligned address and after the last full
        // batch come in as two partial batches, so every other load is aligned; a group's
        // loads are issued in address order (simd::keep_order).
        template <class Arch, class Op, class A, class T>
        inline A run_contiguous(const T* p, index_t n, double c) noexcept
        {
            if constexpr (Op::extremum)
                return n >= static_cast<index_t>(xsimd::batch<T, Arch>::size) ? run_extremum<Arch, Op>(p, n)
                                                                              : run_scalar<Arch, Op, A>(p, n, 1, c);
            if constexpr (std::is_same<T, float>::value && std::is_same<A, double>::value && Op::additive)
            {
                using TB = xsimd::batch<float, Arch>;
                using AB = xsimd::batch<double, Arch>;
                constexpr index_t W = TB::size, U = 8;
                if (n < W)
                    return run_scalar<Arch, Op, A>(p, n, 1, c);
                const TB centre(static_cast<float>(c));
                auto load = [&](const float* q)
                {
                    TB x = TB::load_unaligned(q);
                    if constexpr (Op::centered)
                    {
                        x = x - centre;
                        x = x * x;
                    }
                    return x;
                };
                AB lo(Op::template identity<A>()), hi = lo;
                auto add = [&](const TB& t)
                {
                    AB l, r;
                    simd::widen(t, l, r);
                    lo = Op::combine(lo, l);
                    hi = Op::combine(hi, r);
                };
                auto group = [&](const float* q) // U batches, loaded in address order, as a tree
                {
                    static_assert(U == 8, "a group is 8 batches");
                    auto next = [&](index_t k) // declarators below run in order
                    {
                        const TB x = load(q + k * W);
                        simd::keep_order();
                        return x;
                    };
                    const TB a = next(0), b = next(1), c = next(2), d = next(3), e = next(4), f = next(5), g = next(6),
                             h = next(7);
                    return Op::combine(Op::combine(Op::combine(a, e), Op::combine(c, g)),
                                       Op::combine(Op::combine(b, f), Op::combine(d, h)));
                };
                // The head and the tail: the lanes of two batches inside the run, others 0.
                const TB lane = simd::iota<TB>();
                const index_t h = simd::unaligned_head<Arch>(p, n);
                const index_t k = (n - h) % W;
                TB edges = xsimd::select(lane < TB(static_cast<float>(h)), load(p), TB(0.0f));
                edges = edges + xsimd::select(lane >= TB(static_cast<float>(W - k)), load(p + n - W), TB(0.0f));
                const index_t end = n - k;
                index_t i = h;
                for (; i + U * W <= end; i += U * W)
                    add(group(p + i));
                if (i < end) // fewer than U batches left
                {
                    TB t = load(p + i);
                    for (i += W; i < end; i += W)
                        t = Op::combine(t, load(p + i));
                    edges = edges + t;
                }
                add(edges);
                return lanes_combined<Op>(Op::combine(lo, hi));
            }
            else
            {
                // Aligned loads pay off on long runs; short ones (rows) skip the scalar head.
                const index_t h = n >= 4096 ? simd::unaligned_head<Arch>(p, n) : 0;
                return Op::combine(run_scalar<Arch, Op, A>(p, h, 1, c), run_wide<Arch, Op, A>(p + h, n - h, c));
            }
        }

        // Outputs side by side (os == 1): blocks of 32 rows are walked row by row across
        // all outputs (so memory streams along the rows), each strip of S batches of
        // outputs combining its 32 rows in registers into the running partials in `out`.
        template <class Arch, class Op, class A, class T>
        inline void outputs_side_by_side(const reduce_block<T>& b, A* out) noexcept
        {
            using AB = xsimd::batch<A, Arch>;
            constexpr index_t W = AB::size, S = 4, rows = 32;
            const index_t full = b.n_out / (S * W) * (S * W);
            auto value = [&](const AB& x, index_t o) -> AB
            {
                if constexpr (Op::centered)
                {
                    const AB d = x - AB::load_unaligned(b.center + o);
                    return d * d;
                }
                else
                    return x;
            };
            if constexpr (std::is_same<T, float>::value && std::is_same<A, double>::value && Op::additive
                          && !Op::centered)
            {
                // Float sums: each block of 32 rows is combined in float32 (like NumPy, which
                // adds rows in float32 throughout), then added to the float64 partials.
                using TB = xsimd::batch<float, Arch>;
                constexpr index_t WT = TB::size;
                const index_t full_t = b.n_out / (S * WT) * (S * WT);
                for (index_t r0 = 0; r0 < b.n_red; r0 += rows)
                {
                    const index_t r1 = r0 + rows < b.n_red ? r0 + rows : b.n_red;
                    for (index_t o0 = 0; o0 < full_t; o0 += S * WT)
                    {
                        TB acc[S];
                        simd::unrolled<S>(
                            [&](auto s)
                            { acc[s] = TB::load_unaligned(b.in + r0 * b.rs + o0 + static_cast<index_t>(s) * WT); });
                        for (index_t r = r0 + 1; r < r1; ++r)
                            simd::unrolled<S>(
                                [&](auto s)
                                {
                                    acc[s] = Op::combine(acc[s], TB::load_unaligned(b.in + r * b.rs + o0
                                                                                    + static_cast<index_t>(s) * WT));
                                });
                        simd::unrolled<S>(
                            [&](auto s)
                            {
                                A* o = out + o0 + static_cast<index_t>(s) * WT;
                                AB lo, hi;
                                simd::widen(acc[s], lo, hi);
                                if (r0 > 0)
                                {
                                    lo = Op::combine(AB::load_unaligned(o), lo);
                                    hi = Op::combine(AB::load_unaligned(o + W), hi);
                                }
                                lo.store_unaligned(o);
                                hi.store_unaligned(o + W);
                            });
                    }
                    index_t o0 = full_t;
                    for (; o0 + WT <= b.n_out; o0 += WT)
                    {
                        TB acc = TB::load_unaligned(b.in + r0 * b.rs + o0);
                        for (index_t r = r0 + 1; r < r1; ++r)
                            acc = Op::combine(acc, TB::load_unaligned(b.in + r * b.rs + o0));
                        AB lo, hi;
                        simd::widen(acc, lo, hi);
                        if (r0 > 0)
                        {
                            lo = Op::combine(AB::load_unaligned(out + o0), lo);
                            hi = Op::combine(AB::load_unaligned(out + o0 + W), hi);
                        }
                        lo.store_unaligned(out + o0);
                        hi.store_unaligned(out + o0 + W);
                    }
                    if (o0 < b.n_out && b.n_out >= WT)
                    {
                        // The last k < WT outputs: a batch ending at n_out (its first lanes
                        // repeat outputs done above and are dropped), not k strided scalars.
                        const index_t e = b.n_out - WT;
                        TB acc = TB::load_unaligned(b.in + r0 * b.rs + e);
                        for (index_t r = r0 + 1; r < r1; ++r)
                            acc = Op::combine(acc, TB::load_unaligned(b.in + r * b.rs + e));
                        alignas(Arch::alignment()) A lanes[WT];
                        AB lo, hi;
                        simd::widen(acc, lo, hi);
                        lo.store_aligned(lanes);
                        hi.store_aligned(lanes + W);
                        for (; o0 < b.n_out; ++o0)
                            out[o0] = r0 == 0 ? lanes[o0 - e] : Op::combine(out[o0], lanes[o0 - e]);
                    }
                    for (; o0 < b.n_out; ++o0) // fewer than WT outputs in all
                    {
                        A part = static_cast<A>(b.in[r0 * b.rs + o0]);
                        for (index_t r = r0 + 1; r < r1; ++r)
                            part = Op::combine(part, static_cast<A>(b.in[r * b.rs + o0]));
                        out[o0] = r0 == 0 ? part : Op::combine(out[o0], part);
                    }
                }
                return;
            }
            for (index_t r0 = 0; r0 < b.n_red; r0 += rows)
            {
                const index_t r1 = r0 + rows < b.n_red ? r0 + rows : b.n_red;
                for (index_t o0 = 0; o0 < full; o0 += S * W)
                {
                    // max/min: a plain max/min per row, NaN lanes found by one ordered-compare
                    // per pair of rows and restored at the end of the 32 rows (the running
                    // partials keep NaN sticky).
                    constexpr bool nan_apart = Op::template tracks_nan<A>;
                    AB acc[S];
                    typename AB::batch_bool_type ordered[S];
                    simd::unrolled<S>(
                        [&](auto s)
                        {
                            const index_t o = o0 + static_cast<index_t>(s) * W;
                            acc[s] = r0 == 0 ? AB(Op::template identity<A>()) : AB::load_unaligned(out + o);
                            if constexpr (nan_apart)
                                ordered[s] = simd::still_ordered(typename AB::batch_bool_type(true), acc[s], acc[s]);
                        });
                    auto at = [&](index_t r, index_t s)
                    {
                        const index_t o = o0 + s * W;
                        return value(simd::load_widened<AB>(b.in + r * b.rs + o), o);
                    };
                    index_t r = r0;
                    if constexpr (nan_apart) // rows in pairs: one ordered-compare per two
                        for (; r + 2 <= r1; r += 2)
                            simd::unrolled<S>(
                                [&](auto s)
                                {
                                    const AB x = at(r, s), y = at(r + 1, s);
                                    acc[s] = Op::step(acc[s], Op::step(x, y));
                                    ordered[s] = simd::still_ordered(ordered[s], x, y);
                                });
                    for (; r < r1; ++r)
                        simd::unrolled<S>(
                            [&](auto s)
                            {
                                const AB x = at(r, s);
                                acc[s] = Op::step(acc[s], x);
                                if constexpr (nan_apart)
                                    ordered[s] = simd::still_ordered(ordered[s], x, x);
                            });
                    simd::unrolled<S>(
                        [&](auto s)
                        {
                            if constexpr (nan_apart)
                                acc[s] = xsimd::select(ordered[s], acc[s], AB(std::numeric_limits<A>::quiet_NaN()));
                            acc[s].store_unaligned(out + o0 + static_cast<index_t>(s) * W);
                        });
                }
                index_t o0 = full;
                for (; o0 + W <= b.n_out; o0 += W)
                {
                    AB acc = r0 == 0 ? AB(Op::template identity<A>()) : AB::load_unaligned(out + o0);
                    for (index_t r = r0; r < r1; ++r)
                        acc = Op::combine(acc, value(simd::load_widened<AB>(b.in + r * b.rs + o0), o0));
                    acc.store_unaligned(out + o0);
                }
                for (; o0 < b.n_out; ++o0)
                {
                    A part = r0 == 0 ? Op::template identity<A>() : out[o0];
                    for (index_t r = r0; r < r1; ++r)
                    {
                        const A x = static_cast<A>(b.in[r * b.rs + o0]);
                        if constexpr (Op::centered)
                            part = Op::combine(part, (x - b.center[o0]) * (x - b.center[o0]));
                        else
                            part = Op::combine(part, x);
                    }
                    out[o0] = part;
                }
            }
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

        // argmax / argmin of n contiguous elements, in pieces of at most 4096 (which stay
        // in L1 between the passes), each in two passes: the extremum (NaN if the piece
        // holds one; run_extremum keeps each group's batch), then its first occurrence:
        // the first group holding it, then the first element in that group. Cheaper than
        // carrying (value, index) pairs through selects. A NaN makes it the first NaN.
        template <class Arch, class Op, class T>
        inline void arg_contiguous(const T* p, index_t n, T& best_value, index_t& best_index) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            constexpr index_t W = B::size, U = 4, piece = 4096;
            if (n < W)
            {
                arg_scalar<Arch, Op>(p, n, 1, best_value, best_index);
                return;
            }
            alignas(Arch::alignment()) T groups[piece / U];
            for (index_t s = 0; s < n;)
            {
                const index_t len = n - s < piece + W ? n - s : piece; // no piece shorter than W
                const T* q = p + s;
                const T m = run_extremum<Arch, extremum_op<Op::is_max>>(q, len, groups);
                index_t i = 0;
                if (m != m)
                    while (q[i] == q[i])
                        ++i;
                else
                {
                    if (!xsimd::any(B::load_unaligned(q) == B(m))) // else it is in the first batch
                    {
                        const index_t h = simd::unaligned_head<Arch>(q, len), full = (len - h) / (U * W);
                        auto holds = [&](index_t g) { return B::load_aligned(groups + g * W) == B(m); };
                        while (i + 4 <= full && !xsimd::any((holds(i) | holds(i + 1)) | (holds(i + 2) | holds(i + 3))))
                            i += 4;
                        while (i < full && !xsimd::any(holds(i)))
                            ++i;
                        for (i = h + i * U * W; i + W <= len && !xsimd::any(B::load_unaligned(q + i) == B(m)); i += W)
                        {
                        }
                    }
                    while (q[i] != m) // within W elements of i
                        ++i;
                }
                if (s == 0 || Op::prefer(q[i], s + i, best_value, best_index))
                {
                    best_value = q[i];
                    best_index = s + i;
                }
                s += len;
            }
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
