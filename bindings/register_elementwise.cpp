// Python bindings of the elementwise family. One path serves every binary op:
// read operands, pick the dtype, get or check `out`, view everything in place, and run
// the engine with the active ISA's kernel, outside the GIL for large inputs.
#include <pyperf_tensor/ops/elementwise.hpp>

#include "fast_function.hpp"
#include "numpy_bridge.hpp"
#include "register.hpp"
#include "simd_dispatch.hpp"

namespace pyperf_tensor::bindings
{
    namespace
    {
        py::object binary_call(kernels::binary_op op, const char* name, py::handle a_obj, py::handle b_obj,
                               py::handle out_obj)
        {
            const operand a = read_operand(a_obj, name, "a");
            const operand b = read_operand(b_obj, name, "b");
            const dtype_id d = common_dtype(name, a, b);
            py::array out;
            if (out_obj.is_none())
                out = new_array(d, broadcast_shapes(operand_shape(a), operand_shape(b)), a, b);
            else
                out = read_output(out_obj, name, d);
            dispatch_dtype(d,
                           [&](auto tag)
                           {
                               using T = decltype(tag);
                               T sa{}, sb{};
                               const view<const T> va = input_view(a, sa, name), vb = input_view(b, sb, name);
                               const view<T> vo = view_of<T>(out);
                               const auto kernel = active_kernels().of<T>().binary[static_cast<std::size_t>(op)];
                               const compute_section nogil(vo.size());
                               apply_binary<T>(kernel, vo, va, vb);
                           });
            return std::move(out);
        }

        template <class Op>
        void def_binary(py::module_& m, kernels::binary_op op, const char* doc)
        {
            def_fast(m, {Op::name, {"a", "b", "out"}, 2, doc},
                     [op](const py::handle* args) { return binary_call(op, Op::name, args[0], args[1], args[2]); });
        }
    } // namespace

    void register_elementwise(py::module_& m)
    {
        def_binary<kernels::add_op>(m, kernels::binary_op::add,
                                    "Elementwise a + b with NumPy broadcasting. a and b are ndarrays of one dtype\n"
                                    "(float32, float64, int32, int64) or Python scalars. With out= the result is\n"
                                    "written into that array (out=a is in place) and out is returned. Never copies\n"
                                    "or converts its inputs: mixed dtypes raise TypeError.");
    }
} // namespace pyperf_tensor::bindings
