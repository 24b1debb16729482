// The reductions: one binding path for all (reduce_call), NumPy's signatures minus dtype=.
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include <pyperf_tensor/ops/reduce.hpp>

#include "fast_function.hpp"
#include "numpy_bridge.hpp"
#include "register.hpp"
#include "simd_dispatch.hpp"

namespace pyperf_tensor::bindings
{
    namespace
    {
        template <reduction Red>
        py::object reduce(const char* op, py::handle x_obj, py::handle axis, bool keepdims, py::handle out_obj,
                          double ddof)
        {
            operand x = read_operand(x_obj, op, "x");
            if (!x.array) // a Python or NumPy scalar: reduce it as a 0-d array (nothing to copy)
                x = read_operand(py::module_::import("numpy").attr("asarray")(x_obj), op, "x");
            return dispatch_dtype(*x.dtype,
                                  [&](auto tag) -> py::object
                                  {
                                      using T = decltype(tag);
                                      using R = reduce_result_t<Red, T>;
                                      const view<const T> in = view_of<const T>(x.array);
                                      const auto mask = detail::axes_mask(read_axes(axis, op), in.rank(), op);
                                      const dims shape = detail::reduced_shape(in.shape(), mask, keepdims);
                                      py::array out = out_obj.is_none() ? new_array(dtype_of<R>(), shape, &x, 1)
                                                                        : read_output(out_obj, op, dtype_of<R>());
                                      const view<R> o = view_of<R>(out);
                                      {
                                          compute_section gil(in.size());
                                          apply_reduce(Red, active_kernels().of<T>().reduce, o, in, mask, ddof);
                                      }
                                      if (!out_obj.is_none())
                                          return py::reinterpret_borrow<py::object>(out_obj);
                                      if (out.ndim() == 0) // a NumPy scalar, as NumPy returns
                                          return out[py::tuple()];
                                      return std::move(out);
                                  });
        }

        template <reduction Red>
        py::object reduce_call(py::handle x_obj, py::handle axis, bool keepdims, py::handle out_obj, double ddof)
        {
            const char* op = reduction_name(Red);
            try
            {
                return reduce<Red>(op, x_obj, axis, keepdims, out_obj, ddof);
            }
            catch (...) // the library's errors begin with the op's name, as def_fast's do
            {
                set_python_error(std::current_exception(), op);
                throw py::error_already_set();
            }
        }

        // Registers Red with NumPy's signature minus dtype= (pybind11 writes it atop the doc).
        template <reduction Red>
        void def_reduction(py::module_& m, const char* doc)
        {
            if constexpr (Red == reduction::var || Red == reduction::stddev)
                m.def(reduction_name(Red), &reduce_call<Red>, py::arg("x"), py::arg("axis") = py::none(), py::kw_only(),
                      py::arg("keepdims") = false, py::arg("out") = py::none(), py::arg("ddof") = 0.0, doc);
            else
                m.def(
                    reduction_name(Red), [](py::handle x, py::handle axis, bool keepdims, py::handle out)
                    { return reduce_call<Red>(x, axis, keepdims, out, 0); }, py::arg("x"), py::arg("axis") = py::none(),
                    py::kw_only(), py::arg("keepdims") = false, py::arg("out") = py::none(), doc);
        }
    } // namespace

    void register_reduce(py::module_& m)
    {
        def_reduction<reduction::sum>(m, "sum (float32 accumulates in float64; integers in int64).");
        def_reduction<reduction::mean>(m, "arithmetic mean (integers give float64).");
        def_reduction<reduction::prod>(m, "product (integers in int64, wrapping on overflow as NumPy).");
        def_reduction<reduction::max>(m, "maximum; NaN if any NaN; ValueError for an empty axis.");
        def_reduction<reduction::min>(m, "minimum; NaN if any NaN; ValueError for an empty axis.");
        def_reduction<reduction::argmax>(m, "index (int64, C order for axis=None) of the first maximum, or of the "
                                            "first NaN.");
        def_reduction<reduction::argmin>(m, "index (int64, C order for axis=None) of the first minimum, or of the "
                                            "first NaN.");
        def_reduction<reduction::var>(m, "variance, two-pass (mean, then squared deviations), divided by n - ddof.");
        def_reduction<reduction::stddev>(m, "standard deviation, sqrt(var).");
    }
} // namespace pyperf_tensor::bindings
