// doctest main for one ISA build of the suite. Exits with 77 (ctest: skipped) when this
// CPU cannot run the ISA the executable was compiled for.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include <pyperf_tensor/simd/arch.hpp>

int main(int argc, char** argv)
{
    const char* isa = pyperf_tensor::simd::isa_name<pyperf_tensor::simd::default_arch>();
    if (!pyperf_tensor::simd::cpu_supports(isa))
    {
        std::printf("skipped: this CPU cannot run %s\n", isa);
        return 77;
    }
    std::printf("pyperf_tensor tests, kernels compiled for %s\n", isa);
    doctest::Context context(argc, argv);
    return context.run();
}
