// Run-time choice of the kernel table: the best ISA this CPU (and OS) supports, or a
// lower one forced by PYPERF_TENSOR_ARCH=sse2|avx2|avx512 (simd/dispatch.hpp).
#pragma once

#include <string>

#include "dispatch/kernel_table.hpp"

namespace pyperf_tensor::bindings
{
    // The kernels in use.
    const kernel_table& active_kernels() noexcept;
    // Select by name; throws argument_error for an unknown or unavailable ISA.
    void select_isa(const std::string& name);
    // PYPERF_TENSOR_ARCH if set, else the best available.
    void select_isa_from_environment();
} // namespace pyperf_tensor::bindings
