// Reductions: sum mean prod max min argmax argmin var stddev over any axes, with NumPy's
// result types and edge cases. Each comes as
//   sum(x, axes = all_axes, keepdims = false) -> a new tensor (0-d for a full reduction)
//   sum_into(out, x, axes)                   -> writes out (shape: kept axes, or with 1s)
// (var/stddev take ddof after axes; stddev is NumPy's std). Results are the same bits for any thread count: the work
// is cut into blocks of fixed size (never by thread) whose partial results are combined in
// a fixed order. float32 sums accumulate in float64, and sums are pairwise throughout.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/axes.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../core/view.hpp"
#include "../kernels/reduce.hpp"
#include "../parallel/parallel_for.hpp"
#include "../simd/arch.hpp"

namespace pyperf_tensor
{
    enum class reduction
    {
        sum,
        mean,
        prod,
        max,
        min,
        argmax,
        argmin,
        var,
        stddev
    };
    inline const char* reduction_name(reduction r) noexcept
    {
        constexpr const char* names[] = {"sum", "mean", "prod", "max", "min", "argmax", "argmin", "var", "std"};
        return names[static_cast<int>(r)];
    }

    // The element type of a reduction's result for input T (NumPy's): integer sums and
    // products are int64, integer means and variances float64, arg reductions int64.
    template <reduction R, class T>
    using reduce_result_t = std::conditional_t<
        R == reduction::argmax || R == reduction::argmin, std::int64_t,
        std::conditional_t<
            std::is_floating_point<T>::value, T,
            std::conditional_t<R == reduction::sum || R == reduction::prod, std::int64_t,
                               std::conditional_t<R == reduction::max || R == reduction::min, T, double>>>>;

    namespace detail
    {
        // Shape of the result: the kept axes, or every axis with 1 for reduced ones.
        inline dims reduced_shape(const dims& shape, const std::vector<bool>& mask, bool keepdims)
        {
            dims out = dims::zeros(0);
            for (std::size_t d = 0; d < shape.size(); ++d)
                if (!mask[d] || keepdims)
                    out.push_back(mask[d] ? 1 : shape[d]);
            return out;
        }

        struct rdim
        {
            index_t size, stride, out_stride; // out_stride: kept axes; for reduced axes the C-order index step
        };

        // Blocks: at most this many outputs and this many reduced elements each. Where
        // outputs lie side by side, the kernel streams rows across them: a block takes whole
        // rows (up to 1024 outputs; arg ops 256) and a chunk of rows (about 64 K elements),
        // so an outer-axis sum of a matrix is many short row-streaming tasks that balance
        // across threads (whole-matrix column blocks were four long tasks). Sizes follow the
        // shape, never the thread count, so results are reproducible.
        inline constexpr index_t block_outputs = 64, block_outputs_side_by_side = 1024, block_outputs_arg = 256,
                                 block_elements = 65536;

        template <class A>
        struct partials
        {
            std::vector<A> value;
            std::vector<index_t> index;
        };

        // The reduction as blocks: the kept axes (outer ones, then `o`, the one with the
        // smallest stride) and the reduced axes (outer ones, then `r`, the innermost).
        struct reduce_plan
        {
            std::vector<rdim> kept, red; // outer axes only
            rdim o, r;
            index_t n_kouter = 1, n_router = 1, n_oblocks = 1, n_chunks = 1, n_red = 1, n_out = 1;
            index_t ob = block_outputs;  // outputs per block
            index_t rc = block_elements; // reduced elements (along r) per chunk
            index_t outputs() const noexcept { return n_kouter * o.size; }
            // Input offset and second offset (out offset for kept axes, C index for
            // reduced ones) of outer index i.
            static void locate(const std::vector<rdim>& ds, index_t i, index_t& in_off, index_t& other) noexcept
            {
                in_off = other = 0;
                for (std::size_t j = ds.size(); j-- > 0;)
                {
                    const index_t x = i % ds[j].size;
                    i /= ds[j].size;
                    in_off += x * ds[j].stride;
                    other += x * ds[j].out_stride;
                }
            }
        };

