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
                     "rounded: float32 through float64, float64 in double-double steps; special values as C's pow)."}});
        def_ops<kernels::ternary_ops>(
            m, {{{"a", "b", "c", "out"},
                 "Elementwise a * b + c in one pass with broadcasting, rounded once where the CPU has FMA\n"
                 "(AVX2, AVX-512); with SSE2 kernels it rounds twice."},
                {{"x", "lo", "hi", "out"},
                 "minimum(maximum(x, lo), hi), NaN propagating, with broadcasting (lo and hi may be arrays)."}});
    }
} // namespace pyperf_tensor::bindings
