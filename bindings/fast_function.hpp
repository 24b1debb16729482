// Module functions called through CPython's vectorcall convention (METH_FASTCALL |
// METH_KEYWORDS). pybind11 parses keyword arguments in ~0.2 us, as much as a whole
// np.add on 100 floats; this entry parses them in a few nanoseconds. Every op is
// registered through def_fast, so this is written once.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

namespace pyperf_tensor::bindings
{
    namespace py = pybind11;

    struct fast_signature
    {
        const char* name;
        std::vector<const char*> params; // in positional order; "name=text" shows a default in the
                                         // signature (the impl receives a null handle when omitted,
                                         // so an explicit None can mean something else)
        std::size_t required;            // the first `required` params have no default (None)
        const char* doc;                 // text after the signature line
    };

    // impl receives one handle per parameter: where not given, None, or null for a
    // parameter with a default shown in the signature.
    using fast_impl = std::function<py::object(const py::handle* args)>;

    void def_fast(py::module_& m, fast_signature sig, fast_impl impl);

    // Sets the Python error for the exception in flight (every C++ error maps to one),
    // its message prefixed with "op: " where op is given and the message lacks it.
    void set_python_error(std::exception_ptr error, const char* op = nullptr) noexcept;
} // namespace pyperf_tensor::bindings
