// pyperf_tensor._core: the compiled half of the Python package.
#include <pybind11/stl.h>

#include <pyperf_tensor/config.hpp>
#include <pyperf_tensor/core/error.hpp>
#include <pyperf_tensor/parallel/thread_pool.hpp>
#include <pyperf_tensor/simd/dispatch.hpp>

#include "fast_function.hpp"
#include "register.hpp"
#include "simd_dispatch.hpp"

namespace py = pybind11;
namespace pt = pyperf_tensor;

PYBIND11_MODULE(_core, m)
{
    m.doc() = "pyperf_tensor native core";
    m.attr("__version__") = PYPERF_TENSOR_VERSION_STRING;

    // Every C++ error becomes a Python exception with the same message.
    py::register_exception_translator([](std::exception_ptr p) { pt::bindings::set_python_error(p); });

    pt::bindings::select_isa_from_environment();
    pt::get_num_threads(); // validates PYPERF_TENSOR_NUM_THREADS at import time

    m.def(
        "simd_info",
        []
        {
            py::dict info;
            info["selected"] = pt::bindings::active_kernels().isa;
            info["available"] = pt::simd::available_isas();
            return info;
        },
        "simd_info() -> dict: the ISA in use ('selected') and those this CPU supports ('available').");
    m.def(
        "_select_isa", [](const std::string& name) { pt::bindings::select_isa(name); }, py::arg("name"),
        "Testing hook: switch the kernels to a lower ISA at run time (as PYPERF_TENSOR_ARCH does at import).");
    m.def(
        "set_num_threads",
        [](long long n)
        {
            pt::check_thread_count(n);
            pt::set_num_threads(static_cast<std::size_t>(n));
        },
        py::arg("n"), "set_num_threads(n): threads used by every later operation (1 = the calling thread only).");
    m.def(
        "get_num_threads", [] { return pt::get_num_threads(); },
        "get_num_threads() -> int: threads operations may use.");

    pt::bindings::register_elementwise(m);
    pt::bindings::register_reduce(m);
    pt::bindings::register_activation(m);
}
