// Elementwise operations. Each op comes in three forms, as in xtensor's semantics:
//   add(a, b)            -> a new tensor
//   add_into(out, a, b)  -> writes out (any strides), returns nothing
//   add_(a, b)           -> a += b in place, never allocates
// Operands are pyperf_tensor tensors/views, xtensor containers, or arithmetic scalars;
// shapes broadcast as in NumPy. Work above PYPERF_TENSOR_ELEMENTWISE_GRAIN elements is
// split over the thread pool.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>

#if defined(__linux__)
#include <unistd.h>
#endif

#include "../core/tensor.hpp"
#include "../kernels/elementwise.hpp"
#include "../parallel/parallel_for.hpp"
#include "detail/nd_iter.hpp"

namespace pyperf_tensor
{
    namespace detail
    {
        // Outputs are written with streaming stores when they exceed
        // PYPERF_TENSOR_STREAMING_STORE_BYTES (or half the last-level cache, if the OS
        // reports a smaller one), as glibc's memcpy does past a similar threshold, and on
        // one thread also when the inputs read besides them do: the output would evict
        // them anyway, and skipping the read-for-ownership saves a quarter of the memory
        // traffic. C++, float32, 1 thread: an add with 5 / 6 / 8 MB outputs (10 / 12 / 16
        // MB of inputs) took 1.17x / 1.36x / 1.75x as long with ordinary stores, while neg,
        // whose input is no larger than its output, is faster with them up to about 10 MB.
        // Not on two threads: the cache's bandwidth doubles and the memory's does not
        // (Python, 2 threads, fma with 16.8 MB of inputs, float32 and float64: 1.4x as long
        // streamed, 144 -> 202 us and 142 -> 205 us; with 24 MB, the same time).
        inline std::size_t streaming_threshold_bytes() noexcept
        {
            static const std::size_t bytes = []
            {
                std::size_t limit = PYPERF_TENSOR_STREAMING_STORE_BYTES;
#if defined(_SC_LEVEL3_CACHE_SIZE)
                const long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
                if (l3 > 0 && static_cast<std::size_t>(l3) / 2 < limit)
                    limit = static_cast<std::size_t>(l3) / 2;
#endif
                return limit;
            }();
            return bytes;
        }
        // On one thread only where every array input sits at the output's offset within a
        // cache line, element for element (`congruent`): a streamed output whose inputs'
        // loads straddle lines where its stores do not took up to twice as long, and
        // longer than ordinary stores (C++, add, float64, 1 thread, Zen 5 EPYC: 1000x1000
        // 186-190 us streamed with the arrays congruent, 282-392 streamed and 244-279 with
        // ordinary stores when not; 2000x2000 from memory 1334 congruent, 2046-2222
        // streamed and 1921-1937 ordinary when not). NumPy's allocations are 16 bytes past
        // a line as often as not. Two threads stream either way (2000x2000, out 16 bytes
        // off: 1218 streamed, 1564 ordinary).
        inline kernels::store_mode store_mode_for(std::size_t output_bytes, std::size_t input_bytes,
                                                  std::size_t threads, bool congruent) noexcept
        {
            const std::size_t limit = streaming_threshold_bytes();
            if (threads == 1)
                return congruent && (output_bytes > limit || input_bytes > limit) ? kernels::store_mode::stream
                                                                                  : kernels::store_mode::normal;
            return output_bytes > limit ? kernels::store_mode::stream : kernels::store_mode::normal;
        }

        // Whether each array input's elements lie at the same offset within a 64-byte line
        // as the output's they pair with (scalars and inputs that are the output count as
        // such): its base address, and its stride along every axis the output spans,
        // congruent to the output's modulo 64 bytes.
        template <class T, std::size_t N>
        bool line_congruent(const std::array<dims, N + 1>& strides, const std::array<const T*, N>& data,
                            const view<T>& out) noexcept
        {
            constexpr std::ptrdiff_t line = 64;
            for (std::size_t k = 0; k < N; ++k)
            {
                bool scalar = true;
                for (std::size_t i = 0; i < out.rank(); ++i)
                    scalar = scalar && (out.shape()[i] <= 1 || strides[k + 1][i] == 0);
                if (scalar)
                    continue;
                const auto gap = reinterpret_cast<std::intptr_t>(data[k]) - reinterpret_cast<std::intptr_t>(out.data());
                if (gap % line != 0)
                    return false;
                for (std::size_t i = 0; i < out.rank(); ++i)
                    if (out.shape()[i] > 1
                        && (strides[k + 1][i] - strides[0][i]) * static_cast<std::ptrdiff_t>(sizeof(T)) % line != 0)
                        return false;
            }
            return true;
        }

