// NumPy <-> pyperf_tensor without copies: classify Python operands, read dtype, shape and
// strides straight from the array object (no buffer_info allocation), refuse anything that
// would need a conversion, and dispatch once on the dtype.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <pyperf_tensor/core/axes.hpp>
#include <pyperf_tensor/core/error.hpp>
#include <pyperf_tensor/core/view.hpp>

namespace pyperf_tensor::bindings
{
    namespace py = pybind11;

    enum class dtype_id
    {
        f32,
        f64,
        i32,
        i64
    };

    inline const char* dtype_name(dtype_id d) noexcept
    {
        switch (d)
        {
        case dtype_id::f32:
            return "float32";
        case dtype_id::f64:
            return "float64";
        case dtype_id::i32:
            return "int32";
        default:
            return "int64";
        }
    }

    // The one dtype dispatcher: calls f(T{}) with the C++ type of `d`.
    template <class F>
    decltype(auto) dispatch_dtype(dtype_id d, F&& f)
    {
        switch (d)
        {
        case dtype_id::f32:
            return f(float{});
        case dtype_id::f64:
            return f(double{});
        case dtype_id::i32:
            return f(std::int32_t{});
        default:
            return f(std::int64_t{});
        }
    }

    template <class T>
    constexpr dtype_id dtype_of() noexcept
    {
        return std::is_same<T, float>::value          ? dtype_id::f32
               : std::is_same<T, double>::value       ? dtype_id::f64
               : std::is_same<T, std::int32_t>::value ? dtype_id::i32
                                                      : dtype_id::i64;
    }

    // A function argument: a NumPy array (including 0-d and NumPy scalars turned into
    // 0-d arrays) or a Python int/float, which adopts the array operand's dtype (NEP 50).
    struct operand
    {
        // Null (not an empty array: py::array's default constructor allocates one) for Python scalars.
        py::array array = py::reinterpret_steal<py::array>(py::handle());
        std::optional<dtype_id> dtype; // set for arrays
        bool is_float_scalar = false;  // a Python float (otherwise a Python int)
        py::object scalar;             // the Python scalar
    };

    // One axis argument: a Python int or integer NumPy scalar (not a bool or a float:
    // TypeError "op: axis must be <expected>, got <type>"); AxisError past +-2^30.
    int read_axis(py::handle a, const char* op, const char* expected);
    // axis=None (all_axes), an int, or a tuple of ints; read_axis's errors.
    axes read_axes(py::handle axis, const char* op);

    // The dtypes an op computes in, as its error messages list them.
    inline constexpr const char* all_dtypes = "float32, float64, int32, int64";
    inline constexpr const char* float_dtypes = "float32, float64";

    // Reads `obj` as an operand of `op` named `arg`; TypeError for anything else (an
    // array of another dtype: naming `supported`, the dtypes `op` computes in).
    operand read_operand(py::handle obj, const char* op, const char* arg, const char* supported = all_dtypes);

    // The dtype the operands compute in, NumPy 2's where that is one of theirs: TypeError
    // for mixes of array dtypes, and for Python floats with integer arrays (that would
    // need a float64 copy). A NumPy scalar or 0-d array that NumPy widens to the arrays'
    // dtype becomes a Python scalar of its value.
    dtype_id common_dtype(const char* op, operand* operands, std::size_t n);

    // Checks an `out=` argument: an ndarray, writeable, aligned, of dtype `d`.
    py::array read_output(py::handle obj, const char* op, dtype_id d);

    // The broadcast shape of the operands (scalars are 0-d).
    dims operand_shape(const operand& x);

    // A new array of `shape`, Fortran order when the array operands all are (so
    // transposed inputs give a transposed output, as NumPy's order='K' does).
    py::array new_array(dtype_id d, const dims& shape, const operand* operands, std::size_t n);

    // The array's memory as a view: strides converted from bytes, never copied.
    template <class T>
    view<T> view_of(const py::array& a)
    {
        const auto n = static_cast<std::size_t>(a.ndim());
        dims shape = dims::zeros(n), strides = dims::zeros(n);
        for (std::size_t i = 0; i < n; ++i)
        {
            shape[i] = a.shape()[i];
            // Extent-1 axes are never stepped along; NumPy leaves arbitrary strides there.
            strides[i] = shape[i] > 1 ? a.strides()[i] / static_cast<index_t>(sizeof(T)) : 0;
        }
        return view<T>(static_cast<T*>(const_cast<void*>(a.data())), shape, strides);
    }

    // An operand as a read-only view; a Python scalar is stored in `slot`.
    template <class T>
    view<const T> input_view(const operand& x, T& slot, const char* op)
    {
        if (x.array)
            return view_of<const T>(x.array);
        if constexpr (std::is_integral<T>::value)
        {
            int overflow = 0;
            const long long v = PyLong_AsLongLongAndOverflow(x.scalar.ptr(), &overflow);
            if (overflow || v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max())
                throw std::overflow_error(std::string(op) + ": Python integer " + std::string(py::str(x.scalar))
                                          + " out of bounds for " + dtype_name(dtype_of<T>()));
            slot = static_cast<T>(v);
        }
        else
            slot = static_cast<T>(PyFloat_AsDouble(x.scalar.ptr())); // an int past double's range: OverflowError
        if (PyErr_Occurred())
            throw py::error_already_set();
        return view<const T>(&slot, dims{});
    }

    // Releases the GIL for work big enough to be worth the ~0.1 us it costs.
    class compute_section
    {
      public:
        explicit compute_section(index_t elements)
        {
            if (elements >= (index_t{1} << 14))
                release_.emplace();
        }

      private:
        std::optional<py::gil_scoped_release> release_;
    };
} // namespace pyperf_tensor::bindings
