// The native Mandelbrot backend's interface between the chooser (native.cpp, baseline
// x86-64) and the kernels (kernels.cpp, compiled once per ISA by pyperf_tensor_add_kernels).
#pragma once

#include <cstdint>

#include <pyperf_tensor/simd/dispatch.hpp>

namespace mandelbrot
{
    // Pixel (x, y) is c = (xmin + x * dx) + i (ymin + y * dy); row 0 is ymin.
    struct grid
    {
        double xmin, ymin, dx, dy;
        std::int64_t width, height, iters;
    };

    // Rows per task: a kernel renders rows [y0, y0 + band_rows) (clipped to the height).
    inline constexpr std::int64_t band_rows = 4;

    // Iteration counts of the band of rows starting at y0 into out (the whole image,
    // row-major), computed in float or double.
    using band_fn = void (*)(const grid& g, std::int64_t y0, std::int32_t* out) noexcept;
    struct band_kernels
    {
        band_fn f32, f64;
    };

#define MANDELBROT_DECLARE(isa)                                                                                        \
    namespace isa                                                                                                      \
    {                                                                                                                  \
        band_kernels kernels() noexcept;                                                                               \
    }
    PYPERF_TENSOR_FOR_EACH_ISA(MANDELBROT_DECLARE)
#undef MANDELBROT_DECLARE
} // namespace mandelbrot
