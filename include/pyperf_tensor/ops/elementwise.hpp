// Elementwise operations. Each op comes in three forms, as in xtensor's semantics:
//   add(a, b)            -> a new tensor
//   add_into(out, a, b)  -> writes out (any strides), returns nothing
//   add_(a, b)           -> a += b in place, never allocates
// Operands are pyperf_tensor tensors/views, xtensor containers, or arithmetic scalars;
// shapes broadcast as in NumPy. Work above PYPERF_TENSOR_ELEMENTWISE_GRAIN elements is
// split over the thread pool.
#pragma once

#include <array>
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
        // Outputs above PYPERF_TENSOR_STREAMING_STORE_BYTES (or half the last-level cache,
        // if the OS reports a smaller one) are written with streaming stores, as glibc's
        // memcpy does past a similar threshold: they would evict the inputs anyway, and
        // skipping the read-for-ownership saves a quarter of the memory traffic.
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
        inline kernels::store_mode store_mode_for(std::size_t output_bytes) noexcept
        {
            return output_bytes > streaming_threshold_bytes() ? kernels::store_mode::stream
                                                              : kernels::store_mode::normal;
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
                for_each_run(p, 0, p.size,
                             [&](const std::array<index_t, 2>& off, const std::array<index_t, 2>& st, index_t n)
                             {
                                 for (index_t i = 0; i < n; ++i)
                                     copy.data()[off[0] + i * st[0]] = in.data()[off[1] + i * st[1]];
                             });
                v = copy.as_view();
            }
            view<const T> v;
            tensor<T> copy;
        };
    } // namespace detail

    // The engine behind every binary op: validates, broadcasts, handles aliasing and
    // threads, and calls `kernel` on 1-D runs. The Python bindings call it with a kernel
    // chosen at run time; C++ users normally call add_into and friends.
    template <class T>
    void apply_binary(kernels::binary_kernel<T> kernel, view<T> out, view<const T> a, view<const T> b)
    {
        dims shape;
        if (!try_broadcast(a.shape(), b.shape(), shape))
            throw shape_error("operands could not be broadcast together with shapes " + to_string(a.shape()) + " "
                              + to_string(b.shape()));
        dims full;
        if (!try_broadcast(shape, out.shape(), full) || full != out.shape())
            throw shape_error("output shape " + to_string(out.shape()) + " does not match the broadcast shape "
                              + to_string(shape) + " of the inputs");
        if (out.size() == 0)
            return;
        detail::check_output_layout(out);
        const detail::safe_input<T> sa(a, out), sb(b, out);
        const auto plan =
            detail::make_plan<3>(out.shape(), {out.strides(), detail::broadcast_strides(sa.v, out.shape()),
                                               detail::broadcast_strides(sb.v, out.shape())});
        const auto mode = detail::store_mode_for(static_cast<std::size_t>(plan.size) * sizeof(T));
        T* const po = out.data();
        const T* const pa = sa.v.data();
        const T* const pb = sb.v.data();
        parallel_for(0, plan.size, PYPERF_TENSOR_ELEMENTWISE_GRAIN,
                     [&](index_t lo, index_t hi)
                     {
                         detail::for_each_run(
                             plan, lo, hi,
                             [&](const std::array<index_t, 3>& off, const std::array<index_t, 3>& st, index_t n)
                             { kernel(pa + off[1], st[1], pb + off[2], st[2], po + off[0], st[0], n, mode); });
                     });
    }

    namespace detail
    {
        // An operand as a read-only view: containers and views are viewed in place,
        // an arithmetic scalar becomes a 0-d view of a private copy.
        template <class T, class A>
        struct input
        {
            explicit input(const A& a) : v(make_view(a)) {}
            view<const T> v;
        };
        template <class T, class A>
        struct scalar_input
        {
            explicit scalar_input(A a) : value(static_cast<T>(a)), v(&value, dims{}) {}
            T value;
            view<const T> v;
        };

        template <class A, class = void>
        struct value_type_of
        {
            using type = void; // arithmetic scalars adopt the other operand's type
        };
        template <class A>
        struct value_type_of<A, std::enable_if_t<!std::is_arithmetic<A>::value>>
        {
            using type = std::remove_const_t<std::remove_pointer_t<decltype(std::declval<A&>().data())>>;
        };

        template <class A, class B>
        struct common_value_type
        {
            using ta = typename value_type_of<std::decay_t<A>>::type;
            using tb = typename value_type_of<std::decay_t<B>>::type;
            static_assert(!std::is_void<ta>::value || !std::is_void<tb>::value,
                          "pyperf_tensor: at least one operand must be a tensor, view or container");
            static_assert(std::is_void<ta>::value || std::is_void<tb>::value || std::is_same<ta, tb>::value,
                          "pyperf_tensor: operands have different value types; convert one explicitly");
            using type = std::conditional_t<std::is_void<ta>::value, tb, ta>;
        };

        template <class T, class A>
        using input_t = std::conditional_t<std::is_arithmetic<std::decay_t<A>>::value, scalar_input<T, std::decay_t<A>>,
                                           input<T, std::decay_t<A>>>;

        template <class Op, class T>
        constexpr kernels::binary_kernel<T> default_binary_kernel() noexcept
        {
            return &kernels::binary<simd::default_arch, Op, T>;
        }
    } // namespace detail

    // out = op(a, b), written into `out` (shape must equal the broadcast shape).
    template <class Op, class Out, class A, class B>
    void binary_into(Out&& out, const A& a, const B& b)
    {
        using T = typename detail::common_value_type<A, B>::type;
        const detail::input_t<T, A> ia(a);
        const detail::input_t<T, B> ib(b);
        apply_binary<T>(detail::default_binary_kernel<Op, T>(), view<T>(out), ia.v, ib.v);
    }

    // op(a, b) as a new C-contiguous tensor.
    template <class Op, class A, class B>
    auto binary(const A& a, const B& b)
    {
        using T = typename detail::common_value_type<A, B>::type;
        const detail::input_t<T, A> ia(a);
        const detail::input_t<T, B> ib(b);
        auto out = tensor<T>::uninitialized(broadcast_shapes(ia.v.shape(), ib.v.shape()));
        apply_binary<T>(detail::default_binary_kernel<Op, T>(), out.as_view(), ia.v, ib.v);
        return out;
    }

    template <class Out, class A, class B>
    void add_into(Out&& out, const A& a, const B& b)
    {
        binary_into<kernels::add_op>(out, a, b);
    }
    template <class A, class B>
    auto add(const A& a, const B& b)
    {
        return binary<kernels::add_op>(a, b);
    }
    // a += b (b broadcasts to a's shape).
    template <class A, class B>
    void add_(A&& a, const B& b)
    {
        binary_into<kernels::add_op>(a, a, b);
    }
} // namespace pyperf_tensor
