// Compiled once per ISA: -DPYPERF_TENSOR_KERNEL_ISA=sse2|avx2|avx512 with that ISA's
// flags (see pyperf_tensor_isa_flags in cmake/). Only Arch-templated kernel code lives
// here, so the linker never has a reason to pick an AVX-512 copy of shared inline code.
#include <array>
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

        template <class Op, class T>
        constexpr kernels::elementwise_kernel<T, Op::arity> kernel_or_null()
        {
            if constexpr (Op::template supports<T>)
                return &kernels::elementwise<arch, Op, T>;
            else
                return nullptr;
        }
        template <class T>
        constexpr kernels::softmax_kernel<T> softmax_or_null()
        {
            if constexpr (std::is_floating_point<T>::value)
                return &kernels::softmax<arch, T>;
            else
                return nullptr;
        }
        template <class T, class Ops, std::size_t... I>
        constexpr auto kernels_of(std::index_sequence<I...>)
        {
            return kernels_for<T, Ops>{kernel_or_null<std::tuple_element_t<I, Ops>, T>()...};
        }
        template <class T, class Ops>
        constexpr auto kernels_of()
        {
            return kernels_of<T, Ops>(std::make_index_sequence<std::tuple_size<Ops>::value>{});
        }
        template <class T>
        constexpr typed_kernels<T> make_typed()
        {
            return {kernels_of<T, kernels::unary_ops>(),
                    kernels_of<T, kernels::binary_ops>(),
                    kernels_of<T, kernels::ternary_ops>(),
                    kernels_of<T, kernels::activation_ops>(),
                    kernels_of<T, activation_binary_ops>(),
                    kernels::make_reduce_kernels<arch, T>(),
                    softmax_or_null<T>()};
        }
    } // namespace

    const kernel_table& PYPERF_TENSOR_CAT(kernels_, PYPERF_TENSOR_KERNEL_ISA)() noexcept
    {
        static constexpr kernel_table table{simd::isa_name<arch>(), make_typed<float>(), make_typed<double>(),
                                            make_typed<std::int32_t>(), make_typed<std::int64_t>()};
        return table;
    }
} // namespace pyperf_tensor::bindings
