// doctest main for one ISA build of the suite. Exits with 77 (ctest: skipped) when this
// CPU cannot run the ISA the executable was compiled for.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>

#include <pyperf_tensor/simd/arch.hpp>

namespace
{
    bool cpu_runs(const char* isa)
    {
        if (std::strcmp(isa, "avx512") == 0)
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
                   && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")
                   && __builtin_cpu_supports("avx512cd");
        if (std::strcmp(isa, "avx2") == 0)
            return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        return true;
    }
} // namespace

int main(int argc, char** argv)
{
    const char* isa = pyperf_tensor::simd::isa_name<pyperf_tensor::simd::default_arch>();
    if (!cpu_runs(isa))
    {
        std::printf("skipped: this CPU cannot run %s\n", isa);
        return 77;
    }
    std::printf("pyperf_tensor tests, kernels compiled for %s\n", isa);
    doctest::Context context(argc, argv);
    return context.run();
}
