// Elementwise kernels. The arithmetic is written once per op as a functor over a value
// type V that is a scalar or an xsimd batch; one kernel template applies any op of any
// arity to a 2-D block (n_outer rows of n_inner elements, each operand with its own two
// strides), choosing per block: contiguous or broadcast rows (load / splat), a transposed
// input (in-register tile transposes), other strides (gathers), or a scalar fallback.
// Kernels never allocate and never throw.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <tuple>
#include <type_traits>
#include <utility>

#include "../simd/gather.hpp"
#include "../simd/loop.hpp"
#include "../simd/math.hpp"
#include "../simd/transpose.hpp"

namespace pyperf_tensor::kernels
{
    namespace detail
    {
        // Whether an input walked with these strides (in elements: inner along a row, outer
        // between rows) is transposed, which the block kernel reads in W x W tiles.
        constexpr bool transposed(index_t inner, index_t outer) noexcept
        {
            return outer == 1 && inner != 1 && inner != 0;
        }

        // A transposed input's tiles read one line from each of W rows, a pattern the
        // hardware prefetchers do not follow. Where the input comes from memory (its rows
        // span more than PYPERF_TENSOR_STREAMING_STORE_BYTES), tile_prefetch asks for the
        // lines of the tile `tile_ahead` tiles on (columns c + tile_ahead W, if the block
        // has them). C++, float32, 1 thread, tiles read and transposed into L1: 4000x4000
        // 7.0 -> 4.0-4.1 ms (the same bytes read as rows: 1.7), 2000x2000 0.52-0.57 ->
        // 0.36-0.46; 2, 3 and 4 tiles ahead alike, 6 and more worse, prefetcht1/t2 no
        // better than prefetcht0. Through the bands, 4000x4000, 1 thread: neg(x.T) 11.4-11.7
        // -> 9.3-10.6 ms, add(x.T, y) 18.4 -> 14.5-15.9, exp(x.T) 9.9-10.5 -> 7.8-8.1. The
        // tiles written straight to the output (transposed_tiles_direct), in bands of two
        // tiles since stop 35, ask for every line of theirs from prefetch_bytes (1 MiB) on:
        // there they gain at 1000x1000 too (with bands of one tile they had not), but for
        // the memory-bound ops only (see prefetch_at there).
        constexpr index_t tile_ahead = 3;
        template <class T>
        constexpr bool tiles_from_memory(index_t columns, index_t stride,
                                         std::size_t bytes = PYPERF_TENSOR_STREAMING_STORE_BYTES) noexcept
        {
            return static_cast<std::size_t>(columns) * static_cast<std::size_t>(stride < 0 ? -stride : stride)
                       * sizeof(T)
                   > bytes;
        }
        constexpr std::size_t prefetch_bytes = std::size_t{1} << 20;
        template <index_t W, class T>
        PYPERF_TENSOR_INLINE void tile_prefetch(bool far, const T* tile, index_t stride, index_t c, index_t n_columns,
                                                index_t h = W) noexcept
        {
            if (!far || c + (tile_ahead + 1) * W > n_columns)
                return;
            PYPERF_TENSOR_UNROLL
            for (index_t j = 0; j < W; ++j)
            {
                // Every line of the h <= 2W elements (unaligned, they may straddle one more).
                const T* line = tile + (tile_ahead * W + j) * stride;
                __builtin_prefetch(line);
                if (h > W)
                    __builtin_prefetch(line + W);
                __builtin_prefetch(line + h - 1);
            }
        }

        // Signed overflow is undefined in C++; NumPy wraps. Scalar integer arithmetic
        // runs in the unsigned type (SIMD integer lanes wrap by definition).
        template <class V, bool = std::is_integral<V>::value>
        struct arith
        {
            using type = V;
        };
        template <class V>
        struct arith<V, true>
        {
            using type = std::make_unsigned_t<V>;
        };
        template <class V>
        using arith_t = typename arith<V>::type;

        using simd::detail::value_t;

        template <class V>
        constexpr bool is_float_v = std::is_floating_point<value_t<V>>::value;

        template <class V>
        inline V wrap_add(const V& a, const V& b) noexcept
        {
            return static_cast<V>(static_cast<arith_t<V>>(a) + static_cast<arith_t<V>>(b));
        }
        template <class V>
        inline V wrap_sub(const V& a, const V& b) noexcept
        {
            return static_cast<V>(static_cast<arith_t<V>>(a) - static_cast<arith_t<V>>(b));
        }
        template <class V>
        inline V wrap_mul(const V& a, const V& b) noexcept
        {
            return static_cast<V>(static_cast<arith_t<V>>(a) * static_cast<arith_t<V>>(b));
        }

        // NumPy's maximum/minimum: NaN in either operand gives NaN, and a tie gives a.
        // Batches: vmaxps/vminps(b, a) return their second operand, a, on a tie or when
        // either is NaN, so only a NaN in b needs handling (simd::nan_max_min: a masked
        // max on AVX-512, a select elsewhere): one compare where testing a >= b and
        // isnan(a) took two and an or (clip with scalar bounds: none, the bounds' test
        // is hoisted). (xsimd::isnan, not b != b: xsimd 8.1's AVX operator!= compares
        // ordered, so NaN != NaN is false.)
        template <class V>
        inline V nan_max(const V& a, const V& b) noexcept
        {
            if constexpr (std::is_arithmetic<V>::value)
                return (a >= b || a != a) ? a : b;
            else if constexpr (is_float_v<V>)
                return simd::nan_max_min<true>(a, b);
            else
                return xsimd::max(a, b);
        }
        template <class V>
        inline V nan_min(const V& a, const V& b) noexcept
        {
            if constexpr (std::is_arithmetic<V>::value)
                return (a <= b || a != a) ? a : b;
            else if constexpr (is_float_v<V>)
                return simd::nan_max_min<false>(a, b);
            else
                return xsimd::min(a, b);
        }

        template <class T>
        constexpr bool is_float = std::is_floating_point<T>::value;
        template <class T>
        constexpr bool any_type = true;
    } // namespace detail

// Declares an op functor: name, arity, the value types it supports, and its body.
#define PYPERF_TENSOR_ELEMENTWISE_OP(op_name, op_arity, supported, ...)                                                \
    struct op_name##_op                                                                                                \
    {                                                                                                                  \
        static constexpr const char* name = #op_name;                                                                  \
        static constexpr std::size_t arity = op_arity;                                                                 \
        template <class T>                                                                                             \
        static constexpr bool supports = detail::supported<T>;                                                         \
        __VA_ARGS__                                                                                                    \
    }

#define PYPERF_TENSOR_APPROXIMATE static constexpr bool approximate = true;
#define PYPERF_TENSOR_UNARY_BODY(expr)                                                                                 \
    template <class V>                                                                                                 \
    V operator()(const V& x) const noexcept                                                                            \
    {                                                                                                                  \
        return expr;                                                                                                   \
    }
#define PYPERF_TENSOR_BINARY_BODY(expr)                                                                                \
    template <class V>                                                                                                 \
    V operator()(const V& a, const V& b) const noexcept                                                                \
    {                                                                                                                  \
        return expr;                                                                                                   \
    }

    // Binary ops
    PYPERF_TENSOR_ELEMENTWISE_OP(add, 2, any_type, PYPERF_TENSOR_BINARY_BODY(detail::wrap_add(a, b)));
    PYPERF_TENSOR_ELEMENTWISE_OP(sub, 2, any_type, PYPERF_TENSOR_BINARY_BODY(detail::wrap_sub(a, b)));
    PYPERF_TENSOR_ELEMENTWISE_OP(mul, 2, any_type, PYPERF_TENSOR_BINARY_BODY(detail::wrap_mul(a, b)));
    PYPERF_TENSOR_ELEMENTWISE_OP(div, 2, is_float, PYPERF_TENSOR_BINARY_BODY(a / b));
    PYPERF_TENSOR_ELEMENTWISE_OP(maximum, 2, any_type, PYPERF_TENSOR_BINARY_BODY(detail::nan_max(a, b)));
    PYPERF_TENSOR_ELEMENTWISE_OP(minimum, 2, any_type, PYPERF_TENSOR_BINARY_BODY(detail::nan_min(a, b)));
    PYPERF_TENSOR_ELEMENTWISE_OP(pow, 2, is_float,
                                 PYPERF_TENSOR_BINARY_BODY(simd::pow(a, b)) PYPERF_TENSOR_APPROXIMATE);

