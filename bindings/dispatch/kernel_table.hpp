// Function-pointer tables of the kernels, one table per ISA. dispatch/kernels.cpp is
// compiled once per ISA with that ISA's flags and defines one table; everything else
// (compiled for baseline x86-64) only reads the pointers, so no code for a newer ISA
// is ever instantiated or inlined outside its own translation unit.
#pragma once

#include <array>
#include <cstdint>
#include <tuple>

#include <pyperf_tensor/kernels/activation.hpp>
#include <pyperf_tensor/kernels/elementwise.hpp>
#include <pyperf_tensor/kernels/reduce.hpp>

namespace pyperf_tensor::bindings
{
    // One kernel per op of an op list (nullptr where the op does not support T).
    template <class T, class Ops>
    using kernels_for =
        std::array<kernels::elementwise_kernel<T, std::tuple_element_t<0, Ops>::arity>, std::tuple_size<Ops>::value>;

    // Activations with a second operand (the slope).
    using activation_binary_ops = std::tuple<kernels::leaky_relu_op>;

    template <class T>
    struct typed_kernels
    {
        kernels_for<T, kernels::unary_ops> unary;
        kernels_for<T, kernels::binary_ops> binary;
        kernels_for<T, kernels::ternary_ops> ternary;
        kernels_for<T, kernels::activation_ops> activation;
        kernels_for<T, activation_binary_ops> activation_binary;
        kernels::reduce_kernels<T> reduce;
        kernels::softmax_kernel<T> softmax;

        // The kernel of op number `op` in the list Ops.
        template <class Ops>
        auto get(std::size_t op) const noexcept
        {
            if constexpr (std::is_same<Ops, kernels::unary_ops>::value)
                return unary[op];
            else if constexpr (std::is_same<Ops, kernels::binary_ops>::value)
                return binary[op];
            else if constexpr (std::is_same<Ops, kernels::ternary_ops>::value)
                return ternary[op];
            else if constexpr (std::is_same<Ops, kernels::activation_ops>::value)
                return activation[op];
            else
            {
                static_assert(std::is_same<Ops, activation_binary_ops>::value, "unknown op list");
                return activation_binary[op];
            }
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
