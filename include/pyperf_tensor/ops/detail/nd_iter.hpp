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

    // Calls run(offsets, inner_strides, length) for consecutive 1-D runs covering the
    // linear indices [lo, hi) of the plan; offsets are per operand, in elements.
    template <std::size_t N, class Run>
    void for_each_run(const nd_plan<N>& p, index_t lo, index_t hi, Run&& run)
    {
        std::array<index_t, N> off = p.base;
        std::array<index_t, N> inner{};
        if (p.rank == 0)
        {
            if (lo < hi)
                run(off, inner, index_t{1});
            return;
        }
        const std::size_t last = p.rank - 1;
        std::array<index_t, PYPERF_TENSOR_MAX_RANK> idx;
        for (index_t rest = lo, axis = static_cast<index_t>(last); axis >= 0; --axis)
        {
            idx[axis] = rest % p.shape[axis];
            rest /= p.shape[axis];
            for (std::size_t k = 0; k < N; ++k)
                off[k] += idx[axis] * p.strides[k][axis];
        }
        for (std::size_t k = 0; k < N; ++k)
            inner[k] = p.strides[k][last];
        while (lo < hi)
        {
            const index_t room = p.shape[last] - idx[last];
            const index_t len = room < hi - lo ? room : hi - lo;
            run(off, inner, len);
            lo += len;
            idx[last] += len;
            for (std::size_t k = 0; k < N; ++k)
                off[k] += len * inner[k];
            // Carry into outer axes.
            for (std::size_t axis = last; axis > 0 && idx[axis] == p.shape[axis]; --axis)
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
