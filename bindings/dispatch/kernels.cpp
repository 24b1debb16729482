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
        template <class T, class Ops, std::size_t... I>
        constexpr auto kernels_of(std::index_sequence<I...>)
        {
            return std::array<kernels::elementwise_kernel<T, std::tuple_element_t<0, Ops>::arity>, sizeof...(I)>{
                kernel_or_null<std::tuple_element_t<I, Ops>, T>()...};
        }
        template <class T, class Ops>
        constexpr auto kernels_of()
        {
            return kernels_of<T, Ops>(std::make_index_sequence<std::tuple_size<Ops>::value>{});
        }
        template <class T>
        constexpr typed_kernels<T> make_typed()
        {
            typed_kernels<T> t{};
            const auto u = kernels_of<T, kernels::unary_ops>();
            const auto b = kernels_of<T, kernels::binary_ops>();
            const auto c = kernels_of<T, kernels::ternary_ops>();
            for (std::size_t i = 0; i < u.size(); ++i)
                t.unary[i] = u[i];
            for (std::size_t i = 0; i < b.size(); ++i)
                t.binary[i] = b[i];
            for (std::size_t i = 0; i < c.size(); ++i)
                t.ternary[i] = c[i];
            t.reduce = kernels::make_reduce_kernels<arch, T>();
            return t;
        }
    } // namespace

    const kernel_table& PYPERF_TENSOR_CAT(kernels_, PYPERF_TENSOR_KERNEL_ISA)() noexcept
    {
        static constexpr kernel_table table{simd::isa_name<arch>(), make_typed<float>(), make_typed<double>(),
                                            make_typed<std::int32_t>(), make_typed<std::int64_t>()};
        return table;
    }
} // namespace pyperf_tensor::bindings