    // Unary ops
    PYPERF_TENSOR_ELEMENTWISE_OP(neg, 1, any_type, PYPERF_TENSOR_UNARY_BODY(detail::wrap_sub(V(0), x)));
    // abs: floats clear the sign bit (NumPy's fabs, NaN included); integers max(x, -x),
    // wrapping as NumPy does for the most negative value.
    PYPERF_TENSOR_ELEMENTWISE_OP(
        abs, 1, any_type, template <class V> V operator()(const V& x) const noexcept {
            if constexpr (std::is_floating_point<V>::value)
                return std::fabs(x);
            else if constexpr (detail::is_float_v<V>)
                return xsimd::abs(x);
            else
                return detail::nan_max(x, detail::wrap_sub(V(0), x));
        });
    PYPERF_TENSOR_ELEMENTWISE_OP(sqrt, 1, is_float, PYPERF_TENSOR_UNARY_BODY(xsimd::sqrt(x)));
    // exp: split (has_edges), so that a contiguous row tests for its edge lanes apart from
    // the arithmetic; on AVX-512 float32 they are only those below a bound (results that
    // may lie below the normal range), tested once per chunk (has_edge_below), and a
    // register with such lanes costs less through simd::exp, whose test reuses the
    // reduction's parts, than through compute and edges (one_pass). C++, float32 1000x1000,
    // 1 thread: 93.5-96.4 -> 81.4-84.9 us; inputs in +-1000 (edges in every register)
    // 177-180 -> 187-189 (compute and edges where chunks are patched as they go: 306-337).
    struct exp_op
    {
        static constexpr const char* name = "exp";
        static constexpr std::size_t arity = 1;
        template <class T>
        static constexpr bool supports = detail::is_float<T>;
        static constexpr bool approximate = true;
        static constexpr bool has_edges = true, one_pass = true;
        template <class V>
        V operator()(const V& x) const noexcept
        {
            return simd::exp(x);
        }
        template <class V>
        V compute(const V& x) const noexcept
        {
            return simd::exp_unpatched(x);
        }
        template <class V>
        V edges(const V& r, const V& x) const noexcept
        {
            return simd::exp_patch(r, x);
        }
        template <
            class V,
            std::enable_if_t<simd::detail::is_zmm<V>() && std::is_same<typename V::value_type, float>::value, int> = 0>
        static float edge_below() noexcept
        {
            return simd::exp_unpatched_min<V>();
        }
    };
    PYPERF_TENSOR_ELEMENTWISE_OP(log, 1, is_float, PYPERF_TENSOR_UNARY_BODY(simd::log(x)) PYPERF_TENSOR_APPROXIMATE);
    PYPERF_TENSOR_ELEMENTWISE_OP(square, 1, any_type, PYPERF_TENSOR_UNARY_BODY(detail::wrap_mul(x, x)));
    PYPERF_TENSOR_ELEMENTWISE_OP(reciprocal, 1, is_float, PYPERF_TENSOR_UNARY_BODY(V(1) / x));

    // Ternary ops
    // a * b + c rounded once where the ISA has FMA (AVX2, AVX-512); SSE2 has no FMA
    // instruction, and xsimd then computes a * b + c with two roundings.
    PYPERF_TENSOR_ELEMENTWISE_OP(
        fma, 3, is_float, template <class V> V operator()(const V& a, const V& b, const V& c) const noexcept {
            if constexpr (std::is_arithmetic<V>::value)
                return fused ? std::fma(a, b, c) : a * b + c;
            else
                return simd::fma(a, b, c);
        } bool fused = true;);
    // NumPy's clip: minimum(maximum(x, lo), hi), NaN propagating.
    PYPERF_TENSOR_ELEMENTWISE_OP(
        clip, 3, any_type, template <class V> V operator()(const V& x, const V& lo, const V& hi) const noexcept {
            return detail::nan_min(detail::nan_max(x, lo), hi);
        });

    // pow(x, e) for an exponent that is one value along a row (pow(x, 2.0)) and has a
    // shortcut: x * x, x, 1, 1 / x, sqrt(x) (with C's pow(-0, 0.5) = +0 and
    // pow(-inf, 0.5) = +inf), each correctly rounded, and simd::powi for the other whole
    // exponents up to 64 in magnitude (x^3, x^-2: products by squaring in double or
    // double-double, nearly always correctly rounded). run_block runs it in place of pow_op
    // for an exponent that is one value for the whole block, dispatch_row for one that is
    // one value along each row (a column of exponents): the general pow costs ~16x a square.
    PYPERF_TENSOR_ELEMENTWISE_OP(
        pow_constant, 2, is_float, enum class kind_t{none, square, identity, one, reciprocal, root, whole};
        kind_t kind = kind_t::none; int n = 0;

        template <class T> static pow_constant_op of(T e) noexcept {
            const bool whole = e == std::trunc(e) && std::fabs(e) <= T(simd::powi_max);
            return {e == T(2)     ? kind_t::square
                    : e == T(1)   ? kind_t::identity
                    : e == T(0)   ? kind_t::one
                    : e == T(-1)  ? kind_t::reciprocal
                    : e == T(0.5) ? kind_t::root
                    : whole       ? kind_t::whole
                                  : kind_t::none,
                    whole ? static_cast<int>(e) : 0};
        }

        template <class V>
        V operator()(const V & x, const V&) const noexcept {
            using T = detail::value_t<V>;
            switch (kind)
            {
            case kind_t::square:
                return x * x;
            case kind_t::identity:
                return x;
            case kind_t::one:
                return V(T(1));
            case kind_t::reciprocal:
                return V(T(1)) / x;
            case kind_t::whole:
                return simd::powi(x, n);
            default:
            {
                const T inf = std::numeric_limits<T>::infinity();
                if constexpr (std::is_arithmetic<V>::value)
                    return x == -inf ? inf : std::sqrt(x) + T(0);
                else
                    return xsimd::select(x == V(-inf), V(inf), xsimd::sqrt(x) + V(T(0)));
            }
            }
        });

#undef PYPERF_TENSOR_APPROXIMATE
#undef PYPERF_TENSOR_UNARY_BODY
#undef PYPERF_TENSOR_BINARY_BODY
#undef PYPERF_TENSOR_ELEMENTWISE_OP

    // Whether an op declares a flag, `static constexpr bool <flag> = true;` (Flag<Op> reads
    // it; an op without the member has the flag unset).
    template <template <class> class Flag, class Op, class = void>
    struct op_flag : std::false_type
    {
    };
    template <template <class> class Flag, class Op>
    struct op_flag<Flag, Op, std::enable_if_t<Flag<Op>::value>> : std::true_type
    {
    };
    template <class Op>
    using approximate_flag = std::bool_constant<Op::approximate>;
    template <class Op>
    using has_edges_flag = std::bool_constant<Op::has_edges>;
    template <class Op>
    using one_pass_flag = std::bool_constant<Op::one_pass>;

    // Ops whose batch code is an approximation (within a few ULP) rather than the exact
    // IEEE result (`approximate`): their scalar heads and tails are computed through a
    // batch too, so an element's result never depends on where a row or a thread's piece
    // starts.
    template <class Op>
    constexpr bool approximate_v = op_flag<approximate_flag, Op>::value;

