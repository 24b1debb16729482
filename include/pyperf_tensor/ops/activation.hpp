// Activations. Pointwise ones come in the three forms of the elementwise ops:
//   sigmoid(x) -> a new tensor, sigmoid_into(out, x), sigmoid_(x) in place
// for relu, sigmoid, tanh, silu, gelu (exact, or approximation::tanh), leaky_relu
// (negative_slope = 0.01). softmax and log_softmax normalise along one axis (any axis,
// any strides), or over the whole array (all_axes), in one fused pass per slice: max, sum
// of exponentials, scale.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../core/axes.hpp"
#include "../kernels/activation.hpp"
#include "elementwise.hpp"

namespace pyperf_tensor
{
    PYPERF_TENSOR_PUBLIC_OP(relu)
    PYPERF_TENSOR_PUBLIC_OP(sigmoid)
    PYPERF_TENSOR_PUBLIC_OP(tanh)
    PYPERF_TENSOR_PUBLIC_OP(silu)

    // GELU: exact x * Phi(x) (erf), or PyTorch's approximate="tanh" formula.
    enum class gelu_approximation
    {
        none,
        tanh
    };

    template <class X>
    auto gelu(const X& x, gelu_approximation a = gelu_approximation::none)
    {
        return a == gelu_approximation::none ? apply<kernels::gelu_op>(x) : apply<kernels::gelu_tanh_op>(x);
    }
    template <class Out, class X>
    void gelu_into(Out&& out, const X& x, gelu_approximation a = gelu_approximation::none)
    {
        a == gelu_approximation::none ? apply_into<kernels::gelu_op>(out, x)
                                      : apply_into<kernels::gelu_tanh_op>(out, x);
    }
    template <class X>
    void gelu_(X&& x, gelu_approximation a = gelu_approximation::none)
    {
        gelu_into(x, x, a);
    }

    // x > 0 ? x : negative_slope * x. negative_slope may also be an array that
    // broadcasts against x (a per-channel slope, as PReLU).
    template <class X, class S = double>
    auto leaky_relu(const X& x, const S& negative_slope = 0.01)
    {
        return apply<kernels::leaky_relu_op>(x, negative_slope);
    }
    template <class Out, class X, class S = double>
    void leaky_relu_into(Out&& out, const X& x, const S& negative_slope = 0.01)
    {
        apply_into<kernels::leaky_relu_op>(out, x, negative_slope);
    }
    template <class X, class S = double>
    void leaky_relu_(X&& x, const S& negative_slope = 0.01)
    {
        apply_into<kernels::leaky_relu_op>(x, x, negative_slope);
    }

    namespace detail
    {
        // A slice of at least softmax_split_from elements that is the only one (a vector,
        // axis=None) is cut into pieces of softmax_piece_length elements, which the pool
        // takes in steps (kernels::softmax_piece): softmax reads x once when its
        // exponentials need no shift (the usual case, and masks), log_softmax always. The
        // pieces do not depend on the thread count, nor does the result. Below that size
        // one thread takes the slice in one call.
        inline constexpr index_t softmax_split_from = index_t{1} << 16;
        inline constexpr index_t softmax_piece_length = index_t{1} << 13;

        template <class T>
        void softmax_slice(kernels::softmax_kernel<T> kernel, const T* in, index_t in_step, T* out, index_t out_step,
                           index_t n, bool log)
        {
            if (n < softmax_split_from)
                return kernel({in, out, n, in_step, out_step, 1, 0, 0}, log);
            using piece = kernels::softmax_piece<T>;
            std::vector<piece> pieces(static_cast<std::size_t>((n + softmax_piece_length - 1) / softmax_piece_length));
            auto run = [&](decltype(piece::first) step)
            {
                parallel_for_each(0, static_cast<index_t>(pieces.size()),
                                  [&](index_t j)
                                  {
                                      piece& p = pieces[static_cast<std::size_t>(j)];
                                      p.step = step;
                                      const index_t first = j * softmax_piece_length;
                                      kernel({in + first * in_step, out + first * out_step,
                                              std::min(softmax_piece_length, n - first), in_step, out_step, 1, 0, 0,
                                              &p},
                                             log);
                                  });
            };
            run(piece::first);
            T mx = -std::numeric_limits<T>::infinity(), mn = std::numeric_limits<T>::infinity();
            for (const piece& p : pieces)
            {
                mx = p.max > mx ? p.max : mx; // NaN skipped: the sum catches it
                mn = p.min < mn ? p.min : mn;
            }
            double total = 0.0;
            for (piece& p : pieces)
            {
                if (log) // each piece summed exp(x - its maximum)
                    total += p.sum == 0.0 ? 0.0 : p.sum * std::exp(static_cast<double>(p.max) - mx);
                p.max = mx;
                p.min = mn;
            }
            if (!log)
            {
                // the unshifted exponentials do not stand, or were not taken (in place)
                if (!kernels::softmax_unshifted(mx, mn) || static_cast<const T*>(out) == in)
                    run(piece::exps);
                for (const piece& p : pieces)
                    total += p.sum;
            }
            const T f = static_cast<T>(log ? std::log(total) : 1.0 / total);
            const bool careful = !(static_cast<double>(mx) - mn < kernels::detail::safe_spread(n));
            for (piece& p : pieces)
            {
                p.f = f;
                p.careful = careful;
            }
            run(piece::finish);
        }
    } // namespace detail

