#include "numpy_bridge.hpp"

namespace pyperf_tensor::bindings
{
    namespace
    {
        std::string type_name(py::handle obj) { return py::str(py::type::handle_of(obj).attr("__name__")); }

        std::string describe(const py::array& a) { return py::str(a.dtype()); }

        bool is_native(char byteorder) noexcept
        {
            const std::uint16_t probe = 1;
            const bool little = *reinterpret_cast<const unsigned char*>(&probe) == 1;
            return byteorder == '=' || byteorder == '|' || byteorder == (little ? '<' : '>');
        }

        // Rejects what cannot be viewed as-is and names the fix.
        dtype_id array_dtype(const py::array& a, const char* op, const char* arg, const char* supported)
        {
            const py::dtype dt = a.dtype();
            if (!is_native(dt.byteorder()))
                throw dtype_error(std::string(op) + ": argument '" + arg + "' has non-native byte order (dtype "
                                  + describe(a) + "); convert it with x.astype(x.dtype.newbyteorder('='))");
            const char kind = dt.kind();
            const auto size = dt.itemsize();
            std::optional<dtype_id> d;
            if (kind == 'f' && size == 4)
                d = dtype_id::f32;
            else if (kind == 'f' && size == 8)
                d = dtype_id::f64;
            else if (kind == 'i' && size == 4)
                d = dtype_id::i32;
            else if (kind == 'i' && size == 8)
                d = dtype_id::i64;
            if (!d)
                throw dtype_error(std::string(op) + ": unsupported dtype " + describe(a) + " for argument '" + arg
                                  + "' (supported: " + supported + ")");
            if (!(a.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_))
                throw argument_error(std::string(op) + ": argument '" + arg
                                     + "' is not aligned to its element size; copy it with numpy.ascontiguousarray()");
            return *d;
        }

        bool is_masked_array(py::handle obj)
        {
            // numpy.ma is only loaded if someone made a masked array.
            PyObject* ma = PyDict_GetItemString(PySys_GetObject("modules"), "numpy.ma");
            if (ma == nullptr)
                return false;
            return py::isinstance(obj, py::reinterpret_borrow<py::object>(ma).attr("MaskedArray"));
        }
    } // namespace

    operand read_operand(py::handle obj, const char* op, const char* arg, const char* supported)
    {
        operand x;
        if (py::isinstance<py::array>(obj))
        {
            if (Py_TYPE(obj.ptr()) != py::detail::npy_api::get().PyArray_Type_ && is_masked_array(obj))
                throw dtype_error(std::string(op) + ": argument '" + arg
                                  + "' is a masked array and its mask would be ignored; pass x.filled(...) or x.data");
            x.array = py::reinterpret_borrow<py::array>(obj);
            x.dtype = array_dtype(x.array, op, arg, supported);
            return x;
        }
        static const py::handle numpy_generic =
            py::object(py::module_::import("numpy").attr("generic")).release(); // kept for good
        // Before the Python float test: numpy.float64 is a subclass of float, and adopting
        // the array's dtype would compute x32 * np.float64(0.1) in float32 silently.
        if (py::isinstance(obj, numpy_generic) && !PyBool_Check(obj.ptr()))
        {
            // A NumPy scalar keeps its dtype (NumPy 2's rule): view it as a 0-d array (one
            // element, no user data copied).
            x.array = py::array::ensure(obj);
            x.dtype = array_dtype(x.array, op, arg, supported);
            return x;
        }
        if (PyFloat_Check(obj.ptr()) || (PyLong_Check(obj.ptr()) && !PyBool_Check(obj.ptr())))
        {
            x.scalar = py::reinterpret_borrow<py::object>(obj);
            x.is_float_scalar = PyFloat_Check(obj.ptr());
            return x;
        }
        throw dtype_error(std::string(op) + ": argument '" + arg
                          + "' must be a numpy.ndarray or a Python int/float, got " + type_name(obj)
                          + " (convert it with numpy.asarray(); pyperf_tensor never copies silently)");
    }

    namespace
    {
        // Whether NumPy 2 promotes a NumPy scalar or 0-d array of dtype `from` with an
        // array of dtype `to` (not `from`) to `to`: float64 takes every other dtype, int64
        // takes int32. Every other mix gives a dtype neither has (float32 with int32 is
        // float64) or the scalar's own wider one.
        bool widens(dtype_id from, dtype_id to)
        {
            return to == dtype_id::f64 || (from == dtype_id::i32 && to == dtype_id::i64);
        }

        [[noreturn]] void mixed_dtypes(const char* op, dtype_id a, dtype_id b)
        {
            throw dtype_error(std::string(op) + ": mixed dtypes " + dtype_name(a) + " and " + dtype_name(b)
                              + "; cast explicitly with .astype() (pyperf_tensor never converts silently)");
        }
    } // namespace

