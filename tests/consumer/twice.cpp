#include <type_traits>

#include <pyperf_tensor/pyperf_tensor.hpp>

#include "twice.hpp"

namespace consumer::PYPERF_TENSOR_KERNEL_ISA
{
    const char* twice(float* x, long n) noexcept
    {
        using arch = pyperf_tensor::simd::PYPERF_TENSOR_KERNEL_ISA;
        pyperf_tensor::simd::for_each_lane<arch>(n, x,
                                                 [&](long i, auto lane)
                                                 {
                                                     using V = typename decltype(lane)::type;
                                                     V v;
                                                     if constexpr (std::is_arithmetic<V>::value)
                                                         v = x[i];
                                                     else
                                                         v = V::load_unaligned(x + i);
                                                     pyperf_tensor::simd::store(x + i, v + v);
                                                 });
        return pyperf_tensor::simd::isa_name<arch>();
    }
} // namespace consumer::PYPERF_TENSOR_KERNEL_ISA