    // An op may split its batch code in two (`has_edges`): compute(x...), without
    // branches, and edges(r, x...), which patches the rare lanes compute gets wrong behind
    // a test and a branch; op(x...) is edges(compute(x...), x...). A contiguous row then
    // computes two registers before it patches either: a branch between them would keep
    // the compiler from interleaving their chains (see simd::for_each_lane; sigmoid
    // 207 -> 197 us, C++ 1000x1000 float32).
    template <class Op>
    constexpr bool has_edges_v = op_flag<has_edges_flag, Op>::value;
    // An op with edges whose op(x...) takes a register with edge lanes in one pass, for less
    // than compute then edges (`one_pass`): chunks patched as they go take op.
    template <class Op>
    constexpr bool one_pass_v = op_flag<one_pass_flag, Op>::value;
    // A one-input op whose edge lanes are exactly those with x < Op::edge_below<B>() (NaN
    // never one): a contiguous row that does not write over its input then tests for
    // them once per chunk (see row).
    template <class Op, class B, class = void>
    struct has_edge_below : std::false_type
    {
    };
    template <class Op, class B>
    struct has_edge_below<Op, B, std::void_t<decltype(Op::template edge_below<B>())>> : std::true_type
    {
    };

    // The ops of each arity, in the order of their enums; kernel tables are built from these.
    using unary_ops = std::tuple<neg_op, abs_op, sqrt_op, exp_op, log_op, square_op, reciprocal_op>;
    using binary_ops = std::tuple<add_op, sub_op, mul_op, div_op, maximum_op, minimum_op, pow_op>;
    using ternary_ops = std::tuple<fma_op, clip_op>;
    enum class unary_op : std::size_t
    {
        neg,
        abs,
        sqrt,
        exp,
        log,
        square,
        reciprocal
    };
    enum class binary_op : std::size_t
    {
        add,
        sub,
        mul,
        div,
        maximum,
        minimum,
        pow
    };
    enum class ternary_op : std::size_t
    {
        fma,
        clip
    };
    template <std::size_t Arity>
    using ops_of_arity = std::tuple_element_t<Arity - 1, std::tuple<unary_ops, binary_ops, ternary_ops>>;

    // How a kernel writes its output: `stream` bypasses the caches (for outputs larger
    // than the last-level cache, which nobody will read back from cache anyway).
    enum class store_mode
    {
        normal,
        stream
    };

    // A 2-D piece of an elementwise op: n_outer rows of n_inner elements. Strides are in
    // elements; element (r, c) of input k is in[k][r * in_outer[k] + c * in_inner[k]].
    template <class T, std::size_t N>
    struct block
    {
        std::array<const T*, N> in;
        std::array<index_t, N> in_inner, in_outer;
        T* out;
        index_t out_inner, out_outer;
        index_t n_inner, n_outer;
    };

    template <class T, std::size_t N>
    using elementwise_kernel = void (*)(const block<T, N>& b, store_mode mode) noexcept;

    // Defined below, out of any class, so a translation unit that only takes a kernel's
    // address (to put it in a table) never instantiates its body.
    template <class Arch, class Op, class T>
    void elementwise(const block<T, Op::arity>& b, store_mode mode) noexcept;

    namespace detail
    {
        // op on scalars, bit-identical to the same element computed in a batch.
        template <class Arch, class Op, class T, class... Ts>
        inline T scalar_op(const Op& op, T x, Ts... rest) noexcept
        {
            if constexpr (approximate_v<Op>)
            {
                using B = xsimd::batch<T, Arch>;
                alignas(Arch::alignment()) T r[B::size];
                op(B(x), B(rest)...).store_aligned(r);
                return r[0];
            }
            else
                return op(x, rest...);
        }

        // Element (r, c) of the op, read one scalar per input: the fallback for strided
        // outputs.
        template <class Arch, class Op, class T, std::size_t N, std::size_t... K>
        inline void scalar_rows(const Op& op, const block<T, N>& b, index_t r0, index_t r1, index_t c0,
                                std::index_sequence<K...>) noexcept
        {
            for (index_t r = r0; r < r1; ++r)
                for (index_t c = c0; c < b.n_inner; ++c)
                    b.out[r * b.out_outer + c * b.out_inner] =
                        scalar_op<Arch>(op, b.in[K][r * b.in_outer[K] + c * b.in_inner[K]]...);
        }

        // How a row's inputs are read. contiguous rows have a row per broadcast pattern
        // (Splat); reversed ones (x[:, ::-1]: one load and a lane reversal) and, for
        // ternary ops, even ones (x[:, ::2]: two loads and a shuffle) one per pattern
        // with a single array input. unit rows (every input at stride 0, 1 or -1, some
        // forward and some backward: x[:, ::-1] + y) have one row that tests each
        // input's stride per register for those three; strided rows (any other strides,
        // several arrays at stride 2, or approximate ops' rows other than contiguous and
        // reversed ones) one that tests it for 0 (broadcast), 1 (a load), else
        // load_strided. exp(x[:, ::-1]) took 1.41x its contiguous time on the strided
        // row, 1.28x on the reversed one (C++, 1000x1000 float32, 1 thread). A strided
        // row per broadcast pattern as well doubled the kernels' compile time (avx512:
        // 1 min 11 s -> 2 min 16 s). mirrored rows are reversed ones walked from their
        // end, for rows from memory (below, dispatch_row).
        enum class walk
        {
            contiguous,
            reversed,
            unit,
            strided,
            mirrored,
            even
        };

        // How an op with has_edge_below patches its chunks (see row), kept from row to row
        // of a block: the next `as_it_goes` chunks as they go; `backoff` chunks so after
        // the next one found to have edges.
        struct edge_pace
        {
            index_t as_it_goes = 0, backoff = 1;
        };