        // The bytes the inputs occupy (each the output's extent along the axes it is not
        // broadcast on; an input that is the output itself adds nothing) for
        // store_mode_for, or 0 if an input is transposed: that takes the kernel's tile path,
        // which writes W rows at once with ordinary stores (1 thread, fma(a.T, b, c) at
        // 1000x1000 float32 took 1.25x as long streamed, through the bands).
        template <class T, std::size_t N, class Plan>
        std::size_t input_bytes(const Plan& plan, const std::array<dims, N + 1>& strides,
                                const std::array<const T*, N>& data, const view<T>& out)
        {
            for (std::size_t k = 1; k <= N && plan.rank > 1; ++k)
                if (kernels::detail::transposed(plan.strides[k][plan.rank - 1], plan.strides[k][plan.rank - 2]))
                    return 0;
            std::size_t elements = 0;
            for (std::size_t k = 0; k < N; ++k)
            {
                if (data[k] == out.data() && strides[k + 1] == strides[0])
                    continue;
                std::size_t e = 1;
                for (std::size_t i = 0; i < out.rank(); ++i)
                    if (strides[k + 1][i] != 0)
                        e *= static_cast<std::size_t>(out.shape()[i]);
                elements += e;
            }
            return elements * sizeof(T);
        }

        // Reject outputs whose elements alias one another (a zero stride on a real axis):
        // the result would depend on the order of writes.
        template <class T>
        void check_output_layout(const view<T>& out)
        {
            for (std::size_t i = 0; i < out.rank(); ++i)
                if (out.shape()[i] > 1 && out.strides()[i] == 0)
                    throw argument_error("output has overlapping elements (zero stride on axis " + std::to_string(i)
                                         + " of shape " + to_string(out.shape()) + ")");
        }

        // An input that partially overlaps the output is read from a private copy first,
        // which is what NumPy does; an input that is exactly the output (same address and
        // strides) is safe in place, since each element is read before it is written.
        template <class T>
        struct safe_input
        {
            safe_input(view<const T> in, const view<T>& out) : v(in)
            {
                if (!may_overlap(in, out)
                    || (in.data() == out.data()
                        && broadcast_strides(in, out.shape()) == broadcast_strides(out, out.shape())))
                    return;
                copy = tensor<T>::uninitialized(in.shape());
                const auto p = make_plan<2>(in.shape(), {copy.strides(), in.strides()});
                for_each_block(p, 0, p.size / unit_size(p),
                               [&](const std::array<index_t, 2>& off, const std::array<index_t, 2>& inner,
                                   const std::array<index_t, 2>& outer, index_t n_inner, index_t n_outer)
                               {
                                   for (index_t r = 0; r < n_outer; ++r)
                                       for (index_t c = 0; c < n_inner; ++c)
                                           copy.data()[off[0] + r * outer[0] + c * inner[0]] =
                                               in.data()[off[1] + r * outer[1] + c * inner[1]];
                               });
                v = copy.as_view();
            }
            view<const T> v;
            tensor<T> copy;
        };

        // Rows of a 2-D plan until the first transposed input (kernels::detail::transposed)
        // starts on a PYPERF_TENSOR_ALIGNMENT boundary, where the kernel's first whole band
        // begins; 0 without one. Threads' pieces of rows then start there too: pieces cut
        // at other rows each began and ended with a partial band, which costs the tile
        // transposes of a whole one.
        template <class T, std::size_t M, std::size_t N>
        index_t transposed_phase(const nd_plan<M>& p, const std::array<const T*, N>& data) noexcept
        {
            if (p.rank != 2)
                return 0;
            for (std::size_t k = 0; k < N; ++k)
                if (kernels::detail::transposed(p.strides[k + 1][1], p.strides[k + 1][0]))
                {
                    const auto misalign =
                        reinterpret_cast<std::uintptr_t>(data[k] + p.base[k + 1]) % PYPERF_TENSOR_ALIGNMENT;
                    return misalign % sizeof(T) ? 0
                                                : static_cast<index_t>((PYPERF_TENSOR_ALIGNMENT - misalign)
                                                                       % PYPERF_TENSOR_ALIGNMENT / sizeof(T));
                }
            return 0;
        }
    } // namespace detail

