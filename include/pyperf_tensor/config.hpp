// pyperf_tensor configuration: version and tunables.
// Every tunable follows one idiom: define it before including the library to override it.
#pragma once

#include <cstddef>

#define PYPERF_TENSOR_VERSION_MAJOR 0
#define PYPERF_TENSOR_VERSION_MINOR 1
#define PYPERF_TENSOR_VERSION_PATCH 0
#define PYPERF_TENSOR_VERSION_STRING "0.1.0"

// Largest rank a view can describe (NumPy 2 allows 64; 32 keeps views small and cheap to copy).
#ifndef PYPERF_TENSOR_MAX_RANK // Use the provided definition.
#define PYPERF_TENSOR_MAX_RANK 32
#endif

// Byte alignment of tensor storage (one cache line, also one AVX-512 register).
#ifndef PYPERF_TENSOR_ALIGNMENT // Use the provided definition.
#define PYPERF_TENSOR_ALIGNMENT 64
#endif

// Elements below which an elementwise op stays on the calling thread, and the smallest
// piece of work handed to one thread above it. Waking the pool costs a few microseconds;
// a memory-bound f32 add moves ~12 bytes per element at ~100 GB/s, so 64Ki elements is
// about 8 us of work: the break-even point measured on 2 cores (see bench/).
#ifndef PYPERF_TENSOR_ELEMENTWISE_GRAIN // Use the provided definition.
#define PYPERF_TENSOR_ELEMENTWISE_GRAIN 65536
#endif

// Output size (bytes) above which elementwise kernels write with streaming stores. 8 MiB:
// with its inputs, such an op's working set no longer fits a typical 32 MiB L3 slice, and
// streaming saves a quarter of the DRAM traffic (measured: 4000x4000 f32 add 5.8 -> 3.9 ms).
#ifndef PYPERF_TENSOR_STREAMING_STORE_BYTES // Use the provided definition.
#define PYPERF_TENSOR_STREAMING_STORE_BYTES (std::size_t{8} << 20)
#endif

// Forces inlining of the small SIMD building blocks (exp, log, fma, transposes, strided
// loads) into kernels: in a translation unit holding every kernel, GCC's unit-growth
// limits otherwise leave them out of line, a call per batch (float32 log: 290 -> 400 us).
#ifndef PYPERF_TENSOR_INLINE // Use the provided definition.
#if defined(__GNUC__)
#define PYPERF_TENSOR_INLINE inline __attribute__((always_inline))
#else
#define PYPERF_TENSOR_INLINE inline
#endif
#endif

// Before a loop over a constant number of registers (the W rows of a tile being
// transposed): unrolls it completely, so that the registers stay registers. -O3 does so by
// itself; at -O2 (RelWithDebInfo) GCC 12 left these loops rolled and the tile in memory,
// and transposed inputs took 1.5-2x as long (C++, AVX-512, 200x200 float32 in cache:
// add(x.T, y) 8.8 -> 17.5 us).
#ifndef PYPERF_TENSOR_UNROLL // Use the provided definition.
#if defined(__clang__)
#define PYPERF_TENSOR_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define PYPERF_TENSOR_UNROLL _Pragma("GCC unroll 16")
#else
#define PYPERF_TENSOR_UNROLL
#endif
#endif

// On the function that runs one row of a kernel: everything it calls (the loop skeleton,
// the op, exp/log polynomials) is inlined into it, whatever the size of the translation
// unit. Rows are long, so the call to the row itself costs nothing.
#ifndef PYPERF_TENSOR_FLATTEN // Use the provided definition.
#if defined(__GNUC__)
#define PYPERF_TENSOR_FLATTEN __attribute__((flatten))
#else
#define PYPERF_TENSOR_FLATTEN
#endif
#endif

// Rare paths kept out of line so hot loops keep their registers.
#ifndef PYPERF_TENSOR_COLD // Use the provided definition.
#if defined(__GNUC__)
#define PYPERF_TENSOR_COLD __attribute__((noinline, cold))
#else
#define PYPERF_TENSOR_COLD
#endif
#endif

// A kernel path with its own stack frame: when inlined, its locals moved the stack buffer
// of the path beside it and with it that buffer's 4K-aliasing with the caller's arrays.
#ifndef PYPERF_TENSOR_OWN_FRAME // Use the provided definition.
#if defined(__GNUC__)
#define PYPERF_TENSOR_OWN_FRAME __attribute__((noinline, flatten))
#else
#define PYPERF_TENSOR_OWN_FRAME
#endif
#endif

// Upper bound for set_num_threads (guards against typos like 10000).
#ifndef PYPERF_TENSOR_MAX_THREADS // Use the provided definition.
#define PYPERF_TENSOR_MAX_THREADS 1024
#endif
