// mandelbrot_native: the native backend as a Python module. Picks the kernels of the ISA
// pyperf_tensor would use (PYPERF_TENSOR_ARCH, else the best this CPU runs) or the one
// asked for, and spreads bands of rows over pyperf_tensor's thread pool one at a time:
// rows near the set cost up to 1000x more than rows far from it.
#include <cstdint>
#include <optional>
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <pyperf_tensor/pyperf_tensor.hpp>

#include "kernels.hpp"

namespace py = pybind11;
namespace pt = pyperf_tensor;

namespace
{
    py::array_t<std::int32_t> render(std::int64_t width, std::int64_t height, std::int64_t iters, double xmin,
                                     double xmax, double ymin, double ymax, const std::string& dtype,
                                     std::optional<std::string> isa, std::optional<std::size_t> threads)
    {
        if (width <= 0 || height <= 0 || iters < 0)
            throw pt::argument_error("width and height must be positive and iters >= 0");
        if (!(xmax > xmin) || !(ymax > ymin))
            throw pt::argument_error("need xmin < xmax and ymin < ymax");
        if (dtype != "float32" && dtype != "float64")
            throw pt::argument_error("dtype must be 'float32' or 'float64', not '" + dtype + "'");
        const std::string chosen = isa ? *isa : pt::simd::chosen_isa();
#define MANDELBROT_ENTRY(name) {#name, &mandelbrot::name::kernels},
        const auto kernels = pt::simd::pick<mandelbrot::band_kernels (*)() noexcept>(
            {PYPERF_TENSOR_FOR_EACH_ISA(MANDELBROT_ENTRY)}, chosen)();
#undef MANDELBROT_ENTRY
        const mandelbrot::band_fn band = dtype == "float32" ? kernels.f32 : kernels.f64;
        const mandelbrot::grid g{xmin,
                                 ymin,
                                 (xmax - xmin) / static_cast<double>(width),
                                 (ymax - ymin) / static_cast<double>(height),
                                 width,
                                 height,
                                 iters};
        py::array_t<std::int32_t> counts({height, width});
        std::int32_t* out = counts.mutable_data();
        {
            py::gil_scoped_release release;
            if (threads)
                pt::set_num_threads(*threads);
            const std::int64_t bands = (height + mandelbrot::band_rows - 1) / mandelbrot::band_rows;
            pt::parallel_for_each(0, bands, [&](std::int64_t b) { band(g, b * mandelbrot::band_rows, out); });
        }
        return counts;
    }
} // namespace

PYBIND11_MODULE(mandelbrot_native, m)
{
    m.doc() = "Native Mandelbrot backend built on pyperf_tensor's public kernel-authoring API";
    // Local: a global translator would also catch pyperf_tensor._core's errors (pybind11 shares them).
    py::register_local_exception<pt::argument_error>(m, "ArgumentError", PyExc_ValueError);
    m.def("render", &render, py::arg("width"), py::arg("height"), py::arg("iters"), py::arg("xmin"), py::arg("xmax"),
          py::arg("ymin"), py::arg("ymax"), py::arg("dtype") = "float64", py::arg("isa") = py::none(),
          py::arg("threads") = py::none(),
          "Iteration counts, shape (height, width), int32; row 0 is ymin. isa: 'sse2' | 'avx2' | "
          "'avx512' (default: as pyperf_tensor chooses); threads: pool size (default: unchanged).");
    m.def("available_isas", &pt::simd::available_isas);
}
