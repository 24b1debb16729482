// Python bindings of the elementwise family, all through one path (elementwise_call.hpp).
#include <array>
#include <stdexcept>
#include <vector>

#include <pyperf_tensor/ops/elementwise.hpp>

#include "elementwise_call.hpp"
#include "register.hpp"

namespace pyperf_tensor::bindings
{
    void register_elementwise(py::module_& m)
    {
        const std::vector<const char*> x{"x", "out"}, ab{"a", "b", "out"};
        def_ops<kernels::unary_ops>(
            m, {{x, "Elementwise -x (integers wrap)."},
                {x, "Elementwise |x| (integers wrap: abs(INT_MIN) == INT_MIN)."},
                {x, "Elementwise square root (float only; sqrt(-1) is nan)."},
                {x, "Elementwise e**x (float only; within NumPy's ULP bounds, subnormal results included)."},
                {x, "Elementwise natural logarithm (float only; log(0) is -inf, log(-1) nan)."},
                {x, "Elementwise x*x (integers wrap)."},
                {x, "Elementwise 1/x (float only)."}});
        def_ops<kernels::binary_ops>(
            m, {{ab, "Elementwise a + b with NumPy broadcasting (integers wrap)."},
                {ab, "Elementwise a - b (integers wrap)."},
                {ab, "Elementwise a * b (integers wrap)."},
                {ab, "Elementwise a / b (float only: integer division would need a float copy, so it is a TypeError)."},
                {ab, "Elementwise maximum; NaN in either operand gives NaN (as numpy.maximum)."},
                {ab, "Elementwise minimum; NaN in either operand gives NaN (as numpy.minimum)."},
                {ab, "Elementwise a ** b (float only; in SIMD on AVX2/AVX-512 within 1 ULP, nearly always correctly\n"
                     "rounded: float32 through float64, float64 in double-double steps; special values as C's pow).\n"
                     "A scalar b that is a whole number up to 64 in magnitude (x ** 3, x ** -2) takes products by\n"
                     "squaring on every ISA, as accurate; 2, 1, 0, -1 and 0.5 are exact shortcuts."}});
        using kernels::binary_op, kernels::ternary_op;
        const std::vector<const char*> abc{"a", "b", "c", "out"}, clip_params{"x", "lo", "hi", "out"};
        def_fast(m,
                 {"fma", abc, 3,
                  "Elementwise a * b + c in one pass with broadcasting, rounded once where the CPU has FMA\n"
                  "(AVX2, AVX-512); with SSE2 kernels it rounds twice."},
                 [abc](const py::handle* args)
                 { return elementwise_call<kernels::ternary_ops>(std::size_t(ternary_op::fma), "fma", abc, args); });
        // clip(x, lo, None) is maximum(x, lo) and clip(x, None, hi) minimum(x, hi), as
        // NumPy's; both None: x's values (maximum(x, x)), into a new array or out.
        def_fast(m,
                 {"clip", clip_params, 3,
                  "minimum(maximum(x, lo), hi), NaN propagating, with broadcasting (lo and hi may be arrays);\n"
                  "either bound may be None (no bound), as in numpy.clip."},
                 [clip_params](const py::handle* args)
                 {
                     const bool no_lo = args[1].is_none(), no_hi = args[2].is_none();
                     if (!no_lo && !no_hi)
                         return elementwise_call<kernels::ternary_ops>(std::size_t(ternary_op::clip), "clip",
                                                                       clip_params, args);
                     const py::handle bound = no_lo && no_hi ? args[0] : no_lo ? args[2] : args[1];
                     const py::handle two[3] = {args[0], bound, args[3]};
                     const auto op = no_lo && !no_hi ? binary_op::minimum : binary_op::maximum;
                     return elementwise_call<kernels::binary_ops>(std::size_t(op), "clip", {"x", no_lo ? "hi" : "lo"},
                                                                  two);
                 });
    }
} // namespace pyperf_tensor::bindings
