// The README's C++ example, built by ctest against the installed package and via add_subdirectory.
#include <cstdio>

#include <pyperf_tensor/pyperf_tensor.hpp>

namespace pt = pyperf_tensor;

int main()
{
    pt::tensor<float> a(pt::dims{2, 3}, {1, 2, 3, 4, 5, 6});
    pt::tensor<float> row(pt::dims{3}, {10, 20, 30});

    pt::tensor<float> c = pt::add(a, row); // broadcasting, new tensor
    pt::add_(a, 1.0f);                     // in place
    pt::add_into(a, a, c);                 // into an existing output

    const bool ok = c(1, 2) == 36.0f && a(0, 0) == 13.0f;
    std::printf("%s: c(1, 2) = %g, a(0, 0) = %g, ISA %s, %zu threads\n", ok ? "consumer ok" : "consumer FAILED",
                c(1, 2), a(0, 0), pt::simd::isa_name<pt::simd::default_arch>(), pt::get_num_threads());
    return ok ? 0 : 1;
}