    dtype_id common_dtype(const char* op, operand* operands, std::size_t n)
    {
        // The dtype of the arrays of rank >= 1, which must agree; with none, the dtype of
        // the 0-d operands that the others widen to.
        std::optional<dtype_id> d;
        for (std::size_t k = 0; k < n; ++k)
        {
            const operand& x = operands[k];
            if (!x.dtype || x.array.ndim() == 0)
                continue;
            if (d && *x.dtype != *d)
                mixed_dtypes(op, *d, *x.dtype);
            d = x.dtype;
        }
        if (!d)
            for (std::size_t k = 0; k < n; ++k)
                if (operands[k].dtype && (!d || widens(*d, *operands[k].dtype)))
                    d = operands[k].dtype;
        // A NumPy scalar or 0-d array that NumPy 2 widens to d (x64 * np.float32(2),
        // i64 + np.int32(1)) enters with its value, as a Python scalar: one number, read
        // exactly as NumPy converts it.
        bool any_float_scalar = false;
        for (std::size_t k = 0; k < n; ++k)
        {
            operand& x = operands[k];
            if (x.dtype && *x.dtype != *d)
            {
                if (!widens(*x.dtype, *d))
                    mixed_dtypes(op, *d, *x.dtype);
                x.scalar = x.array.attr("item")();
                x.is_float_scalar = PyFloat_Check(x.scalar.ptr());
                x.array = py::reinterpret_steal<py::array>(py::handle());
                x.dtype.reset();
            }
            any_float_scalar = any_float_scalar || (!x.dtype && x.is_float_scalar);
        }
        if (!d)
            return any_float_scalar ? dtype_id::f64 : dtype_id::i64;
        if (any_float_scalar && (*d == dtype_id::i32 || *d == dtype_id::i64))
            throw dtype_error(std::string(op) + ": a Python float with a " + dtype_name(*d)
                              + " array would need a float64 copy; cast the array explicitly with .astype()");
        return *d;
    }

    py::array read_output(py::handle obj, const char* op, dtype_id d)
    {
        if (!py::isinstance<py::array>(obj))
            throw dtype_error(std::string(op) + ": 'out' must be a numpy.ndarray, got " + type_name(obj));
        auto out = py::reinterpret_borrow<py::array>(obj);
        const dtype_id od = array_dtype(out, op, "out", dtype_name(d));
        if (od != d)
            throw dtype_error(std::string(op) + ": 'out' has dtype " + dtype_name(od) + " but the result is "
                              + dtype_name(d));
        if (!out.writeable())
            throw argument_error(std::string(op) + ": 'out' is read-only");
        return out;
    }

    dims operand_shape(const operand& x)
    {
        if (!x.array)
            return dims{};
        return dims(x.array.shape(), x.array.shape() + x.array.ndim());
    }

    py::array new_array(dtype_id d, const dims& shape, const operand* operands, std::size_t n)
    {
        bool fortran = shape.size() > 1;
        for (std::size_t k = 0; k < n; ++k)
        {
            const operand& x = operands[k];
            if (x.array && x.array.ndim() == static_cast<py::ssize_t>(shape.size()))
            {
                const int flags = x.array.flags();
                fortran = fortran && (flags & py::detail::npy_api::NPY_ARRAY_F_CONTIGUOUS_)
                          && !(flags & py::detail::npy_api::NPY_ARRAY_C_CONTIGUOUS_);
            }
            else if (x.array && x.array.ndim() > 0)
                fortran = false;
        }
        return dispatch_dtype(d,
                              [&](auto tag)
                              {
                                  using T = decltype(tag);
                                  const dims strides = fortran ? f_strides(shape) : c_strides(shape);
                                  std::vector<py::ssize_t> s(shape.begin(), shape.end()), st;
                                  for (index_t v : strides)
                                      st.push_back(v * static_cast<py::ssize_t>(sizeof(T)));
                                  return py::array(py::dtype::of<T>(), s, st);
                              });
    }

    int read_axis(py::handle a, const char* op, const char* expected)
    {
        auto wrong = [&]
        {
            return dtype_error(std::string(op) + ": axis must be " + expected + ", got "
                               + std::string(py::str(py::type::handle_of(a).attr("__name__"))));
        };
        if (PyBool_Check(a.ptr()) || !PyIndex_Check(a.ptr()))
            throw wrong();
        // An ndarray has __index__ but refuses it unless it holds one integer.
        const auto index = py::reinterpret_steal<py::object>(PyNumber_Index(a.ptr()));
        if (!index)
        {
            PyErr_Clear();
            throw wrong();
        }
        const long long v = PyLong_AsLongLong(index.ptr());
        if (PyErr_Occurred())
            throw py::error_already_set();
        if (v < -(1LL << 30) || v > (1LL << 30))
            throw axis_error(std::string(op) + ": axis " + std::to_string(v) + " is out of bounds");
        return static_cast<int>(v);
    }

    axes read_axes(py::handle axis, const char* op)
    {
        if (axis.is_none())
            return all_axes;
        auto one = [&](py::handle a) { return read_axis(a, op, "None, an int or a tuple of ints"); };
        if (py::isinstance<py::tuple>(axis))
        {
            std::vector<int> list;
            for (auto a : py::reinterpret_borrow<py::tuple>(axis))
                list.push_back(one(a));
            return axes(list);
        }
        return axes(one(axis));
    }
} // namespace pyperf_tensor::bindings
