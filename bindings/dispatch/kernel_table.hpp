// Function-pointer tables of the kernels, one table per ISA. dispatch/kernels.cpp is
// compiled once per ISA with that ISA's flags and defines one table; everything else
// (compiled for baseline x86-64) only reads the pointers, so no code for a newer ISA
// is ever instantiated or inlined outside its own translation unit.
#pragma once

#include <cstdint>

#include <pyperf_tensor/kernels/elementwise.hpp>
#include <pyperf_tensor/kernels/reduce.hpp>

namespace pyperf_tensor::bindings
{
    template <class T>
    struct typed_kernels
    {
        // nullptr where the op does not support T (e.g. div on integers).
        kernels::elementwise_kernel<T, 1> unary[std::tuple_size<kernels::unary_ops>::value];
        kernels::elementwise_kernel<T, 2> binary[std::tuple_size<kernels::binary_ops>::value];
        kernels::elementwise_kernel<T, 3> ternary[std::tuple_size<kernels::ternary_ops>::value];
        kernels::reduce_kernels<T> reduce;

        template <std::size_t Arity>
        kernels::elementwise_kernel<T, Arity> get(std::size_t op) const noexcept
        {
            if constexpr (Arity == 1)
                return unary[op];
            else if constexpr (Arity == 2)
                return binary[op];
            else
                return ternary[op];
        }
    };

    struct kernel_table
    {
        const char* isa;
        typed_kernels<float> f32;
        typed_kernels<double> f64;
        typed_kernels<std::int32_t> i32;
        typed_kernels<std::int64_t> i64;

        template <class T>
        const typed_kernels<T>& of() const noexcept
        {
            if constexpr (std::is_same<T, float>::value)
                return f32;
            else if constexpr (std::is_same<T, double>::value)
                return f64;
            else if constexpr (std::is_same<T, std::int32_t>::value)
                return i32;
            else
                return i64;
        }
    };

    const kernel_table& kernels_sse2() noexcept;
    const kernel_table& kernels_avx2() noexcept;
    const kernel_table& kernels_avx512() noexcept;
} // namespace pyperf_tensor::bindings
