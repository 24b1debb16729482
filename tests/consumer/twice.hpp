// A user's own kernel, compiled once per ISA (pyperf_tensor_add_kernels in CMakeLists.txt).
#pragma once

#include <pyperf_tensor/simd/dispatch.hpp>

namespace consumer
{
    using twice_fn = const char* (*)(float* x, long n) noexcept; // x *= 2; returns the ISA's name
#define CONSUMER_DECLARE(isa)                                                                                          \
    namespace isa                                                                                                      \
    {                                                                                                                  \
        const char* twice(float* x, long n) noexcept;                                                                  \
    }
    PYPERF_TENSOR_FOR_EACH_ISA(CONSUMER_DECLARE)
#undef CONSUMER_DECLARE
} // namespace consumer
