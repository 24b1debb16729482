// Python bindings of the activations: the pointwise ones through the elementwise path
// (elementwise_call), softmax / log_softmax through apply_softmax.
#include <string>
#include <vector>

#include <pyperf_tensor/ops/activation.hpp>

#include "elementwise_call.hpp"
#include "register.hpp"

namespace pyperf_tensor::bindings
{
    namespace
    {
        using kernels::activation_op;

        // softmax(x, axis=-1, out=None) and log_softmax; axis=None: over the whole array.
        py::object softmax_call(bool log, const py::handle* args)
        {
            const char* op = log ? "log_softmax" : "softmax";
            operand x = read_operand(args[0], op, "x", float_dtypes);
            if (!x.array) // a Python scalar: one slice of one element
                x = read_operand(py::module_::import("numpy").attr("asarray")(args[0]), op, "x", float_dtypes);
            const axes axis = args[1] ? read_axes(args[1], op) : axes(-1);
            return dispatch_dtype(*x.dtype,
                                  [&](auto tag) -> py::object
                                  {
                                      using T = decltype(tag);
                                      const auto kernel = active_kernels().of<T>().softmax;
                                      if (kernel == nullptr)
                                          throw dtype_error(std::string(op) + ": dtype " + dtype_name(*x.dtype)
                                                            + " is not supported (supported: " + float_dtypes + ")");
                                      const view<const T> in = view_of<const T>(x.array);
                                      py::array out = args[2].is_none() ? new_array(*x.dtype, in.shape(), &x, 1)
                                                                        : read_output(args[2], op, *x.dtype);
                                      const view<T> vo = view_of<T>(out);
                                      const compute_section nogil(vo.size());
                                      apply_softmax<T>(kernel, vo, in, axis, log);
                                      return std::move(out);
                                  });
        }

        template <activation_op Op>
        void def_activation(py::module_& m, const char* doc)
        {
            constexpr auto i = static_cast<std::size_t>(Op);
            using O = std::tuple_element_t<i, kernels::activation_ops>;
            def_fast(m, {O::name, {"x", "out"}, 1, doc}, [](const py::handle* args)
                     { return elementwise_call<kernels::activation_ops>(i, O::name, {"x"}, args); });
        }
    } // namespace

    void register_activation(py::module_& m)
    {
        def_activation<activation_op::relu>(m, "max(x, 0) elementwise; NaN stays NaN.");
        def_activation<activation_op::sigmoid>(
            m, "1 / (1 + exp(-x)) elementwise, computed without overflow (sigmoid(-100) is 3.7e-44, not 0).");
        def_activation<activation_op::tanh>(m, "Hyperbolic tangent elementwise (within NumPy's ULP bounds).");
        def_activation<activation_op::silu>(m, "x * sigmoid(x) elementwise (SiLU / swish); silu(-inf) is -0.");
        def_fast(m,
                 {"gelu",
                  {"x", "approximate='none'", "out"},
                  1,
                  "GELU elementwise: x * Phi(x) with the exact normal CDF (approximate='none', via erf), or\n"
                  "PyTorch's approximate='tanh' formula 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))."},
                 [](const py::handle* args)
                 {
                     std::size_t op = static_cast<std::size_t>(activation_op::gelu);
                     if (args[1])
                     {
                         if (!py::isinstance<py::str>(args[1]))
                             throw dtype_error("gelu: approximate must be 'none' or 'tanh'");
                         const std::string a = py::str(args[1]);
                         if (a == "tanh")
                             op = static_cast<std::size_t>(activation_op::gelu_tanh);
                         else if (a != "none")
                             throw argument_error("gelu: approximate must be 'none' or 'tanh', got '" + a + "'");
                     }
                     const py::handle xo[2] = {args[0], args[2]};
                     return elementwise_call<kernels::activation_ops>(op, "gelu", {"x"}, xo);
                 });
        def_fast(m,
                 {"leaky_relu",
                  {"x", "negative_slope=0.01", "out"},
                  1,
                  "x if x > 0 else negative_slope * x, elementwise. negative_slope is a number (in x's dtype)\n"
                  "or an array that broadcasts against x."},
                 [](const py::handle* args)
                 {
                     // Never released: a static py::object would be destroyed after the interpreter.
                     static const py::handle default_slope = py::float_(0.01).release();
                     const py::handle xo[3] = {args[0], args[1] ? args[1] : default_slope, args[2]};
                     return elementwise_call<activation_binary_ops>(0, "leaky_relu", {"x", "negative_slope"}, xo);
                 });
        def_fast(m,
                 {"softmax",
                  {"x", "axis=-1", "out"},
                  1,
                  "exp(x - max) / sum(exp(x - max)) along `axis` (any axis, any strides), fused per slice:\n"
                  "no temporaries, no overflow; a NaN in a slice makes that slice NaN. axis=None: over the\n"
                  "whole array (SciPy's), for x and out each at one stride (contiguous or transposed)."},
                 [](const py::handle* args) { return softmax_call(false, args); });
        def_fast(m,
                 {"log_softmax",
                  {"x", "axis=-1", "out"},
                  1,
                  "x - max - log(sum(exp(x - max))) along `axis` (or None, as softmax's): the log of softmax\n"
                  "without its underflow."},
                 [](const py::handle* args) { return softmax_call(true, args); });
    }
} // namespace pyperf_tensor::bindings