        template <class T, class R>
        reduce_plan make_reduce_plan(const view<R>& out, const view<const T>& in, const std::vector<bool>& mask,
                                     bool arg, const char* op)
        {
            const std::size_t nd = in.rank();
            const dims want = reduced_shape(in.shape(), mask, false), want_keep = reduced_shape(in.shape(), mask, true);
            if (!(out.shape() == want) && !(out.shape() == want_keep))
                throw shape_error(std::string(op) + ": out has shape " + to_string(out.shape())
                                  + ", the result has shape " + to_string(want));
            const bool keep = !(out.shape() == want);
            reduce_plan p;
            std::vector<rdim> kept, red;
            index_t c_step = 1;
            std::size_t od = want.size();
            for (std::size_t d = nd; d-- > 0;)
            {
                const index_t n = in.shape()[d];
                if (mask[d])
                {
                    p.n_red *= n;
                    if (n != 1)
                        red.push_back({n, in.strides()[d], c_step});
                    c_step *= n;
                    if (keep)
                        --od;
                }
                else
                {
                    --od;
                    p.n_out *= n;
                    if (n != 1)
                        kept.push_back({n, in.strides()[d], out.strides()[keep ? d : od]});
                }
            }
            std::reverse(kept.begin(), kept.end()); // C order
            std::reverse(red.begin(), red.end());
            // Reduced axes in memory order for the commutative ops, merged where contiguous;
            // in C order for the arg ops (their index is the C-order position).
            auto by_stride = [](const rdim& a, const rdim& b) { return std::abs(a.stride) > std::abs(b.stride); };
            if (!arg)
                std::stable_sort(red.begin(), red.end(), by_stride);
            for (const auto& r : red)
                if (!p.red.empty() && p.red.back().stride == r.stride * r.size
                    && (!arg || p.red.back().out_stride == r.out_stride * r.size))
                {
                    p.red.back().size *= r.size;
                    p.red.back().stride = r.stride;
                    p.red.back().out_stride = r.out_stride;
                }
                else
                    p.red.push_back(r);
            std::stable_sort(kept.begin(), kept.end(), by_stride);
            p.kept = kept;
            p.r = p.red.empty() ? rdim{1, 0, 1} : p.red.back();
            p.o = p.kept.empty() ? rdim{1, 0, 0} : p.kept.back();
            if (!p.red.empty())
                p.red.pop_back();
            if (!p.kept.empty())
                p.kept.pop_back();
            for (const auto& r : p.red)
                p.n_router *= r.size;
            for (const auto& k : p.kept)
                p.n_kouter *= k.size;
            const bool side_by_side = p.r.stride != 1 && p.o.stride == 1;
            if (side_by_side)
            {
                const index_t most = arg ? block_outputs_arg : block_outputs_side_by_side;
                const index_t n_blocks = (p.o.size + most - 1) / most; // of equal width, in whole batches
                p.ob = std::min(most, ((p.o.size + n_blocks - 1) / n_blocks + 63) / 64 * 64);
            }
            p.ob = std::max<index_t>(1, std::min(p.ob, p.o.size)); // an all-reduce: one output per block
            if (side_by_side && !arg)
                p.rc = std::max<index_t>(32, block_elements / p.ob / 32 * 32); // rows: whole blocks of the kernel's 32
            p.n_oblocks = (p.o.size + p.ob - 1) / p.ob;
            p.n_chunks = (p.r.size + p.rc - 1) / p.rc;
            return p;
        }

