// The one vectorised loop skeleton: a body written once for both xsimd batches and
// scalars, run over [0, n) as an aligned-store head, a batch body, and a scalar tail.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "../core/shape.hpp"
#include "arch.hpp"

namespace pyperf_tensor::simd
{
    // What a loop body receives: tag::type is either xsimd::batch<T, Arch> or T.
    template <class V>
    struct lane_tag
    {
        using type = V;
    };

    // What a loop body receives for a partial register: lanes [0, k) of a B hold
    // elements i .. i + k - 1 (k < B::size).
    template <class B>
    struct part_tag
    {
        using type = B;
        index_t k;
    };
    template <class Tag>
    struct is_part : std::false_type
    {
    };
    template <class B>
    struct is_part<part_tag<B>> : std::true_type
    {
    };

    // A store that reads the same for a batch and for a scalar, so a kernel body is
    // written once.
    template <class V, class T>
    inline void store(T* p, const V& v) noexcept
    {
        if constexpr (std::is_arithmetic<V>::value)
            *p = v;
        else
            v.store_unaligned(p);
    }

    // A non-temporal (streaming) store of a full register to an aligned address: it
    // skips the read-for-ownership of the destination line, so an output larger than the
    // caches costs 3 memory transfers per element instead of 4. xsimd 8.1 has no such
    // store, so this is the one place pyperf_tensor names intrinsics. Scalars store
    // normally. Call stream_fence() before another thread may read what was streamed.
    template <class V, class T>
    inline void store_stream(T* p, const V& v) noexcept
    {
        if constexpr (std::is_arithmetic<V>::value)
            *p = v;
#if defined(__AVX512F__)
        else if constexpr (sizeof(V) == 64 && std::is_same<T, float>::value)
            _mm512_stream_ps(p, v);
        else if constexpr (sizeof(V) == 64 && std::is_same<T, double>::value)
            _mm512_stream_pd(p, v);
        else if constexpr (sizeof(V) == 64)
            _mm512_stream_si512(reinterpret_cast<__m512i*>(p), v);
#endif
#if defined(__AVX__)
        else if constexpr (sizeof(V) == 32 && std::is_same<T, float>::value)
            _mm256_stream_ps(p, v);
        else if constexpr (sizeof(V) == 32 && std::is_same<T, double>::value)
            _mm256_stream_pd(p, v);
        else if constexpr (sizeof(V) == 32)
            _mm256_stream_si256(reinterpret_cast<__m256i*>(p), v);
#endif
#if defined(__SSE2__)
        else if constexpr (sizeof(V) == 16 && std::is_same<T, float>::value)
            _mm_stream_ps(p, v);
        else if constexpr (sizeof(V) == 16 && std::is_same<T, double>::value)
            _mm_stream_pd(p, v);
        else if constexpr (sizeof(V) == 16)
            _mm_stream_si128(reinterpret_cast<__m128i*>(p), v);
#endif
        else
            v.store_aligned(p);
    }
    inline void stream_fence() noexcept
    {
#if defined(__SSE2__)
        _mm_sfence();
#endif
    }

    namespace detail
    {
        template <class F, std::size_t... I>
        PYPERF_TENSOR_INLINE void unrolled(F& f, std::index_sequence<I...>)
        {
            (f(std::integral_constant<std::size_t, I>{}), ...);
        }
    } // namespace detail

    // f(std::integral_constant<std::size_t, i>{}) for i = 0 .. N-1, unrolled at compile
    // time: arrays of batches indexed by i (several accumulators, vectors in flight) then
    // stay in registers, where a runtime loop index would often keep them in memory.
    template <std::size_t N, class F>
    PYPERF_TENSOR_INLINE void unrolled(F&& f)
    {
        detail::unrolled(f, std::make_index_sequence<N>{});
    }

    // The batch {0, 1, ..., size - 1}: lane numbers, e.g. to turn a loop index into the
    // per-lane coordinates a kernel computes from (x0 + iota<B>()).
    template <class B>
    inline B iota() noexcept
    {
        using T = typename B::value_type;
        alignas(B::arch_type::alignment()) T lanes[B::size];
        for (std::size_t i = 0; i < B::size; ++i)
            lanes[i] = static_cast<T>(i);
        return B::load_aligned(lanes);
    }