        // One row with a contiguous output. Inputs whose bit is set in Splat are the same
        // value all along the row (stride 0); the others are read as Walk says. Testing
        // every input's stride for 0 and 1 per register made a reversed clip(x, lo, hi)
        // row 2.1x a contiguous one and reversed neg/abs 1.3x; the reversed walk costs
        // 1.07-1.1x (C++, 1000x1000 float32, same buffers). Pointers and strides
        // are taken by value: as locals they stay in registers, where through a
        // reference every store to `out` made the compiler reload them (the per-input
        // stride checks then cost 2x on AVX2 rows of a reversed view).
        // mirrored: the row's array inputs are read forward from in (contiguous) and the
        // output is written backward from out + n - 1, each register's lanes reversed.
        template <class Arch, class Op, class T, bool Stream, unsigned Splat, walk Walk, std::size_t... K>
        PYPERF_TENSOR_FLATTEN void row(const Op& op, const std::array<const T*, sizeof...(K)> in,
                                       const std::array<index_t, sizeof...(K)> s, T* out, index_t n,
                                       std::index_sequence<K...>, edge_pace* pace = nullptr) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            constexpr bool mirrored = Walk == walk::mirrored;
            constexpr walk read_walk = mirrored ? walk::contiguous : Walk; // how inputs are read
            const std::array<B, sizeof...(K)> splat{
                B((Walk == walk::strided || Walk == walk::unit || Splat & (1u << K)) && s[K] == 0 ? *in[K] : T{})...};
            auto read = [&](index_t i, auto tag, auto k)
            {
                using V = typename decltype(tag)::type;
                constexpr std::size_t k_ = decltype(k)::value;
                if constexpr (std::is_arithmetic<V>::value)
                    return Splat & (1u << k_) ? *in[k_] : in[k_][i * s[k_]];
                else if constexpr (Splat & (1u << k_))
                    return splat[k_];
                else if constexpr (simd::is_part<decltype(tag)>::value)
                {
                    // The other lanes repeat the part's first element. A constant stride
                    // where the walk has one: load_part's other stride cases then vanish
                    // from the row's code.
                    constexpr index_t c = read_walk == walk::contiguous ? 1 : read_walk == walk::even ? 2 : -1;
                    if constexpr (read_walk != walk::strided && read_walk != walk::unit)
                        return simd::load_part<V>(in[k_] + i * c, c, tag.k, in[k_][i * c]);
                    else
                        return s[k_] == 0 ? splat[k_]
                                          : simd::load_part<V>(in[k_] + i * s[k_], s[k_], tag.k, in[k_][i * s[k_]]);
                }
                else if constexpr (read_walk == walk::reversed)
                    return simd::load_strided<V>(in[k_] - i, -1); // a load, lanes reversed
                else if constexpr (read_walk == walk::even)
                    return simd::load_strided<V>(in[k_] + 2 * i, 2); // two loads, even lanes
                else if constexpr (read_walk == walk::unit || read_walk == walk::strided)
                {
                    // unit rows' third case is -1 (a load, lanes reversed), a constant, so
                    // that load_strided's other cases vanish from their code
                    const index_t step = read_walk == walk::unit ? -1 : s[k_];
                    return s[k_] == 1   ? V::load_unaligned(in[k_] + i)
                           : s[k_] == 0 ? splat[k_]
                                        : simd::load_strided<V>(in[k_] + i * step, step);
                }
                else
                    return V::load_unaligned(in[k_] + i);
            };
            // An op with edges patches them as it stores, its inputs read again (from L1:
            // kept in registers, the values were spilled, silu 201 -> 216 us), on contiguous
            // rows; a strided row would gather them again (sigmoid(x[:, ::2]) 240 -> 277 us),
            // so there the op runs whole.
            constexpr bool split = has_edges_v<Op> && read_walk == walk::contiguous;
            // Mirrored, element i goes to out[n - 1 - i], a full register's lanes reversed
            // at out + n - W - i; that address is register-aligned where anchor + i is.
            constexpr index_t W = static_cast<index_t>(B::size);
            const T* anchor = out;
            if constexpr (mirrored)
                anchor = reinterpret_cast<const T*>(std::uintptr_t{0} - reinterpret_cast<std::uintptr_t>(out)
                                                    - static_cast<std::uintptr_t>(n - W) * sizeof(T));
            // Approximate ops cost as much per scalar as per register (scalars go through
            // a batch): their row heads and tails are one partial register each.
            constexpr bool parts = approximate_v<Op>;
            const auto value = [&](index_t i, auto tag)
            {
                using V = typename decltype(tag)::type;
                if constexpr (std::is_arithmetic<V>::value)
                    return scalar_op<Arch>(op, read(i, tag, std::integral_constant<std::size_t, K>{})...);
                else if constexpr (split)
                    return op.compute(read(i, tag, std::integral_constant<std::size_t, K>{})...);
                else
                    return op(read(i, tag, std::integral_constant<std::size_t, K>{})...);
            };
            // Writes r (with its edges patched if `patch`) to the output's elements i...
            const auto store = [&](index_t i, auto tag, auto r, auto patch)
            {
                if constexpr (decltype(patch)::value && !std::is_arithmetic<decltype(r)>::value)
                    r = op.edges(r, read(i, tag, std::integral_constant<std::size_t, K>{})...);
                if constexpr (mirrored)
                {
                    if constexpr (std::is_arithmetic<decltype(r)>::value)
                        out[n - 1 - i] = r;
                    else if constexpr (simd::is_part<decltype(tag)>::value)
                    {
                        alignas(Arch::alignment()) T lanes[B::size];
                        r.store_aligned(lanes);
                        for (index_t j = 0; j < tag.k; ++j)
                            out[n - 1 - i - j] = lanes[j];
                    }
                    else if constexpr (Stream)
                        simd::store_stream(out + (n - W - i), simd::reverse_lanes(r));
                    else
                        simd::store(out + (n - W - i), simd::reverse_lanes(r));
                }
                else if constexpr (simd::is_part<decltype(tag)>::value)
                    simd::store_part(out + i, 1, tag.k, r);
                else if constexpr (Stream)
                    simd::store_stream(out + i, r);
                else
                    simd::store(out + i, r);
            };
            const auto patched = [&](index_t i, auto tag, auto r) { store(i, tag, r, std::bool_constant<split>{}); };
            // An op whose edge lanes lie below a bound (has_edge_below), on a row that does
            // not write over its input: each chunk of 4 KiB is computed without the test per
            // register (on Zen 5 a compare into a mask takes one of the FMA's two issue
            // slots; the chunk's least input, a min per register, an add's) and patched
            // after, its results read back from L1, if that least input lies below the
            // bound. After such a chunk the next 1, 2, 4 ... 64 chunks (edge_pace, back to 1
            // at a chunk without edges) are patched as they go, register by register as in
            // place: inputs far out, with edges in every chunk, would otherwise pay for both
            // passes. C++, float32 1000x1000, 1 thread, Zen 5 EPYC, medians of alternating
            // runs: exact GELU 108.7 -> 104.2 us, sigmoid 100.6 -> 97.2, silu 101.7 -> 97.6
            // (a bare loop of GELU's table: 106 -> 95 without the test); inputs in +-1000
            // the same within 2%.
            if constexpr (split && !mirrored && sizeof...(K) == 1 && has_edge_below<Op, B>::value)
            {
                if (in[0] == out)
                    return simd::for_each_lane<Arch, parts>(n, anchor, value, patched);
                constexpr index_t chunk = 4096 / sizeof(T);
                const B bound(Op::template edge_below<B>());
                const index_t head = simd::unaligned_head<Arch>(out, n);
                edge_pace own;
                edge_pace& p = pace ? *pace : own;
                for (index_t c = 0; c < n;)
                {
                    const index_t len = std::min(n - c, c == 0 ? head + chunk : chunk);
                    if (p.as_it_goes > 0)
                    {
                        --p.as_it_goes;
                        if constexpr (one_pass_v<Op>)
                            simd::for_each_lane<Arch, parts>(
                                len, out + c,
                                [&](index_t i, auto tag)
                                {
                                    using V = typename decltype(tag)::type;
                                    if constexpr (std::is_arithmetic<V>::value)
                                        return value(c + i, tag);
                                    else
                                        return op(read(c + i, tag, std::integral_constant<std::size_t, 0>{}));
                                },
                                [&](index_t i, auto tag, auto r) { store(c + i, tag, r, std::false_type{}); });
                        else
                            simd::for_each_lane<Arch, parts>(
                                len, out + c, [&](index_t i, auto tag) { return value(c + i, tag); },
                                [&](index_t i, auto tag, auto r) { patched(c + i, tag, r); });
                        c += len;
                        continue;
                    }
                    B least(std::numeric_limits<T>::infinity());
                    simd::for_each_lane<Arch, parts>(
                        len, out + c,
                        [&](index_t i, auto tag)
                        {
                            using V = typename decltype(tag)::type;
                            if constexpr (!std::is_arithmetic<V>::value)
                            {
                                const V x = read(c + i, tag, std::integral_constant<std::size_t, 0>{});
                                least = xsimd::min(x, least); // NaN: least (minps's 2nd operand)
                                return op.compute(x);
                            }
                            else
                                return value(c + i, tag);
                        },
                        [&](index_t i, auto tag, auto r) { store(c + i, tag, r, std::false_type{}); });
                    if (xsimd::any(least < bound))
                    {
                        simd::for_each_lane<Arch, parts>(
                            len, out + c,
                            [&](index_t i, auto tag)
                            {
                                using V = typename decltype(tag)::type;
                                if constexpr (std::is_arithmetic<V>::value)
                                    return out[c + i]; // the scalar op had its edges
                                else if constexpr (simd::is_part<decltype(tag)>::value)
                                    return simd::load_part<V>(out + c + i, 1, tag.k, T{});
                                else
                                    return V::load_unaligned(out + c + i);
                            },
                            [&](index_t i, auto tag, auto r) { patched(c + i, tag, r); });
                        p.as_it_goes = p.backoff;
                        p.backoff = std::min<index_t>(2 * p.backoff, 64);
                    }
                    else
                        p.backoff = 1;
                    c += len;
                }
            }
            else
                simd::for_each_lane<Arch, parts>(n, anchor, value, patched);
        }

