// Which axes an operation runs along: all of them (all_axes, NumPy's axis=None) or a
// list (negative counts from the end). Reductions take any set; softmax and
// log_softmax one axis or all of them.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "error.hpp"

namespace pyperf_tensor
{
    struct all_axes_t
    {
    };
    inline constexpr all_axes_t all_axes{};
    struct axes
    {
        std::vector<int> list;
        bool all = false;
        axes(all_axes_t) : all(true) {} // NOLINT: implicit, for sum(x, all_axes)
        axes(std::initializer_list<int> l) : list(l) {}
        axes(int a) : list{a} {} // NOLINT: implicit, so sum(x, 0) reads naturally
        explicit axes(std::vector<int> l) : list(std::move(l)) {}
    };

    namespace detail
    {
        // The axes as a mask over ndim axes; axis_error (NumPy's AxisError text) for an
        // axis out of range, argument_error for a repeated one.
        inline std::vector<bool> axes_mask(const axes& a, std::size_t ndim, const char* op)
        {
            std::vector<bool> mask(ndim, a.all);
            if (a.all)
                return mask;
            for (int axis : a.list)
            {
                const int nd = static_cast<int>(ndim);
                if (axis < -nd || axis >= nd)
                    throw axis_error(std::string(op) + ": axis " + std::to_string(axis)
                                     + " is out of bounds for array of dimension " + std::to_string(ndim));
                const std::size_t d = static_cast<std::size_t>(axis < 0 ? axis + nd : axis);
                if (mask[d])
                    throw argument_error(std::string(op) + ": duplicate value in 'axis'");
                mask[d] = true;
            }
            return mask;
        }
    } // namespace detail
} // namespace pyperf_tensor
