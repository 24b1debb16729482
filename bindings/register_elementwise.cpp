// Python bindings of the elementwise family. One path serves every op of every arity:
// read operands, pick the dtype, get or check `out`, view everything in place, and run
// the engine with the active ISA's kernel, outside the GIL for large inputs.
#include <array>
#include <stdexcept>
#include <vector>

#include <pyperf_tensor/ops/elementwise.hpp>

#include "fast_function.hpp"
#include "numpy_bridge.hpp"
#include "register.hpp"
#include "simd_dispatch.hpp"

namespace pyperf_tensor::bindings
{
    namespace
    {
        struct op_doc
        {
            std::vector<const char*> params; // the operands, then "out"
            const char* doc;
        };

        template <std::size_t N>
        py::object elementwise_call(std::size_t op, const char* name, const op_doc& sig, const py::handle* args)
        {
            std::array<operand, N> in;
            for (std::size_t k = 0; k < N; ++k)
                in[k] = read_operand(args[k], name, sig.params[k]);
            const dtype_id d = common_dtype(name, in.data(), N);
            return dispatch_dtype(d,
                                  [&](auto tag) -> py::object
                                  {
                                      using T = decltype(tag);
                                      const auto kernel = active_kernels().of<T>().template get<N>(op);
                                      if (kernel == nullptr)
                                          throw dtype_error(std::string(name) + ": dtype " + dtype_name(d)
                                                            + " is not supported (supported: float32, float64)");
                                      dims shape;
                                      for (std::size_t k = 0; k < N; ++k)
                                          shape =
                                              k ? broadcast_shapes(shape, operand_shape(in[k])) : operand_shape(in[k]);
                                      py::array out = args[N].is_none() ? new_array(d, shape, in.data(), N)
                                                                        : read_output(args[N], name, d);
                                      std::array<T, N> scalars{};
                                      std::array<view<const T>, N> views;
                                      for (std::size_t k = 0; k < N; ++k)
                                          views[k] = input_view(in[k], scalars[k], name);
                                      const view<T> vo = view_of<T>(out);
                                      const compute_section nogil(vo.size());
                                      apply_elementwise<T, N>(kernel, vo, views);
                                      return std::move(out);
                                  });
        }

        // Registers every op of one arity, named and ordered as in kernels::*_ops.
        template <class Ops, std::size_t... I>
        void def_ops(py::module_& m, const std::vector<op_doc>& docs, std::index_sequence<I...>)
        {
            constexpr std::size_t arity = std::tuple_element_t<0, Ops>::arity;
            (def_fast(m, {std::tuple_element_t<I, Ops>::name, docs[I].params, arity, docs[I].doc},
                      [sig = docs[I]](const py::handle* args)
                      { return elementwise_call<arity>(I, std::tuple_element_t<I, Ops>::name, sig, args); }),
             ...);
        }
        template <class Ops>
        void def_ops(py::module_& m, const std::vector<op_doc>& docs)
        {
            if (docs.size() != std::tuple_size<Ops>::value)
                throw std::logic_error("register_elementwise: one doc per op");
            def_ops<Ops>(m, docs, std::make_index_sequence<std::tuple_size<Ops>::value>{});
        }
    } // namespace

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
                {ab, "Elementwise a ** b (float only; libm per element, as NumPy)."}});
        def_ops<kernels::ternary_ops>(
            m, {{{"a", "b", "c", "out"},
                 "Elementwise a * b + c in one pass with broadcasting, rounded once where the CPU has FMA\n"
                 "(AVX2, AVX-512); with SSE2 kernels it rounds twice."},
                {{"x", "lo", "hi", "out"},
                 "minimum(maximum(x, lo), hi), NaN propagating, with broadcasting (lo and hi may be arrays)."}});
    }
} // namespace pyperf_tensor::bindings