        // Picks the row instantiation for this row's stride pattern.
        template <class Arch, class Op, class T, bool Stream, std::size_t N, unsigned... Masks>
        inline void dispatch_row(const Op& op, const std::array<const T*, N>& in, const std::array<index_t, N>& s,
                                 T* out, index_t n, std::integer_sequence<unsigned, Masks...>,
                                 edge_pace* pace = nullptr) noexcept
        {
            if constexpr (std::is_same<Op, pow_op>::value)
                if (s[1] == 0) // one exponent along the row: its shortcut, if it has one
                    if (const auto twin = pow_constant_op::of(*in[1]); twin.kind != pow_constant_op::kind_t::none)
                        return dispatch_row<Arch, pow_constant_op, T, Stream>(
                            twin, in, s, out, n, std::integer_sequence<unsigned, Masks...>{});
            unsigned splat = 0;
            bool contiguous = true, reversed = true, unit = true;
            for (std::size_t k = 0; k < N; ++k)
            {
                splat |= s[k] == 0 ? 1u << k : 0u;
                contiguous = contiguous && (s[k] == 0 || s[k] == 1);
                reversed = reversed && (s[k] == 0 || s[k] == -1);
                unit = unit && (s[k] == 0 || s[k] == 1 || s[k] == -1);
            }
            auto run = [&](auto w)
            {
                ((splat == Masks ? row<Arch, Op, T, Stream, Masks, decltype(w)::value>(
                                       op, in, s, out, n, std::make_index_sequence<N>{}, pace)
                                 : void()),
                 ...);
            };
            if (contiguous)
                return run(std::integral_constant<walk, walk::contiguous>{});
            // One array input, reversed or at stride 2, the others broadcast
            // (neg(x[:, ::-1]), clip(x[:, ::2], lo, hi), x[:, ::-1] * 2): the row of its
            // broadcast pattern, walked as w says, with inputs fin and strides fs.
            auto one_array = [&](auto w, const std::array<const T*, N>& fin, const std::array<index_t, N>& fs)
            {
                constexpr unsigned all = (1u << N) - 1;
                constexpr walk how = decltype(w)::value;
                auto with_mask = [&](auto m)
                {
                    constexpr unsigned M = decltype(m)::value;
                    if constexpr (__builtin_popcount(all & ~M) == 1)
                        if (splat == M)
                            row<Arch, Op, T, Stream, M, how>(op, fin, fs, out, n, std::make_index_sequence<N>{});
                };
                (with_mask(std::integral_constant<unsigned, Masks>{}), ...);
            };
            const bool one_array_input = __builtin_popcount(splat) + 1 == static_cast<int>(N);
            const bool one_reversed = reversed && one_array_input;
            // In a row from memory (the output streamed) it is walked from its end, so that
            // the input is read forward. The hardware prefetchers do not follow a row read
            // backward: C++, float32, 1 thread, a row kernel of 8 fmas per register, rows
            // read backward / forward / forward with the output written backward:
            // 4000x4000 5.6-6.2 / 2.8-3.0 / 3.4 ms, 3008x3008 3.3-3.8 / 1.5-1.6 / 1.8; in
            // cache (1008x1008) forward with the output backward took 1.35x as long, so
            // rows in cache keep the reversed walk.
            if constexpr (Stream)
                if (one_reversed)
                {
                    std::array<const T*, N> forward = in;
                    std::array<index_t, N> forward_s = s;
                    for (std::size_t k = 0; k < N; ++k)
                        if (s[k] == -1)
                            forward[k] = in[k] - (n - 1), forward_s[k] = 1;
                    return one_array(std::integral_constant<walk, walk::mirrored>{}, forward, forward_s);
                }
            if (one_reversed)
                return one_array(std::integral_constant<walk, walk::reversed>{}, in, s);
            // A row at stride 2 among two broadcasts: the strided row's per-register tests
            // of each input's stride made clip(x[:, ::2], lo, hi) 2.07x its contiguous time
            // where neg(x[:, ::2]) took 1.64x (Python, 1000x1000 float32, 1 thread). With
            // one test or none (x[:, ::2] * 2, neg) the strided row runs at the L3
            // bandwidth as it is (C++: 142-147 us either way), so those keep it and the
            // kernels' compile time.
            if constexpr (!approximate_v<Op>)
            {
                // Inputs in both directions (x[:, ::-1] + y): the strided row's tests made
                // them 1.35-1.6x contiguous on 2 threads, the unit row's 1.14-1.27x (C++,
                // 1000x1000 float32; 1 thread 1.12-1.63x -> 1.00-1.35x, fma the slowest).
                // It tests for 0 at run time: a row per broadcast pattern, as the one-array
                // walks have, made the AVX-512 kernels' compile 1.31x as long, this 1.09-1.11x.
                if (unit)
                    return row<Arch, Op, T, Stream, 0, walk::unit>(op, in, s, out, n, std::make_index_sequence<N>{});
                if constexpr (N >= 3)
                    if (one_array_input && s[__builtin_ctz(~splat)] == 2) // the array input's stride
                        return one_array(std::integral_constant<walk, walk::even>{}, in, s);
            }
            row<Arch, Op, T, Stream, 0, walk::strided>(op, in, s, out, n, std::make_index_sequence<N>{});
        }

        // Rows [r0, r1), columns [c0, n_inner) of a block whose output rows are contiguous.
        template <class Arch, class Op, class T, bool Stream, std::size_t N>
        inline void rows(const Op& op, const block<T, N>& b, index_t r0, index_t r1, index_t c0) noexcept
        {
            edge_pace pace;
            for (index_t r = r0; r < r1; ++r)
            {
                std::array<const T*, N> in;
                for (std::size_t k = 0; k < N; ++k)
                    in[k] = b.in[k] + r * b.in_outer[k] + c0 * b.in_inner[k];
                dispatch_row<Arch, Op, T, Stream>(op, in, b.in_inner, b.out + r * b.out_outer + c0, b.n_inner - c0,
                                                  std::make_integer_sequence<unsigned, (1u << N)>{}, &pace);
            }
        }

