// The one binding path of every elementwise op (math and pointwise activations): read
// the operands, pick the dtype, get or check `out`, view everything in place, and run
// the engine with the active ISA's kernel, outside the GIL for large inputs.
#pragma once

#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include <pyperf_tensor/ops/elementwise.hpp>

#include "fast_function.hpp"
#include "numpy_bridge.hpp"
#include "simd_dispatch.hpp"

namespace pyperf_tensor::bindings
{
    struct op_doc
    {
        std::vector<const char*> params; // the operands, then "out"
        const char* doc;
    };

    // Op number `op` of the list Ops on args (the operands, then out); `params` names
    // the operands in error messages.
    template <class Ops>
    py::object elementwise_call(std::size_t op, const char* name, const std::vector<const char*>& params,
                                const py::handle* args)
    {
        constexpr std::size_t N = std::tuple_element_t<0, Ops>::arity;
        // Ops with integer kernels have them for int32 and int64 alike.
        const char* supported =
            active_kernels().of<std::int32_t>().template get<Ops>(op) != nullptr ? all_dtypes : float_dtypes;
        std::array<operand, N> in;
        for (std::size_t k = 0; k < N; ++k)
            in[k] = read_operand(args[k], name, params[k], supported);
        const dtype_id d = common_dtype(name, in.data(), N);
        return dispatch_dtype(d,
                              [&](auto tag) -> py::object
                              {
                                  using T = decltype(tag);
                                  const auto kernel = active_kernels().of<T>().template get<Ops>(op);
                                  if (kernel == nullptr)
                                      throw dtype_error(std::string(name) + ": dtype " + dtype_name(d)
                                                        + " is not supported (supported: " + supported + ")");
                                  dims shape;
                                  for (std::size_t k = 0; k < N; ++k)
                                      shape = k ? broadcast_shapes(shape, operand_shape(in[k])) : operand_shape(in[k]);
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

    // Registers every op of one list, named and ordered as in kernels::*_ops.
    template <class Ops, std::size_t... I>
    void def_ops(py::module_& m, const std::vector<op_doc>& docs, std::index_sequence<I...>)
    {
        constexpr std::size_t arity = std::tuple_element_t<0, Ops>::arity;
        (def_fast(m, {std::tuple_element_t<I, Ops>::name, docs[I].params, arity, docs[I].doc},
                  [sig = docs[I]](const py::handle* args)
                  { return elementwise_call<Ops>(I, std::tuple_element_t<I, Ops>::name, sig.params, args); }),
         ...);
    }
    template <class Ops>
    void def_ops(py::module_& m, const std::vector<op_doc>& docs)
    {
        if (docs.size() != std::tuple_size<Ops>::value)
            throw std::logic_error("register_elementwise: one doc per op");
        def_ops<Ops>(m, docs, std::make_index_sequence<std::tuple_size<Ops>::value>{});
    }
} // namespace pyperf_tensor::bindings