    // The engine behind softmax and log_softmax: out (same shape as x, any strides) =
    // softmax of x along one axis (negative counts from the end; a 0-d x is one slice of
    // one element), or over all of x (all_axes, or every axis listed: NumPy's and SciPy's
    // axis=None) when x and out each lie at one stride once their axes are ordered and
    // merged (contiguous arrays, transposes, [::2] of a vector; argument_error for others,
    // which would need a copy). Slices are spread over the pool; each slice's result does
    // not depend on the thread count. Slices whose elements are contiguous run as rows;
    // when instead neighbouring slices are contiguous (an outer axis), the kernel
    // vectorises across slices. A slice that is the only one (a vector, axis=None) is
    // split over the pool from softmax_split_from elements.
    template <class T>
    void apply_softmax(kernels::softmax_kernel<T> kernel, view<T> out, view<const T> x, const axes& along, bool log)
    {
        const char* op = log ? "log_softmax" : "softmax";
        if (out.shape() != x.shape())
            throw shape_error(std::string(op) + ": output shape " + to_string(out.shape())
                              + " does not match the input shape " + to_string(x.shape()));
        const int nd = static_cast<int>(x.rank());
        bool whole = true;
        int axis = 0;
        if (!along.all && along.list.size() == 1)
        {
            axis = along.list[0];
            const int lim = nd == 0 ? 1 : nd; // a 0-d x's axis 0 or -1: its one slice
            if (axis < -lim || axis >= lim)
                throw axis_error(std::string(op) + ": axis " + std::to_string(axis)
                                 + " is out of bounds for array of dimension " + std::to_string(nd));
            whole = nd == 0;
        }
        else
        {
            const auto mask = detail::axes_mask(along, x.rank(), op);
            if (std::find(mask.begin(), mask.end(), false) != mask.end())
                throw argument_error(std::string(op) + ": axis must be None or a single axis");
        }
        if (out.size() == 0)
            return;
        detail::check_output_layout(out);
        const detail::safe_input<T> safe(x, out);
        if (whole)
        {
            const auto p = detail::make_plan<2>(out.shape(), {out.strides(), safe.v.strides()});
            if (p.rank > 1)
                throw argument_error(std::string(op) + ": axis=None over a " + to_string(x.shape())
                                     + " array needs x and out each at one stride (contiguous, or transposed); "
                                       "these are not: pass a single axis, or a contiguous copy of x");
            const index_t out_step = p.rank ? p.strides[0][0] : 1, in_step = p.rank ? p.strides[1][0] : 1;
            return detail::softmax_slice(kernel, safe.v.data() + p.base[1], in_step, out.data() + p.base[0], out_step,
                                         p.size, log);
        }
        const std::size_t a = static_cast<std::size_t>(axis < 0 ? axis + nd : axis);
        dims kept, kept_in, kept_out;
        for (std::size_t d = 0; d < x.rank(); ++d)
            if (d != a)
            {
                kept.push_back(x.shape()[d]);
                kept_in.push_back(safe.v.strides()[d]);
                kept_out.push_back(out.strides()[d]);
            }
        const index_t n = x.shape()[a], in_axis = safe.v.strides()[a], out_axis = out.strides()[a];
        const auto plan = detail::make_plan<2>(kept, {kept_out, kept_in});
        const std::size_t r = plan.rank;
        const index_t inner = r ? plan.shape[r - 1] : 1;
        const index_t out_lane = r ? plan.strides[0][r - 1] : 0, in_lane = r ? plan.strides[1][r - 1] : 0;
        const index_t outer = plan.size / inner;
        if (plan.size == 1)
            return detail::softmax_slice(kernel, safe.v.data() + plan.base[1], in_axis, out.data() + plan.base[0],
                                         out_axis, n, log);
        // The pool splits the slices (outer x inner, inner fastest); each piece is cut
        // into runs of neighbouring slices of one outer position, one kernel call each.
        // Slices side by side (an outer axis): one contiguous piece per thread. Pieces that
        // interleave make neighbouring threads write neighbouring lines of every row, and
        // the prefetchers then bounce those lines between the cores (2 threads were slower
        // than 1 at 1000x1000, axis 0). So does the one line where two pieces meet, in
        // every row unless the rows are a whole number of lines apart: the slices of
        // one line there (64 bytes) run on the calling thread after the others (a seam),
        // so that no two pieces share a line. A seam of two lines (against the
        // adjacent-line prefetcher too) cost a second strip on one thread: C++, 1000x1000
        // float32 along axis 0, 2 threads, six runs alternating, two lines 333-369 us, one
        // line 314-334 (none: 300-326, but lines written by both threads).
        const bool side_by_side = !(in_axis == 1 && out_axis == 1) && in_lane == 1 && out_lane == 1;
        const auto threads = static_cast<index_t>(get_num_threads());
        const index_t grain = side_by_side ? std::max<index_t>(16384 / n, (outer * inner + threads - 1) / threads)
                                           : std::max<index_t>(1, 4096 / n);
        const T* const in = safe.v.data();
        T* const po = out.data();
        parallel_for(
            0, outer * inner, grain,
            [&](index_t lo, index_t hi)
            {
                while (lo < hi)
                {
                    const index_t first = lo % inner, lanes = std::min(inner - first, hi - lo);
                    index_t o = lo / inner, off_in = plan.base[1], off_out = plan.base[0];
                    for (std::size_t d = r > 0 ? r - 1 : 0; d-- > 0;) // the axes outside `inner`
                    {
                        const index_t i = o % plan.shape[d];
                        o /= plan.shape[d];
                        off_in += i * plan.strides[1][d];
                        off_out += i * plan.strides[0][d];
                    }
                    kernel({in + off_in + first * in_lane, po + off_out + first * out_lane, n, in_axis, out_axis, lanes,
                            in_lane, out_lane},
                           log);
                    lo += lanes;
                }
            },
            side_by_side ? static_cast<index_t>(64 / sizeof(T)) : 0);
    }