        // The W x W tile of a transposed input at src, transposed in registers: cw of its
        // W batches (stride apart), each of h elements along the input's contiguous axis
        // (zeros past h), the batches past cw copies of the first; whole batches when h and
        // cw are W. After the transpose, the lanes past cw hold input values, so that an op
        // run on whole registers meets no value the input lacks (log(0) would send every
        // register of a narrow last tile down log's slow edge path).
        template <class Arch, class T>
        PYPERF_TENSOR_INLINE void transposed_tile(xsimd::batch<T, Arch>* tile, const T* src, index_t stride, index_t h,
                                                  index_t cw) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            constexpr index_t W = static_cast<index_t>(B::size);
            if (h == W && cw == W)
                return simd::load_transposed<Arch>(tile, src, stride);
            tile[0] = simd::load_part<B>(src, 1, h, T(0)); // cw >= 1
            PYPERF_TENSOR_UNROLL
            for (index_t j = 1; j < W; ++j)
                tile[j] = j < cw ? simd::load_part<B>(src + j * stride, 1, h, T(0)) : tile[0];
            simd::transpose<Arch>(tile);
        }

        // Columns [0, full) (a multiple of W) of h rows of a transposed input (H: h known
        // at compile time, else 0) into the buffer, one W x W tile at a time.
        template <class Arch, index_t H, class T>
        PYPERF_TENSOR_INLINE void transposed_tiles(bool far, const T* src, index_t stride, T* dst, index_t pitch,
                                                   index_t full, index_t h = H) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            constexpr index_t W = static_cast<index_t>(B::size);
            for (index_t c = 0; c < full; c += W)
            {
                tile_prefetch<W>(far, src + c * stride, stride, c, full);
                B tile[B::size];
                transposed_tile<Arch>(tile, src + c * stride, stride, H == W ? W : h, W);
                for (index_t r = 0; r < (H == W ? W : h); ++r)
                    tile[r].store_aligned(dst + r * pitch + c);
            }
        }

        // A block whose inputs in tmask are transposed (outer stride 1), in bands of at
        // most W rows. Each band is handled in chunks of C columns: the transposed
        // inputs' piece is read as W-wide batches along its contiguous axis (partial ones
        // for a partial band), transposed in registers and stored to a buffer that stays
        // in L1 (rows padded by one batch against cache-set conflicts); then the ordinary
        // row kernel runs on the band, reading those inputs from the buffer. The output
        // and the other inputs are then walked one row at a time, which the hardware
        // prefetchers follow: writing W x W tiles straight to W output rows (and reading W
        // rows of every other input per tile) made add 2.6x and fma 4.3x slower than
        // contiguous. The first band ends where the first transposed input's batches
        // become register-aligned (unaligned, half of them straddled two cache lines).
        // The chunk width follows from the number of transposed inputs (fma(a.T, b, c):
        // one buffer of 512 columns rather than three of 160: 2.4x -> 2.0x contiguous).
        // Tried without gain: prefetching the next chunk's lines before the row pass,
        // buffers in L2 (wider chunks), gathers instead of transposes (2x slower).
        template <class Arch, class Op, class T, bool Stream, std::size_t N>
        inline void transposed_bands(const Op& op, const block<T, N>& b, unsigned tmask) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            constexpr index_t W = static_cast<index_t>(B::size);
            // The buffers of the transposed inputs together take 32 KiB (plus padding).
            constexpr index_t budget = 32768 / sizeof(T);
            alignas(Arch::alignment()) T storage[budget + N * W * W];
            std::array<T*, N> buffer{};
            const index_t C = std::max(W, budget / (__builtin_popcount(tmask) * W) / W * W), pitch = C + W;
            for (std::size_t k = 0, j = 0; k < N; ++k)
                if (tmask >> k & 1u)
                    buffer[k] = storage + W * pitch * static_cast<index_t>(j++);
            std::array<const T*, N> in;
            std::array<index_t, N> s;
            index_t r1 = simd::unaligned_head<Arch>(b.in[__builtin_ctz(tmask)], W); // the first band
            for (index_t r0 = 0; r0 < b.n_outer; r0 = r1, r1 = std::min(r0 + W, b.n_outer))
            {
                const index_t h = r1 - r0;
                if (h == 0)
                    continue;
                // The first chunk takes the output's columns before its first aligned
                // register, so that the others start aligned: streamed rows otherwise
                // began and ended each chunk inside a line that ordinary stores also
                // wrote. NumPy's arrays are 16-byte aligned; C++, float32, 1 thread, the
                // arrays 16 bytes off: exp(x.T) 2000x2000 2.36-2.46 -> 1.11-1.16 ms,
                // 4000x4000 12.6-12.9 -> 7.9-8.0 (with tile_prefetch; aligned: 9.0 ->
                // 7.8). At 1000x1000 (ordinary stores) the same time either way.
                const index_t lead = simd::unaligned_head<Arch>(b.out + r0 * b.out_outer, b.n_inner);
                for (index_t c0 = 0, cw; c0 < b.n_inner; c0 += cw)
                {
                    cw = c0 == 0 && lead > 0 ? lead : std::min(C, b.n_inner - c0);
                    const index_t full = cw / W * W;
                    for (std::size_t k = 0; k < N; ++k)
                    {
                        if (!(tmask >> k & 1u))
                            continue;
                        const T* src = b.in[k] + r0 + c0 * b.in_inner[k];
                        T* dst = buffer[k];
                        const bool far = tiles_from_memory<T>(b.n_inner, b.in_inner[k]);
                        if (h == W)
                            transposed_tiles<Arch, W>(far, src, b.in_inner[k], dst, pitch, full);
                        else
                            transposed_tiles<Arch, 0>(far, src, b.in_inner[k], dst, pitch, full, h);
                        // The last columns: one more tile, its lanes past cw copies of its first
                        // column (the buffer's rows have room for them).
                        if (full < cw)
                        {
                            B tile[B::size];
                            transposed_tile<Arch>(tile, src + full * b.in_inner[k], b.in_inner[k], h, cw - full);
                            for (index_t r = 0; r < h; ++r)
                                tile[r].store_aligned(dst + r * pitch + full);
                        }
                    }
                    for (index_t r = 0; r < h; ++r)
                    {
                        for (std::size_t k = 0; k < N; ++k)
                        {
                            const bool t = tmask >> k & 1u;
                            in[k] = t ? buffer[k] + r * pitch : b.in[k] + (r0 + r) * b.in_outer[k] + c0 * b.in_inner[k];
                            s[k] = t ? 1 : b.in_inner[k];
                        }
                        dispatch_row<Arch, Op, T, Stream>(op, in, s, b.out + (r0 + r) * b.out_outer + c0, cw,
                                                          std::make_integer_sequence<unsigned, (1u << N)>{});
                    }
                }
            }
        }

        // Whether W rows `pitch` elements apart start in distinct 64-byte slots of a 4 KiB
        // page (no two share an L1 set, none looks like another to 4K-aliasing checks).
        template <class T>
        inline bool rows_spread(index_t pitch, index_t w) noexcept
        {
            for (index_t d = 1; d < w; ++d)
            {
                const auto off = static_cast<index_t>(static_cast<std::size_t>(d * pitch) * sizeof(T) % 4096);
                if (std::min(off, 4096 - off) < 64)
                    return false;
            }
            return true;
        }

        // A block with one transposed input (A) whose others are all scalars or all
        // contiguous rows (Rows), with ordinary stores: each W x W tile is transposed in
        // registers and the op writes it straight to its W output rows, with no buffer
        // between (neg(x.T), clip(x.T, lo, hi), x.T * 2, add(x.T, y), fma(a.T, b, c)).
        // C++, 1000x1000 float32, 1 thread, vs contiguous: neg 2.35x -> 1.48x, x.T * 2
        // 2.30x -> 1.45x, clip 2.33x -> 1.65x, add 1.7-2.1x -> 1.3-1.5x; fma(a.T, b, b)
        // 2.0x -> 1.5-1.8x, but with three distinct arrays 1.8-2.8x either way.
        // transposed_bands' buffer costs a store and a load per register, which queue
        // behind the output's stores (each waiting for its line): the same tiles through a
        // 1 KiB buffer took 1.4x the time. Rows of other inputs are read W at a time, so
        // their pitch must spread W rows over distinct sets (rows_spread: at 1024 columns
        // add(x.T, y) took 5.4x contiguous this way, 2.2x through the bands). Streaming
        // stores keep the bands (they need aligned rows).
        // Bands two tiles high (2W output rows, two lines of each input row per tile
        // column) with the input's lines asked for tile_ahead tile columns on: C++,
        // 1000x1000 float32, arrays 16 bytes off alignment, 1 thread, median of rounds
        // vs contiguous, bands of one tile -> two with prefetch: neg 2.0-2.2x -> 1.34-1.45x,
        // add 2.0-2.6x -> 1.34-1.5x, fma 1.9-2.1x -> 1.26-1.4x, x.T * 2 2.0-2.3x ->
        // 1.4-1.5x; two threads neg 2.0-2.2x -> 1.7-1.8x, add 2.6-3.1x -> 1.8-1.9x.
        // Approximate ops (exp, log, pow, the activations) take this walk too, the op in
        // a loop over the tile's registers (one copy of it, not W): exp(x.T) 1.55-1.65x ->
        // 1.40-1.50x, sigmoid 1.6x -> 1.43-1.48x, log, tanh, gelu 1.5-1.75x -> 1.36-1.58x,
        // against transposed_tiles_across (W input rows read along their length, each
        // tile written to W output rows), which this replaced; they run on one tile while
        // the next is transposed (see the band loop). Tried without gain: bands
        // of 3 or 4 tiles, prefetchw of the output's lines, prefetching 6 or 10 tiles on,
        // loading tiles as 128-bit quarters (vinsertf32x4, fewer shuffles; in L2 1.15x
        // slower).
        template <class Arch, class Op, class T, std::size_t A, bool Rows, std::size_t N, std::size_t... K>
        PYPERF_TENSOR_OWN_FRAME void transposed_tiles_direct(const Op& op, const block<T, N>& b,
                                                             std::index_sequence<K...>) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            constexpr index_t W = static_cast<index_t>(B::size);
            const std::array<B, N> splat{B(Rows || K == A ? T{} : *b.in[K])...};
            // Copies: through `b`, every store to the output made the compiler reload them.
            const std::array<index_t, N> outer = b.in_outer;
            const index_t stride = b.in_inner[A], pitch = b.out_outer;
            // One W x W tile: output rows [r0, r0 + h), columns [c, c + cw). Whole tiles (h
            // and cw W) take code of their own, with no test of h or cw: under those tests
            // (a branch per store) neg(x.T) took 1.25x as long on 1000x1000 float32.
            // A band's first and last tiles may be narrower (cw < W): their lanes past cw
            // are read and written as parts (masked loads and stores on AVX-512).
            // Columns [c, col_end(c)) make a tile column: the band's first ends where its
            // first output row is register-aligned (c0), so that its stores, and those of
            // the rows on the same line offset, do not straddle two lines (float32 rows
            // of 1000 elements, as NumPy allocates them 16 bytes off a line, are 16 and
            // 48 bytes off it in turn; this puts half of them on whole lines). C++, 1
            // thread, 1000x1000, with load_transposed's halves: neg(x.T) 88.9 -> 85.5 us,
            // add(x.T, y) 135.0 -> 125.6, fma(x.T, y, y) 155.1 -> 147.9. Halves stored
            // apart (each row's on a whole line) took 1.07-1.13x as long. Approximate ops
            // keep whole tile columns from the first (exp(x.T), log(x.T): 3% slower with
            // the head's partial tiles).
            index_t c0 = 0;
            const auto col_end = [&](index_t c) { return std::min(b.n_inner, c < c0 ? c0 : c + W); };
            edge_pace pace; // for an op with has_edge_below, from tile to tile
            const auto load_at = [&](auto whole, index_t r0, index_t h, index_t c, B* tile)
            {
                constexpr bool full = decltype(whole)::value;
                const index_t cw = full ? W : col_end(c) - c;
                transposed_tile<Arch>(tile, b.in[A] + r0 + c * stride, stride, full ? W : h, cw);
            };
            const auto emit_at = [&](auto whole, index_t r0, index_t h, index_t c, const B* tile)
            {
                constexpr bool full = decltype(whole)::value;
                const index_t cw = full ? W : col_end(c) - c;
                const std::array<const T*, N> in{(b.in[K] + (r0 * outer[K] + c))...};
                T* out = b.out + r0 * pitch + c;
                // Output row j of the tile; the op without its edge test (compute) if `plain`.
                const auto row = [&](index_t j, auto plain)
                {
                    auto read = [&](auto k) -> B
                    {
                        constexpr std::size_t k_ = decltype(k)::value;
                        if constexpr (k_ == A)
                            return tile[j];
                        else if constexpr (!Rows)
                            return splat[k_];
                        else if (full || cw == W)
                            return B::load_unaligned(in[k_] + j * outer[k_]);
                        else
                            return simd::load_part<B>(in[k_] + j * outer[k_], 1, cw, T(0));
                    };
                    B v;
                    if constexpr (decltype(plain)::value)
                        v = op.compute(read(std::integral_constant<std::size_t, K>{})...);
                    else
                        v = op(read(std::integral_constant<std::size_t, K>{})...);
                    if (full || cw == W)
                        v.store_unaligned(out + j * pitch);
                    else
                        simd::store_part(out + j * pitch, 1, cw, v);
                };
                if constexpr (approximate_v<Op>) // one copy of the op's code, not W
                {
                    const index_t height = full ? W : h;
                    bool whole = true;
                    if constexpr (N == 1 && has_edge_below<Op, B>::value)
                    {
                        // As a contiguous row's chunks: the tile's least input kept, the
                        // tile done again by the whole op if it lies below the bound (a
                        // partial tile's lanes past cw are copies of its first lane), and
                        // the next 1, 2, 4 ... 64 tiles by the whole op at once.
                        whole = pace.as_it_goes > 0;
                        if (whole)
                            --pace.as_it_goes;
                        else
                        {
                            B least(std::numeric_limits<T>::infinity());
                            for (index_t j = 0; j < height; ++j)
                            {
                                least = xsimd::min(tile[j], least); // NaN: least (minps's 2nd operand)
                                row(j, std::true_type{});
                            }
                            whole = xsimd::any(least < B(Op::template edge_below<B>()));
                            pace.as_it_goes = whole ? pace.backoff : 0;
                            pace.backoff = whole ? std::min<index_t>(2 * pace.backoff, 64) : 1;
                        }
                    }
                    if (whole)
                        for (index_t j = 0; j < height; ++j)
                            row(j, std::false_type{});
                }
                else
                    simd::unrolled<B::size>(
                        [&](auto j)
                        {
                            if (full || static_cast<index_t>(decltype(j)::value) < h)
                                row(decltype(j)::value, std::false_type{});
                        });
            };
            const auto tile_at = [&](auto whole, index_t r0, index_t h, index_t c)
            {
                B tile[B::size];
                load_at(whole, r0, h, c, tile);
                emit_at(whole, r0, h, c, tile);
            };
            // Bands of two tiles where the rows they write (and read) spread over distinct
            // sets; the tiles' input lines, and the rows', asked for tile_ahead tile columns
            // on when the input spans more than prefetch_bytes.
            const bool two =
                rows_spread<T>(pitch, 2 * W) && ((K == A || !Rows || rows_spread<T>(outer[K], 2 * W)) && ...);
            const index_t band = two ? 2 * W : W;
            const bool far = tiles_from_memory<T>(b.n_inner, stride, prefetch_bytes);
            index_t r1 = simd::unaligned_head<Arch>(b.in[A], W); // the first band
            for (index_t r0 = 0; r0 < b.n_outer; r0 = r1, r1 = std::min(r0 + band, b.n_outer))
            {
                const index_t h = r1 - r0, whole = h / W * W;
                if (h == 0) // the input's rows start register-aligned
                    continue;
                const auto prefetch_at = [&](index_t c)
                {
                    // Approximate ops load each tile before running the op on the one
                    // before it (below), which hides the loads' latency; the tiles' lines
                    // asked for as well cost them time (C++, float32, 1 thread, medians
                    // of alternating runs, 1000x1000 / 1400x1400: exp(x.T) 168.8 ->
                    // 157.4 / 364.9 -> 308.6 us, sigmoid 180.0 -> 169.5 / 370.0 -> 331.4,
                    // tanh 191.5 -> 164.8 / 384.9 -> 321.2, log 215.3 -> 216.2 / 434.6
                    // -> 448.6; two threads exp 93.8 -> 85.7). The rows beside the tile
                    // are read in the op's loop and keep theirs.
                    if constexpr (!approximate_v<Op>)
                        tile_prefetch<W>(far, b.in[A] + r0 + c * stride, stride, c, b.n_inner, h);
                    if constexpr (Rows)
                        if (far && c + (tile_ahead + 1) * W <= b.n_inner)
                            for (index_t j = 0; j < h; ++j)
                                ((K != A ? __builtin_prefetch(b.in[K] + (r0 + j) * outer[K] + c + tile_ahead * W)
                                         : void()),
                                 ...);
                };
                if constexpr (approximate_v<Op>)
                {
                    // The band's tiles in turn, each transposed into one buffer while the
                    // op runs on the one before it in the other: the loads and shuffles of
                    // a tile, then the op on it, are more than the out-of-order window
                    // holds, so a tile at a time left the FMAs idle while the next one's
                    // loads and transpose went through (C++, float32 1000x1000, 1
                    // thread: exp(x.T) 195-206 -> 164-170 us, log(x.T) 250 -> 217; with
                    // the next two tiles ahead 160; memory-bound ops took 1.14-1.15x as
                    // long this way, and keep a tile at a time).
                    B bufs[2][B::size];
                    const auto visit = [&](index_t t, index_t c, auto f)
                    {
                        if (t + W <= h && c + W <= b.n_inner)
                            f(std::true_type{}, r0 + t, W, c);
                        else
                            f(std::false_type{}, r0 + t, std::min(W, h - t), c);
                    };
                    index_t t = 0, c = 0; // the tile to run the op on; its buffer: k & 1
                    prefetch_at(0);
                    visit(0, 0,
                          [&](auto whole, index_t tr, index_t th, index_t tc) { load_at(whole, tr, th, tc, bufs[0]); });
                    for (unsigned k = 0; c < b.n_inner; ++k)
                    {
                        const bool across = t + W >= h; // the next tile: (t + W, c) or (0, c + W)
                        const index_t nt = across ? 0 : t + W, nc = across ? c + W : c;
                        if (nc < b.n_inner)
                        {
                            if (nt == 0)
                                prefetch_at(nc);
                            visit(nt, nc, [&](auto whole, index_t tr, index_t th, index_t tc)
                                  { load_at(whole, tr, th, tc, bufs[(k + 1) & 1]); });
                        }
                        visit(t, c, [&](auto whole, index_t tr, index_t th, index_t tc)
                              { emit_at(whole, tr, th, tc, bufs[k & 1]); });
                        t = nt;
                        c = nc;
                    }
                }
                else
                {
                    const auto part = [&](index_t c) // the head or the last columns
                    {
                        for (index_t t = 0; t < h; t += W)
                            tile_at(std::false_type{}, r0 + t, std::min(W, h - t), c);
                    };
                    c0 = simd::unaligned_head<Arch>(b.out + r0 * pitch, W);
                    index_t c = 0;
                    if (c0 > 0)
                    {
                        part(0);
                        c = col_end(0);
                    }
                    for (; c + W <= b.n_inner; c += W)
                    {
                        prefetch_at(c);
                        for (index_t t = 0; t < whole; t += W)
                            tile_at(std::true_type{}, r0 + t, W, c);
                        if (whole < h)
                            tile_at(std::false_type{}, r0 + whole, h - whole, c);
                    }
                    if (c < b.n_inner)
                        part(c);
                }
            }
        }

        // For transposed_tiles_direct: {A, Rows} when input A is the one transposed input
        // and the others are all scalars (Rows false) or all contiguous rows whose pitch,
        // like the output's, spreads W rows (Rows true); else A = N.
        template <class T, std::size_t N>
        inline std::pair<std::size_t, bool> lone_transposed(const block<T, N>& b, unsigned tmask, index_t w) noexcept
        {
            const std::pair<std::size_t, bool> none{N, false};
            if (__builtin_popcount(tmask) != 1)
                return none;
            unsigned scalars = 0, rows = 0;
            for (std::size_t k = 0; k < N; ++k)
            {
                scalars += b.in_inner[k] == 0 && b.in_outer[k] == 0;
                rows += b.in_inner[k] == 1 && rows_spread<T>(b.in_outer[k], w);
            }
            const auto a = static_cast<std::size_t>(__builtin_ctz(tmask));
            if (scalars + 1 == N)
                return {a, false};
            if (rows + 1 == N && rows_spread<T>(b.out_outer, w))
                return {a, true};
            return none;
        }

        template <class Arch, class Op, class T, bool Stream, std::size_t N>
        inline void run_block(const Op& op, const block<T, N>& b) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            constexpr index_t W = static_cast<index_t>(B::size);
            // One exponent for the whole block (pow(x.T, 3), pow(x, 3, out=y[:, ::2])):
            // its shortcut in every walk, as dispatch_row takes it for an exponent that is
            // one value along each row. pow(x.T, 3) took 4.8x its contiguous time.
            if constexpr (std::is_same<Op, pow_op>::value)
                if (b.in_inner[1] == 0 && b.in_outer[1] == 0)
                    if (const auto twin = pow_constant_op::of(*b.in[1]); twin.kind != pow_constant_op::kind_t::none)
                        return run_block<Arch, pow_constant_op, T, Stream>(twin, b);
            if (b.out_inner != 1)
            {
                // Strided output: plain scalar loop (rare: out=x[:, ::2] and friends).
                scalar_rows<Arch>(op, b, 0, b.n_outer, 0, std::make_index_sequence<N>{});
                return;
            }
            unsigned tmask = 0;
            for (std::size_t k = 0; k < N; ++k)
                tmask |= transposed(b.in_inner[k], b.in_outer[k]) ? 1u << k : 0u;
            if constexpr (simd::has_transpose<Arch, T>())
            {
                if (tmask != 0 && b.n_outer >= W && b.n_inner >= W)
                {
                    if constexpr (!Stream)
                    {
                        const auto [a, rows] = lone_transposed(b, tmask, W);
                        bool done = false;
                        simd::unrolled<N>(
                            [&](auto k)
                            {
                                constexpr std::size_t A = decltype(k)::value;
                                if (a != A)
                                    return;
                                // For compile time (the AVX-512 kernels object: +12 s in all): the
                                // transposed input first or in a binary op (not clip(lo, x.T, hi));
                                // with rows, floating-point types and not clip's arrays of bounds.
                                if constexpr (A == 0 || N <= 2)
                                {
                                    if (!rows)
                                        transposed_tiles_direct<Arch, Op, T, A, false>(op, b,
                                                                                       std::make_index_sequence<N>{});
                                    else if constexpr (N > 1 && std::is_floating_point<T>::value
                                                       && !std::is_same<Op, clip_op>::value)
                                        transposed_tiles_direct<Arch, Op, T, A, true>(op, b,
                                                                                      std::make_index_sequence<N>{});
                                    else
                                        return;
                                    done = true;
                                }
                            });
                        if (done)
                            return;
                    }
                    transposed_bands<Arch, Op, T, Stream>(op, b, tmask);
                    return;
                }
            }
            rows<Arch, Op, T, Stream>(op, b, 0, b.n_outer, 0);
        }
    } // namespace detail

    template <class Arch, class Op, class T>
    void elementwise(const block<T, Op::arity>& b, store_mode mode) noexcept
    {
        Op op{};
        if constexpr (std::is_same<Op, fma_op>::value)
            op.fused = simd::has_fma<Arch>(); // the scalar tail rounds as the batch body does
        // Streaming stores need register-aligned rows; for_each_lane aligns the start of
        // each row, which is enough when the output is aligned to its element size.
        if (mode == store_mode::stream && reinterpret_cast<std::uintptr_t>(b.out) % sizeof(T) == 0)
        {
            detail::run_block<Arch, Op, T, true>(op, b);
            simd::stream_fence();
        }
        else
            detail::run_block<Arch, Op, T, false>(op, b);
    }
} // namespace pyperf_tensor::kernels