    // The engine behind every elementwise op: validates and broadcasts shapes, handles
    // aliasing, splits the work over the pool, and calls `kernel` on 2-D blocks. The
    // Python bindings call it with a kernel chosen at run time; C++ users normally call
    // add(), add_into(), add_() and friends.
    template <class T, std::size_t N>
    void apply_elementwise(kernels::elementwise_kernel<T, N> kernel, view<T> out,
                           const std::array<view<const T>, N>& inputs)
    {
        std::array<dims, N> shapes;
        for (std::size_t k = 0; k < N; ++k)
            shapes[k] = inputs[k].shape();
        const dims shape = broadcast_shapes(shapes.begin(), shapes.end());
        dims full;
        if (!try_broadcast(shape, out.shape(), full) || full != out.shape())
            throw shape_error("output shape " + to_string(out.shape()) + " does not match the broadcast shape "
                              + to_string(shape) + " of the inputs");
        if (out.size() == 0)
            return;
        detail::check_output_layout(out);
        std::array<std::optional<detail::safe_input<T>>, N> safe;
        std::array<dims, N + 1> strides;
        strides[0] = out.strides();
        std::array<const T*, N> data;
        for (std::size_t k = 0; k < N; ++k)
        {
            safe[k].emplace(inputs[k], out);
            strides[k + 1] = detail::broadcast_strides(safe[k]->v, out.shape());
            data[k] = safe[k]->v.data();
        }
        const auto plan = detail::make_plan<N + 1>(out.shape(), strides);
        const index_t unit = detail::unit_size(plan);
        const index_t grain = (PYPERF_TENSOR_ELEMENTWISE_GRAIN + unit - 1) / unit;
        const auto mode = detail::store_mode_for(
            static_cast<std::size_t>(plan.size) * sizeof(T), detail::input_bytes(plan, strides, data, out),
            static_cast<std::size_t>(parallel_for_threads(plan.size / unit, grain)),
            detail::line_congruent(strides, data, out));
        T* const po = out.data();
        parallel_for(
            0, plan.size / unit, grain,
            [&](index_t lo, index_t hi)
            {
                detail::for_each_block(plan, lo, hi,
                                       [&](const std::array<index_t, N + 1>& off,
                                           const std::array<index_t, N + 1>& inner,
                                           const std::array<index_t, N + 1>& outer, index_t n_inner, index_t n_outer)
                                       {
                                           kernels::block<T, N> b;
                                           for (std::size_t k = 0; k < N; ++k)
                                           {
                                               b.in[k] = data[k] + off[k + 1];
                                               b.in_inner[k] = inner[k + 1];
                                               b.in_outer[k] = outer[k + 1];
                                           }
                                           b.out = po + off[0];
                                           b.out_inner = inner[0];
                                           b.out_outer = outer[0];
                                           b.n_inner = n_inner;
                                           b.n_outer = n_outer;
                                           kernel(b, mode);
                                       });
            },
            0, detail::transposed_phase(plan, data));
    }

    namespace detail
    {
        // An operand as a read-only view: containers and views are viewed in place, an
        // arithmetic scalar becomes a 0-d view of a private copy.
        template <class T, class A, bool = std::is_arithmetic<A>::value>
        struct input
        {
            explicit input(const A& a) : v(make_view(a)) {}
            view<const T> v;
        };
        template <class T, class A>
        struct input<T, A, true>
        {
            explicit input(A a) : value(static_cast<T>(a)), v(&value, dims{}) {}
            input(const input&) = delete;
            T value;
            view<const T> v;
        };

        template <class A, class = void>
        struct value_type_of
        {
            using type = void; // arithmetic scalars adopt the other operands' type
        };
        template <class A>
        struct value_type_of<A, std::enable_if_t<!std::is_arithmetic<A>::value>>
        {
            using type = std::remove_const_t<std::remove_pointer_t<decltype(std::declval<A&>().data())>>;
        };

