// Typed errors. Each derives from a standard exception so generic handlers still work;
// messages name the shapes / dtypes involved. The Python bindings map them to
// ValueError (shape_error, argument_error) and TypeError (dtype_error).
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
} // namespace pyperf_tensor