        // One pass of a kernel over the plan: per output (in the plan's order: outer kept
        // index, then o) the combined partial, and for arg ops its C-order index.
        template <class Op, class T>
        partials<typename Op::template acc<T>> reduce_pass(const reduce_plan& p, kernels::reduce_kernel<T> kernel,
                                                           const T* in, const double* centers)
        {
            using A = typename Op::template acc<T>;
            const index_t tasks = p.n_kouter * p.n_oblocks * p.n_chunks;
            partials<A> blocks{std::vector<A>(static_cast<std::size_t>(tasks * p.ob)),
                               std::vector<index_t>(Op::arg ? static_cast<std::size_t>(tasks * p.ob) : 0)};
            auto task = [&](index_t t)
            {
                const index_t ch = t % p.n_chunks, ob = t / p.n_chunks % p.n_oblocks, ko = t / p.n_chunks / p.n_oblocks;
                index_t k_in, k_out;
                reduce_plan::locate(p.kept, ko, k_in, k_out);
                const index_t o0 = ob * p.ob, r0 = ch * p.rc;
                const index_t no = std::min(p.ob, p.o.size - o0), nr = std::min(p.rc, p.r.size - r0);
                A* acc = blocks.value.data() + t * p.ob;
                index_t* at = Op::arg ? blocks.index.data() + t * p.ob : nullptr;
                A value[block_outputs_side_by_side];
                index_t index[block_outputs_arg];
                for (index_t ro = 0; ro < p.n_router; ++ro)
                {
                    index_t r_in, r_c;
                    reduce_plan::locate(p.red, ro, r_in, r_c);
                    const kernels::reduce_block<T> b{
                        in + k_in + o0 * p.o.stride + r_in + r0 * p.r.stride, no, nr, p.o.stride, p.r.stride,
                        centers ? centers + ko * p.o.size + o0 : nullptr};
                    kernel(b, ro == 0 ? static_cast<void*>(acc) : static_cast<void*>(value), ro == 0 ? at : index);
                    for (index_t o = 0; o < no; ++o)
                        if constexpr (Op::arg)
                        {
                            const index_t i = r_c + (r0 + (ro == 0 ? at[o] : index[o])) * p.r.out_stride;
                            if (ro == 0)
                                at[o] = i;
                            else if (Op::prefer(value[o], i, acc[o], at[o]))
                            {
                                acc[o] = value[o];
                                at[o] = i;
                            }
                        }
                        else if (ro > 0)
                            acc[o] = Op::combine(acc[o], value[o]);
                }
            };
            const index_t elements = p.n_out * p.n_red;
            if (tasks > 1 && elements >= 2 * PYPERF_TENSOR_ELEMENTWISE_GRAIN)
                parallel_for_each(0, tasks, task);
            else
                for (index_t t = 0; t < tasks; ++t)
                    task(t);
            // The chunks of each output, combined in a fixed order: arg ops by `prefer`, the
            // others as a balanced tree over the chunks' rows of partials (vectorisable
            // across the block's outputs; pairwise for sums).
            partials<A> result{std::vector<A>(static_cast<std::size_t>(p.outputs())),
                               std::vector<index_t>(Op::arg ? static_cast<std::size_t>(p.outputs()) : 0)};
            for (index_t b = 0; b < p.n_kouter * p.n_oblocks; ++b)
            {
                const index_t o0 = b % p.n_oblocks * p.ob, no = std::min(p.ob, p.o.size - o0);
                const std::size_t first = static_cast<std::size_t>(b * p.n_chunks * p.ob);
                const std::size_t r = static_cast<std::size_t>(b / p.n_oblocks * p.o.size + o0);
                if constexpr (Op::arg)
                    for (index_t o = 0; o < no; ++o)
                    {
                        const std::size_t slot = first + static_cast<std::size_t>(o);
                        A best = blocks.value[slot];
                        index_t best_at = blocks.index[slot];
                        for (index_t ch = 1; ch < p.n_chunks; ++ch)
                        {
                            const std::size_t s = slot + static_cast<std::size_t>(ch * p.ob);
                            if (Op::prefer(blocks.value[s], blocks.index[s], best, best_at))
                            {
                                best = blocks.value[s];
                                best_at = blocks.index[s];
                            }
                        }
                        result.value[r + static_cast<std::size_t>(o)] = best;
                        result.index[r + static_cast<std::size_t>(o)] = best_at;
                    }
                else if (p.n_chunks == 0) // nothing to reduce
                    std::fill_n(result.value.begin() + static_cast<std::ptrdiff_t>(r), no, Op::template identity<A>());
                else
                {
                    A* rows = blocks.value.data() + first;
                    for (index_t s = 1; s < p.n_chunks; s *= 2)
                        for (index_t ch = 0; ch + s < p.n_chunks; ch += 2 * s)
                        {
                            A* to = rows + ch * p.ob;
                            const A* from = to + s * p.ob;
                            for (index_t o = 0; o < no; ++o)
                                to[o] = Op::combine(to[o], from[o]);
                        }
                    std::copy(rows, rows + no, result.value.begin() + static_cast<std::ptrdiff_t>(r));
                }
            }
            return result;
        }
    } // namespace detail