        template <class... A>
        struct common_value_type
        {
            using type = void;
        };
        template <class A, class... Rest>
        struct common_value_type<A, Rest...>
        {
            using ta = typename value_type_of<std::decay_t<A>>::type;
            using tr = typename common_value_type<Rest...>::type;
            static_assert(std::is_void<ta>::value || std::is_void<tr>::value || std::is_same<ta, tr>::value,
                          "pyperf_tensor: operands have different value types; convert one explicitly");
            using type = std::conditional_t<std::is_void<ta>::value, tr, ta>;
        };

        template <class... In>
        using value_t = typename common_value_type<In...>::type;

        template <class Op, class T>
        constexpr void check_op()
        {
            static_assert(!std::is_void<T>::value,
                          "pyperf_tensor: at least one operand must be a tensor, view or container");
            static_assert(Op::template supports<T>, "pyperf_tensor: this op does not support this value type");
        }

        template <class Op, class T, class Out, class... In, std::size_t... K>
        void run_op(Out&& out, std::index_sequence<K...>, const In&... in)
        {
            const std::tuple<input<T, std::decay_t<In>>...> views(in...);
            apply_elementwise<T, sizeof...(In)>(&kernels::elementwise<simd::default_arch, Op, T>, view<T>(out),
                                                {std::get<K>(views).v...});
        }
    } // namespace detail

    // out = op(in...), written into `out` (its shape must be the broadcast shape).
    template <class Op, class Out, class... In>
    void apply_into(Out&& out, const In&... in)
    {
        static_assert(sizeof...(In) == Op::arity, "wrong number of operands for this op");
        using T = detail::value_t<In...>;
        detail::check_op<Op, T>();
        detail::run_op<Op, T>(out, std::index_sequence_for<In...>{}, in...);
    }

    // op(in...) as a new C-contiguous tensor.
    template <class Op, class... In>
    auto apply(const In&... in)
    {
        static_assert(sizeof...(In) == Op::arity, "wrong number of operands for this op");
        using T = detail::value_t<In...>;
        detail::check_op<Op, T>();
        auto out = tensor<T>::uninitialized(broadcast_shapes({detail::input<T, std::decay_t<In>>(in).v.shape()...}));
        detail::run_op<Op, T>(out, std::index_sequence_for<In...>{}, in...);
        return out;
    }

// name(in...) -> tensor, name_into(out, in...), name_(x, rest...) in place (x = op(x, rest...)).
#define PYPERF_TENSOR_PUBLIC_OP(name)                                                                                  \
    template <class... In>                                                                                             \
    auto name(const In&... in)                                                                                         \
    {                                                                                                                  \
        return apply<kernels::name##_op>(in...);                                                                       \
    }                                                                                                                  \
    template <class Out, class... In>                                                                                  \
    void name##_into(Out&& out, const In&... in)                                                                       \
    {                                                                                                                  \
        apply_into<kernels::name##_op>(out, in...);                                                                    \
    }                                                                                                                  \
    template <class X, class... Rest>                                                                                  \
    void name##_(X&& x, const Rest&... rest)                                                                           \
    {                                                                                                                  \
        apply_into<kernels::name##_op>(x, x, rest...);                                                                 \
    }

    PYPERF_TENSOR_PUBLIC_OP(add)
    PYPERF_TENSOR_PUBLIC_OP(sub)
    PYPERF_TENSOR_PUBLIC_OP(mul)
    PYPERF_TENSOR_PUBLIC_OP(div)
    PYPERF_TENSOR_PUBLIC_OP(maximum)
    PYPERF_TENSOR_PUBLIC_OP(minimum)
    PYPERF_TENSOR_PUBLIC_OP(pow)
    PYPERF_TENSOR_PUBLIC_OP(neg)
    PYPERF_TENSOR_PUBLIC_OP(abs)
    PYPERF_TENSOR_PUBLIC_OP(sqrt)
    PYPERF_TENSOR_PUBLIC_OP(exp)
    PYPERF_TENSOR_PUBLIC_OP(log)
    PYPERF_TENSOR_PUBLIC_OP(square)
    PYPERF_TENSOR_PUBLIC_OP(reciprocal)
    PYPERF_TENSOR_PUBLIC_OP(fma)
    PYPERF_TENSOR_PUBLIC_OP(clip)
    // (PYPERF_TENSOR_PUBLIC_OP stays defined: ops/activation.hpp declares its pointwise ops with it.)
} // namespace pyperf_tensor
