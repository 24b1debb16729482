#include "simd_dispatch.hpp"

#include <pyperf_tensor/simd/dispatch.hpp>

namespace pyperf_tensor::bindings
{
    namespace
    {
        const kernel_table* active = nullptr;
    } // namespace

    const kernel_table& active_kernels() noexcept { return *active; }

    void select_isa(const std::string& name)
    {
#define PYPERF_TENSOR_TABLE(isa) {#isa, &kernels_##isa},
        active =
            &simd::pick<const kernel_table& (*)() noexcept>({PYPERF_TENSOR_FOR_EACH_ISA(PYPERF_TENSOR_TABLE)}, name)();
#undef PYPERF_TENSOR_TABLE
    }

    void select_isa_from_environment() { select_isa(simd::chosen_isa()); }
} // namespace pyperf_tensor::bindings
