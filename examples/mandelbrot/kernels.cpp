// The Mandelbrot kernel, written once on xsimd batches and compiled once per ISA (see
// CMakeLists.txt: pyperf_tensor_add_kernels). It uses the library's kernel-authoring
// blocks: arch tags, simd::iota for lane coordinates, simd::fma (fused on AVX2 and
// AVX-512, where xsimd 8.1's is not on AVX-512), lane masks with an early exit.
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <pyperf_tensor/pyperf_tensor.hpp>

#include "kernels.hpp"

namespace pt = pyperf_tensor;

namespace mandelbrot::PYPERF_TENSOR_KERNEL_ISA
{
    namespace
    {
        using arch = pt::simd::PYPERF_TENSOR_KERNEL_ISA;

        // Vectors in flight (one per row of a band): one iteration is a dependency chain of
        // 3 FP operations (~8 cycles); K independent vectors keep the FP pipes busy.
        constexpr std::size_t K = band_rows;

        // n + 1 in the lanes set in `mask` (a float mask, integer counts of the same width):
        // a masked add where masks are mask registers (AVX-512), else n minus the mask's
        // all-ones (-1) lanes.
        template <class T, class Arch, class I>
        PYPERF_TENSOR_INLINE xsimd::batch<I, Arch> count_if(const xsimd::batch_bool<T, Arch>& mask,
                                                            const xsimd::batch<I, Arch>& n) noexcept
        {
            using MI = xsimd::batch_bool<I, Arch>;
            if constexpr (sizeof(MI) != sizeof(xsimd::batch<I, Arch>)) // masks in mask registers
                return xsimd::select(MI(mask.data), n + xsimd::batch<I, Arch>(I(1)), n);
            else
                return n - xsimd::bitwise_cast<xsimd::batch<I, Arch>>(xsimd::batch<T, Arch>(mask.data));
        }

        // z = c, then while |z| <= 2 and n < iters: z = z^2 + c, n += 1 -- the Python
        // backend's loop, on a tile of W pixels x K rows (one vector per row) at once. A
        // lane stops counting the first time |z|^2 > 4 (`alive` is sticky; escaped lanes
        // keep iterating harmlessly and may overflow to inf or NaN). The tile leaves as soon
        // as every lane has escaped. Measured choices:
        // - W x K tiles rather than K * W pixels of one row: neighbours in 2-D escape at
        //   more similar times, so 11% fewer lane-iterations wait for a tile's slowest pixel.
        // - lanes count in integers, off the FP pipes that z's update keeps busy (7-13%).
        // - refilling each vector with new pixels as soon as it is done would save the
        //   rest of the waiting, but its per-iteration bookkeeping cost more than that.
        template <class Arch, class T>
        void band(const grid& g, std::int64_t y0, std::int64_t y1, std::int32_t* out) noexcept
        {
            using I = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
            using B = xsimd::batch<T, Arch>;
            using M = xsimd::batch_bool<T, Arch>;
            using BI = xsimd::batch<I, Arch>;
            constexpr std::int64_t W = B::size;
            const B xmin(static_cast<T>(g.xmin)), dx(static_cast<T>(g.dx)), four(T(4));
            const B lanes = pt::simd::iota<B>();
            B ci[K];
            pt::simd::unrolled<K>(
                [&](auto k)
                {
                    const std::int64_t y =
                        std::min<std::int64_t>(y0 + static_cast<std::int64_t>(k), y1 - 1); // past the end: a copy
                    ci[k] = B(static_cast<T>(g.ymin + static_cast<double>(y) * g.dy));
                });
            for (std::int64_t x0 = 0; x0 < g.width; x0 += W)
            {
                const B cr = xmin + (lanes + B(static_cast<T>(x0))) * dx;
                B zr[K], zi[K];
                BI n[K];
                M alive[K];
                pt::simd::unrolled<K>(
                    [&](auto k)
                    {
                        zr[k] = cr;
                        zi[k] = ci[k];
                        n[k] = BI(I(0));
                        alive[k] = M(true);
                    });
                for (std::int64_t i = 0; i < g.iters; ++i)
                {
                    M any(false);
                    pt::simd::unrolled<K>(
                        [&](auto k)
                        {
                            const B zr2 = zr[k] * zr[k], zi2 = zi[k] * zi[k];
                            alive[k] = alive[k] & (zr2 + zi2 <= four);
                            n[k] = count_if(alive[k], n[k]);
                            any = any | alive[k];
                            zi[k] = pt::simd::fma(zr[k] + zr[k], zi[k], ci[k]);
                            zr[k] = (zr2 - zi2) + cr;
                        });
                    if (!xsimd::any(any))
                        break;
                }
                const std::int64_t m = g.width - x0 < W ? g.width - x0 : W;
                pt::simd::unrolled<K>(
                    [&](auto k)
                    {
                        const std::int64_t y = y0 + static_cast<std::int64_t>(k);
                        if (y >= y1)
                            return;
                        alignas(Arch::alignment()) I counts[W];
                        n[k].store_aligned(counts);
                        std::int32_t* row = out + y * g.width + x0;
                        for (std::int64_t j = 0; j < m; ++j)
                            row[j] = static_cast<std::int32_t>(counts[j]);
                    });
            }
        }

        template <class T>
        void band_entry(const grid& g, std::int64_t y0, std::int32_t* out) noexcept
        {
            band<arch, T>(g, y0, y0 + band_rows < g.height ? y0 + band_rows : g.height, out);
        }
    } // namespace

    band_kernels kernels() noexcept { return {&band_entry<float>, &band_entry<double>}; }
} // namespace mandelbrot::PYPERF_TENSOR_KERNEL_ISA
