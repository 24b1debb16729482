// Compiled once per ISA: -DPYPERF_TENSOR_KERNEL_ISA=sse2|avx2|avx512 with that ISA's
// flags (see pyperf_tensor_isa_flags in cmake/). Only Arch-templated kernel code lives
// here, so the linker never has a reason to pick an AVX-512 copy of shared inline code.
#include <tuple>
#include <utility>

#include "kernel_table.hpp"

#ifndef PYPERF_TENSOR_KERNEL_ISA
#error "compile with -DPYPERF_TENSOR_KERNEL_ISA=sse2|avx2|avx512"
#endif
#define PYPERF_TENSOR_CAT2(a, b) a##b
#define PYPERF_TENSOR_CAT(a, b) PYPERF_TENSOR_CAT2(a, b)

namespace pyperf_tensor::bindings
{
    namespace
    {
        using arch = simd::PYPERF_TENSOR_KERNEL_ISA;

        template <class T, std::size_t... I>
        constexpr typed_kernels<T> make_typed(std::index_sequence<I...>)
        {
            return {{&kernels::binary<arch, std::tuple_element_t<I, kernels::binary_ops>, T>...}};
        }
        template <class T>
        constexpr typed_kernels<T> make_typed()
        {
            return make_typed<T>(std::make_index_sequence<kernels::n_binary_ops>{});
        }
    } // namespace

    const kernel_table& PYPERF_TENSOR_CAT(kernels_, PYPERF_TENSOR_KERNEL_ISA)() noexcept
    {
        static constexpr kernel_table table{simd::isa_name<arch>(), make_typed<float>(), make_typed<double>(),
                                            make_typed<std::int32_t>(), make_typed<std::int64_t>()};
        return table;
    }
} // namespace pyperf_tensor::bindings