    // out = reduction `what` of `in` over the axes in `mask` (out has the kept axes, or
    // all axes with extent 1 where reduced; R as reduce_result_t). k: the kernels to run.
    template <class T, class R>
    void apply_reduce(reduction what, const kernels::reduce_kernels<T>& k, const view<R>& out, const view<const T>& in,
                      const std::vector<bool>& mask, double ddof = 0)
    {
        const char* op = reduction_name(what);
        if (mask.size() != in.rank())
            throw argument_error(std::string(op) + ": axis mask does not match the input");
        const bool arg = what == reduction::argmax || what == reduction::argmin;
        const auto n_reduced = std::count(mask.begin(), mask.end(), true);
        if (arg && n_reduced > 1 && n_reduced != static_cast<long>(mask.size()))
            throw argument_error(std::string(op) + ": axis must be None or a single axis");
        const detail::reduce_plan p = detail::make_reduce_plan(out, in, mask, arg, op);
        if (p.n_red == 0 && (arg || what == reduction::max || what == reduction::min))
            throw argument_error(std::string(op) + ": zero-size array to reduction operation " + op
                                 + " which has no identity");
        if (p.n_out == 0)
            return;
        // Writes f(i) to every output, i in the plan's order.
        auto write = [&](auto f)
        {
            for (index_t ko = 0; ko < p.n_kouter; ++ko)
            {
                index_t k_in, k_out;
                detail::reduce_plan::locate(p.kept, ko, k_in, k_out);
                for (index_t o = 0; o < p.o.size; ++o)
                    out.data()[k_out + o * p.o.out_stride] = static_cast<R>(f(ko * p.o.size + o));
            }
        };
        const auto n = static_cast<double>(p.n_red);
        // One pass of Op, each output's partial (or index) mapped by f.
        auto pass_and_write = [&](auto op, kernels::reduce_kernel<T> kernel, auto f, const double* centers = nullptr)
        {
            const auto r = detail::reduce_pass<decltype(op)>(p, kernel, in.data(), centers);
            // Not one ?: for the two: its common type would round float32 indices above 2^24.
            write(
                [&](index_t i)
                {
                    if constexpr (decltype(op)::arg)
                        return f(r.index[static_cast<std::size_t>(i)]);
                    else
                        return f(r.value[static_cast<std::size_t>(i)]);
                });
        };
        auto as_is = [](auto v) { return v; };
        switch (what)
        {
        case reduction::sum:
            return pass_and_write(kernels::sum_op{}, k.sum, as_is);
        case reduction::prod:
            return pass_and_write(kernels::prod_op{}, k.prod, as_is);
        case reduction::mean:
            return pass_and_write(kernels::mean_op{}, k.mean, [&](double v) { return v / n; });
        case reduction::max:
            return pass_and_write(kernels::max_op{}, k.max, as_is);
        case reduction::min:
            return pass_and_write(kernels::min_op{}, k.min, as_is);
        case reduction::argmax:
            return pass_and_write(kernels::argmax_op{}, k.argmax, as_is);
        case reduction::argmin:
            return pass_and_write(kernels::argmin_op{}, k.argmin, as_is);
        case reduction::var:
        case reduction::stddev:
        {
            // Two passes, as NumPy: the mean, then the squared deviations from it.
            auto centers = detail::reduce_pass<kernels::mean_op>(p, k.mean, in.data(), nullptr).value;
            for (auto& c : centers)
                c /= n;
            const double dof = std::max(n - ddof, 0.0);
            return pass_and_write(
                kernels::sqdev_op{}, k.sqdev,
                [&](double v) { return what == reduction::stddev ? std::sqrt(v / dof) : v / dof; }, centers.data());
        }
        }
    }

