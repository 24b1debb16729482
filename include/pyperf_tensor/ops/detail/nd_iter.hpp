// The N-operand strided iteration every elementwise op shares: simplify the index space
// (drop unit axes, walk the output forwards, order axes by output stride, merge axes
// that are contiguous for every operand), then visit any linear range [lo, hi) of it as
// 1-D runs handed to a kernel.
#pragma once

#include <array>
#include <cstddef>
#include <cstdlib>

#include "../../core/view.hpp"

namespace pyperf_tensor::detail
{
    template <std::size_t N>
    struct nd_plan
    {
        std::size_t rank = 0;                              // 0: a single element
        index_t size = 0;                                  // elements visited
        std::array<index_t, PYPERF_TENSOR_MAX_RANK> shape; // outermost first; [0, rank) used
        std::array<std::array<index_t, PYPERF_TENSOR_MAX_RANK>, N> strides;
        std::array<index_t, N> base{}; // element offset of the first visit, per operand
    };

    // Strides of `v` as seen when broadcast to `shape` (0 on broadcast axes).
    template <class T>
    dims broadcast_strides(const view<T>& v, const dims& shape)
    {
        dims s = dims::zeros(shape.size());
        const std::size_t lead = shape.size() - v.rank();
        for (std::size_t i = 0; i < v.rank(); ++i)
            s[lead + i] = v.shape()[i] == 1 ? 0 : v.strides()[i];
        return s;
    }

    // Operand 0 is the output; its axes decide the walk order.
    template <std::size_t N>
    nd_plan<N> make_plan(const dims& shape, const std::array<dims, N>& strides)
    {
        nd_plan<N> p;
        p.size = size_of(shape);
        if (p.size == 0)
            return p;
        for (std::size_t axis = 0; axis < shape.size(); ++axis)
        {
            if (shape[axis] == 1)
                continue;
            const std::size_t r = p.rank++;
            p.shape[r] = shape[axis];
            for (std::size_t k = 0; k < N; ++k)
                p.strides[k][r] = strides[k][axis];
            if (p.strides[0][r] < 0) // walk the output forwards
                for (std::size_t k = 0; k < N; ++k)
                {
                    p.base[k] += (p.shape[r] - 1) * p.strides[k][r];
                    p.strides[k][r] = -p.strides[k][r];
                }
        }
        // Insertion sort (stable): largest output stride outermost.
        for (std::size_t i = 1; i < p.rank; ++i)
            for (std::size_t j = i; j > 0 && p.strides[0][j - 1] < p.strides[0][j]; --j)
            {
                std::swap(p.shape[j - 1], p.shape[j]);
                for (std::size_t k = 0; k < N; ++k)
                    std::swap(p.strides[k][j - 1], p.strides[k][j]);
            }
        // Merge axis j into its inner neighbour when every operand steps through both as one.
        std::size_t merged = 0;
        for (std::size_t j = 0; j < p.rank; ++j)
        {
            bool joins = merged > 0;
            for (std::size_t k = 0; joins && k < N; ++k)
                joins = p.strides[k][merged - 1] == p.strides[k][j] * p.shape[j];
            const std::size_t dst = joins ? merged - 1 : merged++;
            p.shape[dst] = joins ? p.shape[dst] * p.shape[j] : p.shape[j];
            for (std::size_t k = 0; k < N; ++k)
                p.strides[k][dst] = p.strides[k][j];
        }
        p.rank = merged;
        return p;
    }

    // Work is split in units: whole rows (all axes but the innermost) when rank >= 2,
    // single elements otherwise; a unit holds this many elements.
    template <std::size_t N>
    index_t unit_size(const nd_plan<N>& p) noexcept
    {
        return p.rank >= 2 ? p.shape[p.rank - 1] : 1;
    }

    // Calls run(offsets, inner_strides, outer_strides, n_inner, n_outer) for consecutive
    // 2-D blocks covering the units [lo, hi) of the plan; offsets are per operand, in
    // elements. A block is a run of rows along the second-innermost axis.
    template <std::size_t N, class Run>
    void for_each_block(const nd_plan<N>& p, index_t lo, index_t hi, Run&& run)
    {
        std::array<index_t, N> off = p.base, inner{}, outer{};
        if (p.rank <= 1)
        {
            if (lo >= hi)
                return;
            for (std::size_t k = 0; k < N; ++k)
            {
                inner[k] = p.rank ? p.strides[k][0] : 0;
                off[k] += lo * inner[k];
            }
            run(off, inner, outer, p.rank ? hi - lo : index_t{1}, index_t{1});
            return;
        }
        const std::size_t row_axis = p.rank - 2; // blocks step along this axis
        std::array<index_t, PYPERF_TENSOR_MAX_RANK> idx;
        for (index_t rest = lo, axis = static_cast<index_t>(row_axis); axis >= 0; --axis)
        {
            idx[axis] = rest % p.shape[axis];
            rest /= p.shape[axis];
            for (std::size_t k = 0; k < N; ++k)
                off[k] += idx[axis] * p.strides[k][axis];
        }
        for (std::size_t k = 0; k < N; ++k)
        {
            inner[k] = p.strides[k][p.rank - 1];
            outer[k] = p.strides[k][row_axis];
        }
        while (lo < hi)
        {
            const index_t room = p.shape[row_axis] - idx[row_axis];
            const index_t rows = room < hi - lo ? room : hi - lo;
            run(off, inner, outer, p.shape[p.rank - 1], rows);
            lo += rows;
            idx[row_axis] += rows;
            for (std::size_t k = 0; k < N; ++k)
                off[k] += rows * outer[k];
            // Carry into outer axes.
            for (std::size_t axis = row_axis; axis > 0 && idx[axis] == p.shape[axis]; --axis)
            {
                idx[axis] = 0;
                ++idx[axis - 1];
                for (std::size_t k = 0; k < N; ++k)
                    off[k] += p.strides[k][axis - 1] - p.shape[axis] * p.strides[k][axis];
            }
        }
    }

    // Byte range [first, last] touched by a view (assumes size > 0).
    template <class T>
    std::pair<const char*, const char*> byte_extent(const view<T>& v) noexcept
    {
        const char* first = reinterpret_cast<const char*>(v.data());
        const char* last = first + sizeof(T) - 1;
        for (std::size_t i = 0; i < v.rank(); ++i)
        {
            const index_t step = (v.shape()[i] - 1) * v.strides()[i] * static_cast<index_t>(sizeof(T));
            (step < 0 ? first : last) += step;
        }
        return {first, last};
    }

    template <class T, class U>
    bool may_overlap(const view<T>& a, const view<U>& b) noexcept
    {
        if (a.size() == 0 || b.size() == 0)
            return false;
        const auto ea = byte_extent(a);
        const auto eb = byte_extent(b);
        return ea.first <= eb.second && eb.first <= ea.second;
    }
} // namespace pyperf_tensor::detail
