// Elementwise kernels: the arithmetic, written once as functors over a value type V that
// is either a scalar or an xsimd batch, and the strided 1-D loop that applies them.
// Kernels never allocate and never throw.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>

#include "../simd/loop.hpp"

namespace pyperf_tensor::kernels
{
    namespace detail
    {
        // Signed overflow is undefined in C++; NumPy wraps. Do scalar integer
        // arithmetic in the unsigned type (SIMD integer lanes wrap by definition).
        template <class V, bool = std::is_integral<V>::value>
        struct arith
        {
            using type = V;
        };
        template <class V>
        struct arith<V, true>
        {
            using type = std::make_unsigned_t<V>;
        };
        template <class V>
        using arith_t = typename arith<V>::type;
    } // namespace detail

    struct add_op
    {
        static constexpr const char* name = "add";
        template <class V>
        V operator()(const V& a, const V& b) const noexcept
        {
            using A = detail::arith_t<V>;
            return static_cast<V>(static_cast<A>(a) + static_cast<A>(b));
        }
    };

    // The binary ops, in the order of binary_op; tables of kernels are built from this list.
    using binary_ops = std::tuple<add_op>;
    enum class binary_op : std::size_t
    {
        add
    };
    inline constexpr std::size_t n_binary_ops = std::tuple_size<binary_ops>::value;

    // How a kernel writes its output: `stream` bypasses the caches (for outputs larger
    // than the last-level cache, which nobody will read back from cache anyway).
    enum class store_mode
    {
        normal,
        stream
    };

    // out[i*so] = op(a[i*sa], b[i*sb]) for i in [0, n); strides in elements.
    template <class T>
    using binary_kernel = void (*)(const T* a, index_t sa, const T* b, index_t sb, T* out, index_t so, index_t n,
                                   store_mode mode) noexcept;

    // Defined out of class and below, so a translation unit that only names a kernel
    // (to take its address for another ISA) never instantiates its body.
    template <class Arch, class Op, class T>
    void binary(const T* a, index_t sa, const T* b, index_t sb, T* out, index_t so, index_t n,
                store_mode mode) noexcept;

    template <class Arch, class Op, class T>
    void binary(const T* a, index_t sa, const T* b, index_t sb, T* out, index_t so, index_t n, store_mode mode) noexcept
    {
        const Op op{};
        if (so == 1 && (sa == 1 || sa == 0) && (sb == 1 || sb == 0))
        {
            // Contiguous output; each input contiguous or a broadcast scalar.
            auto run = [&](auto streaming)
            {
                simd::for_each_lane<Arch>(n, out,
                                          [&](index_t i, auto tag)
                                          {
                                              using V = typename decltype(tag)::type;
                                              const V va = sa ? simd::load<V>(a + i) : simd::splat<V>(*a);
                                              const V vb = sb ? simd::load<V>(b + i) : simd::splat<V>(*b);
                                              if constexpr (decltype(streaming)::value)
                                                  simd::store_stream(out + i, op(va, vb));
                                              else
                                                  simd::store(out + i, op(va, vb));
                                          });
            };
            // Streaming needs register-aligned stores, which for_each_lane's head gives
            // whenever the output is aligned to its element size.
            if (mode == store_mode::stream && reinterpret_cast<std::uintptr_t>(out) % sizeof(T) == 0)
            {
                run(std::true_type{});
                simd::stream_fence();
            }
            else
                run(std::false_type{});
            return;
        }
        for (index_t i = 0; i < n; ++i)
            out[i * so] = op(a[i * sa], b[i * sb]);
    }
} // namespace pyperf_tensor::kernels
