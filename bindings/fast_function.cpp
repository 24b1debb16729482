#include "fast_function.hpp"

#include <new>
#include <stdexcept>

#include <pyperf_tensor/core/error.hpp>

namespace pyperf_tensor::bindings
{
    namespace
    {
        constexpr std::size_t max_params = 8;

        struct fast_function
        {
            fast_signature sig;
            fast_impl impl;
            std::vector<std::string> names; // params without their "=default" text
            std::vector<bool> shown;        // params with a "=default" text
            std::string doc;                // "name(a, b, out=None)\n--\n\n..." for inspect.signature
            PyMethodDef def;
        };

        PyObject* call(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) noexcept
        {
            const auto& f = *static_cast<const fast_function*>(PyCapsule_GetPointer(self, nullptr));
            const std::size_t n = f.sig.params.size();
            py::handle slots[max_params];
            if (static_cast<std::size_t>(nargs) > n)
            {
                PyErr_Format(PyExc_TypeError, "%s() takes at most %zu positional arguments (%zd given)", f.sig.name, n,
                             nargs);
                return nullptr;
            }
            for (Py_ssize_t i = 0; i < nargs; ++i)
                slots[i] = args[i];
            const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
            for (Py_ssize_t k = 0; k < nkw; ++k)
            {
                PyObject* key = PyTuple_GET_ITEM(kwnames, k);
                std::size_t i = 0;
                while (i < n && PyUnicode_CompareWithASCIIString(key, f.names[i].c_str()) != 0)
                    ++i;
                if (i == n)
                {
                    PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", f.sig.name, key);
                    return nullptr;
                }
                if (slots[i])
                {
                    PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", f.sig.name,
                                 f.names[i].c_str());
                    return nullptr;
                }
                slots[i] = args[nargs + k];
            }
            for (std::size_t i = 0; i < n; ++i)
                if (!slots[i])
                {
                    if (i < f.sig.required)
                    {
                        PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", f.sig.name,
                                     f.names[i].c_str());
                        return nullptr;
                    }
                    slots[i] = f.shown[i] ? py::handle() : py::handle(Py_None);
                }
            try
            {
                return f.impl(slots).release().ptr();
            }
            catch (...)
            {
                set_python_error(std::current_exception(), f.sig.name);
                return nullptr;
            }
        }
    } // namespace

    void def_fast(py::module_& m, fast_signature sig, fast_impl impl)
    {
        if (sig.params.size() > max_params)
            throw std::logic_error("def_fast: too many parameters");
        auto* f = new fast_function{std::move(sig), std::move(impl), {}, {}, {}, {}}; // lives as long as the process
        f->doc = std::string(f->sig.name) + "(";
        for (std::size_t i = 0; i < f->sig.params.size(); ++i)
        {
            const std::string p = f->sig.params[i];
            const bool has_default = p.find('=') != std::string::npos;
            f->names.push_back(p.substr(0, p.find('=')));
            f->shown.push_back(has_default);
            f->doc += std::string(i ? ", " : "") + p + (i < f->sig.required || has_default ? "" : "=None");
        }
        f->doc += ")\n--\n\n" + std::string(f->sig.doc);
        f->def = PyMethodDef{f->sig.name, reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&call)),
                             METH_FASTCALL | METH_KEYWORDS, f->doc.c_str()};
        py::capsule self(static_cast<void*>(f));
        py::object fn =
            py::reinterpret_steal<py::object>(PyCFunction_NewEx(&f->def, self.ptr(), m.attr("__name__").ptr()));
        if (!fn)
            throw py::error_already_set();
        m.attr(f->sig.name) = fn;
    }

    void set_python_error(std::exception_ptr error, const char* op) noexcept
    {
        // The library's own messages ("operands could not be broadcast ...") name the op
        // they came from; the bindings' messages already begin with it.
        auto message = [op](const std::exception& e)
        {
            const std::string what = e.what(), prefix = op ? std::string(op) + ": " : std::string();
            return what.compare(0, prefix.size(), prefix) == 0 ? what : prefix + what;
        };
        try
        {
            std::rethrow_exception(error);
        }
        catch (py::error_already_set& e)
        {
            e.restore();
        }
        catch (const py::builtin_exception& e)
        {
            e.set_error();
        }
        catch (const dtype_error& e)
        {
            PyErr_SetString(PyExc_TypeError, message(e).c_str());
        }
        catch (const axis_error& e) // NumPy's AxisError: a ValueError and an IndexError
        {
            PyErr_SetObject(py::module_::import("numpy").attr("exceptions").attr("AxisError").ptr(),
                            py::str(message(e)).ptr());
        }
        catch (const std::invalid_argument& e) // shape_error, argument_error
        {
            PyErr_SetString(PyExc_ValueError, message(e).c_str());
        }
        catch (const std::overflow_error& e)
        {
            PyErr_SetString(PyExc_OverflowError, message(e).c_str());
        }
        catch (const std::bad_alloc&)
        {
            PyErr_SetString(PyExc_MemoryError, "out of memory");
        }
        catch (const std::exception& e)
        {
            PyErr_SetString(PyExc_RuntimeError, message(e).c_str());
        }
        catch (...)
        {
            PyErr_SetString(PyExc_RuntimeError, "unknown C++ exception");
        }
    }
} // namespace pyperf_tensor::bindings