    namespace detail
    {
        template <class Out, class X>
        void softmax_into(Out&& out, const X& x, const axes& axis, bool log)
        {
            using T = value_t<X>;
            static_assert(std::is_floating_point<T>::value, "pyperf_tensor: softmax needs float or double");
            const input<T, std::decay_t<X>> in(x);
            apply_softmax<T>(&kernels::softmax<simd::default_arch, T>, view<T>(out), in.v, axis, log);
        }
    } // namespace detail

// name(x, axis) -> tensor, name_into(out, x, axis), name_(x, axis) in place; axis: an
// int, or all_axes for the whole array.
#define PYPERF_TENSOR_SOFTMAX_FORMS(name, log)                                                                         \
    template <class Out, class X>                                                                                      \
    void name##_into(Out&& out, const X& x, const axes& axis = -1)                                                     \
    {                                                                                                                  \
        detail::softmax_into(out, x, axis, log);                                                                       \
    }                                                                                                                  \
    template <class X>                                                                                                 \
    auto name(const X& x, const axes& axis = -1)                                                                       \
    {                                                                                                                  \
        auto out = tensor<detail::value_t<X>>::uninitialized(make_view(x).shape());                                    \
        detail::softmax_into(out, x, axis, log);                                                                       \
        return out;                                                                                                    \
    }                                                                                                                  \
    template <class X>                                                                                                 \
    void name##_(X&& x, const axes& axis = -1)                                                                         \
    {                                                                                                                  \
        detail::softmax_into(x, x, axis, log);                                                                         \
    }

    PYPERF_TENSOR_SOFTMAX_FORMS(softmax, false)
    PYPERF_TENSOR_SOFTMAX_FORMS(log_softmax, true)
#undef PYPERF_TENSOR_SOFTMAX_FORMS
} // namespace pyperf_tensor