    namespace detail
    {
        template <reduction Red, class X>
        auto reduce_new(const X& x, const axes& a, bool keepdims, double ddof)
        {
            const auto v = make_view(x);
            using T = std::remove_const_t<typename decltype(v)::value_type>;
            using R = reduce_result_t<Red, T>;
            const auto mask = axes_mask(a, v.rank(), reduction_name(Red));
            auto out = tensor<R>::uninitialized(reduced_shape(v.shape(), mask, keepdims));
            apply_reduce(Red, kernels::make_reduce_kernels<simd::default_arch, T>(), view<R>(out), view<const T>(v),
                         mask, ddof);
            return out;
        }
        template <reduction Red, class Out, class X>
        void reduce_into(Out&& out, const X& x, const axes& a, double ddof)
        {
            const auto v = make_view(x);
            using T = std::remove_const_t<typename decltype(v)::value_type>;
            const auto o = make_view(out);
            using R = typename decltype(o)::value_type;
            static_assert(std::is_same<R, reduce_result_t<Red, T>>::value, "out has the wrong element type");
            apply_reduce(Red, kernels::make_reduce_kernels<simd::default_arch, T>(), o, view<const T>(v),
                         axes_mask(a, v.rank(), reduction_name(Red)), ddof);
        }
    } // namespace detail

// name(x, axes, keepdims) -> tensor and name_into(out, x, axes); Extra: the reduction's own
// parameters (var and stddev take ddof, dividing by n - ddof).
#define PYPERF_TENSOR_PUBLIC_REDUCTION(name, extra_params, ddof_value)                                                 \
    template <class X>                                                                                                 \
    auto name(const X& x, const axes& a = all_axes extra_params, bool keepdims = false)                                \
    {                                                                                                                  \
        return detail::reduce_new<reduction::name>(x, a, keepdims, ddof_value);                                        \
    }                                                                                                                  \
    template <class Out, class X>                                                                                      \
    void name##_into(Out&& out, const X& x, const axes& a = all_axes extra_params)                                     \
    {                                                                                                                  \
        detail::reduce_into<reduction::name>(out, x, a, ddof_value);                                                   \
    }
#define PYPERF_TENSOR_NO_PARAMS
#define PYPERF_TENSOR_DDOF , double ddof = 0
    PYPERF_TENSOR_PUBLIC_REDUCTION(sum, PYPERF_TENSOR_NO_PARAMS, 0)
    PYPERF_TENSOR_PUBLIC_REDUCTION(mean, PYPERF_TENSOR_NO_PARAMS, 0)
    PYPERF_TENSOR_PUBLIC_REDUCTION(prod, PYPERF_TENSOR_NO_PARAMS, 0)
    PYPERF_TENSOR_PUBLIC_REDUCTION(max, PYPERF_TENSOR_NO_PARAMS, 0)
    PYPERF_TENSOR_PUBLIC_REDUCTION(min, PYPERF_TENSOR_NO_PARAMS, 0)
    PYPERF_TENSOR_PUBLIC_REDUCTION(argmax, PYPERF_TENSOR_NO_PARAMS, 0)
    PYPERF_TENSOR_PUBLIC_REDUCTION(argmin, PYPERF_TENSOR_NO_PARAMS, 0)
    PYPERF_TENSOR_PUBLIC_REDUCTION(var, PYPERF_TENSOR_DDOF, ddof) // stddev: NumPy's std
    PYPERF_TENSOR_PUBLIC_REDUCTION(stddev, PYPERF_TENSOR_DDOF, ddof)
#undef PYPERF_TENSOR_DDOF
#undef PYPERF_TENSOR_NO_PARAMS
#undef PYPERF_TENSOR_PUBLIC_REDUCTION
} // namespace pyperf_tensor
