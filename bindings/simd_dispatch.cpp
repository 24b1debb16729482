#include "simd_dispatch.hpp"

#include <cstdlib>

#include <pyperf_tensor/core/error.hpp>
#include <pyperf_tensor/simd/arch.hpp>

namespace pyperf_tensor::bindings
{
    namespace
    {
        struct isa_entry
        {
            const char* name;
            const kernel_table& (*table)() noexcept;
        };
        const isa_entry isa_entries[] = {
            {"sse2", &kernels_sse2},
            {"avx2", &kernels_avx2},
            {"avx512", &kernels_avx512},
        };
        const kernel_table* active = nullptr;
    } // namespace

    std::vector<std::string> available_isas()
    {
        std::vector<std::string> names;
        for (const auto& e : isa_entries)
            if (simd::cpu_supports(e.name))
                names.emplace_back(e.name);
        return names;
    }

    const kernel_table& active_kernels() noexcept { return *active; }

    void select_isa(const std::string& name)
    {
        for (const auto& e : isa_entries)
        {
            if (name != e.name)
                continue;
            if (!simd::cpu_supports(e.name))
            {
                std::string have;
                for (const auto& a : available_isas())
                    have += (have.empty() ? "" : ", ") + a;
                throw argument_error("ISA '" + name + "' is not supported by this CPU (available: " + have + ")");
            }
            active = &e.table();
            return;
        }
        throw argument_error("unknown ISA '" + name + "' (expected sse2, avx2 or avx512)");
    }

    void select_isa_from_environment()
    {
        const char* env = std::getenv("PYPERF_TENSOR_ARCH");
        if (env != nullptr && *env != '\0')
        {
            try
            {
                select_isa(env);
            }
            catch (const argument_error& e)
            {
                throw argument_error(std::string("PYPERF_TENSOR_ARCH: ") + e.what());
            }
            return;
        }
        select_isa(available_isas().back());
    }
} // namespace pyperf_tensor::bindings
