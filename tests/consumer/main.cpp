// The README's C++ example, built by ctest against the installed package and via add_subdirectory.
#include <cstdio>

#include <pyperf_tensor/pyperf_tensor.hpp>

#include "twice.hpp"

namespace pt = pyperf_tensor;

int main()
{
    pt::tensor<float> a(pt::dims{2, 3}, {1, 2, 3, 4, 5, 6});
    pt::tensor<float> row(pt::dims{3}, {10, 20, 30});

    pt::tensor<float> c = pt::add(a, row); // broadcasting, new tensor
    pt::add_(a, 1.0f);                     // in place
    pt::add_into(a, a, c);                 // into an existing output

    // Our own per-ISA kernel: the best this CPU runs, or PYPERF_TENSOR_ARCH.
#define CONSUMER_ENTRY(isa) {#isa, &consumer::isa::twice},
    const auto twice = pt::simd::pick<consumer::twice_fn>({PYPERF_TENSOR_FOR_EACH_ISA(CONSUMER_ENTRY)});
    float x[37];
    for (int i = 0; i < 37; ++i)
        x[i] = static_cast<float>(i);
    const char* isa = twice(x, 37);

    const bool ok = c(1, 2) == 36.0f && a(0, 0) == 13.0f && x[36] == 72.0f && x[5] == 10.0f;
    std::printf("%s: c(1, 2) = %g, a(0, 0) = %g, ISA %s, own kernel on %s, %zu threads\n",
                ok ? "consumer ok" : "consumer FAILED", c(1, 2), a(0, 0), pt::simd::isa_name<pt::simd::default_arch>(),
                isa, pt::get_num_threads());
    return ok ? 0 : 1;
}
