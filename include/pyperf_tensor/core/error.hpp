// Typed errors. Each derives from a standard exception so generic handlers still work;
// messages name the shapes / dtypes involved. The Python bindings map them to
// ValueError (shape_error, argument_error), TypeError (dtype_error) and NumPy's AxisError
// (axis_error, a ValueError and an IndexError).
#pragma once

#include <stdexcept>
#include <string>

namespace pyperf_tensor
{
    // Shapes that do not broadcast, or an output of the wrong shape.
    class shape_error : public std::invalid_argument
    {
      public:
        using std::invalid_argument::invalid_argument;
    };

    // A dtype (or a mix of dtypes) an operation does not support.
    class dtype_error : public std::invalid_argument
    {
      public:
        using std::invalid_argument::invalid_argument;
    };

    // Any other bad argument: read-only output, rank above PYPERF_TENSOR_MAX_RANK,
    // a thread count out of range, a malformed environment variable.
    class argument_error : public std::invalid_argument
    {
      public:
        using std::invalid_argument::invalid_argument;
    };

    // An axis out of range for the array's dimension.
    class axis_error : public argument_error
    {
      public:
        using argument_error::argument_error;
    };
} // namespace pyperf_tensor