    // A compiler barrier (no instruction): loads before it are issued before loads after
    // it. Placed after each load of consecutive registers, it keeps them in address
    // order; GCC otherwise schedules a tree's loads in any order, and a float32 sum
    // streaming from L3 ran 5-7% slower that way on Zen 5 (4 MB: 42 vs 44-46 us). Load
    // into separate local variables: an array of registers would be spilled to memory.
    inline void keep_order() noexcept { asm volatile("" ::: "memory"); }

    // Elements of p before the first register-aligned one (at most n; 0 when p is
    // aligned, or not aligned to its element size, so no register can ever be).
    template <class Arch, class T>
    inline index_t unaligned_head(const T* p, index_t n) noexcept
    {
        const auto misalign = reinterpret_cast<std::uintptr_t>(p) % Arch::alignment();
        const index_t h = misalign == 0 || misalign % sizeof(T)
                              ? 0
                              : static_cast<index_t>((Arch::alignment() - misalign) / sizeof(T));
        return h < n ? h : n;
    }

    // Calls value(i, tag), then store(i, tag, v) with the v it returned, so that every
    // index in [0, n) is covered once, with tag lane_tag<B> (B = xsimd::batch<T, Arch>) on
    // full registers and lane_tag<T> elsewhere. Scalars run first until `anchor + i` is
    // register-aligned (the output, so vector stores never split a cache line), then two
    // registers per iteration, then the remainder. With Parts, the head and the
    // remainder are one partial register each (part_tag<B>{k}): for bodies that cost as
    // much per scalar as per register.
    // Both registers' values are computed before either is stored, so their dependency
    // chains share a basic block with no store between them, and GCC's pre-allocation
    // scheduler (-fschedule-insns, in pyperf_tensor_isa_flags) interleaves them: a long
    // chain alone fills the out-of-order window with its own waiting instructions. C++,
    // AVX-512, 1000x1000 float32, 1 thread: tanh 293 -> 274 us, log 273 -> 255, sigmoid
    // 207 -> 199, exp 151 -> 146; the order without the flag, or the flag without the
    // order, moves nothing by more than 2%.
    template <class Arch, bool Parts = false, class T, class Value, class Store>
    inline void for_each_lane(index_t n, const T* anchor, Value&& value, Store&& store) noexcept
    {
        using B = xsimd::batch<T, Arch>;
        constexpr index_t width = static_cast<index_t>(B::size);
        auto step = [&](index_t i, auto tag) { store(i, tag, value(i, tag)); };
        index_t i = 0;
        const index_t head = unaligned_head<Arch>(anchor, n);
        if constexpr (Parts)
        {
            if (head > 0)
                step(i, part_tag<B>{head});
            i = head;
        }
        else
            for (; i < head; ++i)
                step(i, lane_tag<T>{});
        for (; i + 2 * width <= n; i += 2 * width)
        {
            const auto v0 = value(i, lane_tag<B>{});
            const auto v1 = value(i + width, lane_tag<B>{});
            store(i, lane_tag<B>{}, v0);
            store(i + width, lane_tag<B>{}, v1);
        }
        for (; i + width <= n; i += width)
            step(i, lane_tag<B>{});
        if constexpr (Parts)
        {
            if (i < n)
                step(i, part_tag<B>{n - i});
        }
        else
            for (; i < n; ++i)
                step(i, lane_tag<T>{});
    }

    // The same walk with body(i, tag) doing a whole step (load, compute, store).
    template <class Arch, bool Parts = false, class T, class Body>
    inline void for_each_lane(index_t n, const T* anchor, Body&& body) noexcept
    {
        for_each_lane<Arch, Parts>(
            n, anchor,
            [&](index_t i, auto tag)
            {
                body(i, tag);
                return 0;
            },
            [](index_t, auto, int) {});
    }
} // namespace pyperf_tensor::simd
