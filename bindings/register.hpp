// One registration function per op family; module.cpp calls them all.
#pragma once

#include <pybind11/pybind11.h>

namespace pyperf_tensor::bindings
{
    void register_elementwise(pybind11::module_& m);
    void register_reduce(pybind11::module_& m);
    void register_activation(pybind11::module_& m);
} // namespace pyperf_tensor::bindings
