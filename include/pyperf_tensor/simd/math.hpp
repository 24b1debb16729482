// Math functions for batches and scalars alike, with fix-ups where xsimd 8.1 falls short
// of NumPy (checked against NumPy's validation sets, ../shared/data/numpy-umath-validation):
//   exp: float32 on AVX-512 a 16-entry table of 2^(j/16), a cubic and vscalefps
//        (every input, no fix-ups), on AVX2 an 8-entry table and a quartic, on SSE2 a
//        select-free polynomial (Cephes expf's); float64 on AVX2/AVX-512 a 16-entry
//        table and a polynomial (xsimd's divides);
//        xsimd flushes results that should be subnormal to zero (f32 below ln(FLT_MIN),
//        f64 below ln(DBL_MIN)) and overflows to inf early (f32 exp(88.72283) is
//        3.4027985e38, not inf); lanes in both edge ranges are recomputed with libm.
//   log: on AVX-512, both types by a 16-entry table, vgetmant/vgetexp and a polynomial
//        (log_zmm: every input, no division). Elsewhere: xsimd's float64 log (it divides)
//        is wrong for subnormal inputs, whose lanes use libm; xsimd's float32 log divides
//        (f / (2 + f)), which costs more than NumPy's whole log, so float32 uses a
//        division-free polynomial instead (Cephes logf's, <= 2 ULP) and scales subnormals
//        into range in SIMD.
//   pow: xsimd's pow is exp(y * log|x|): wrong for pow(0, 0), pow(1, nan), pow(0, -1) and
//        tens of ULP off for large results. On AVX2 and AVX-512, float32 is computed in
//        double precision (2^(y log2 x)) and float64 in double-double steps with 16-entry
//        tables (math_tables.hpp), both within 1 ULP and nearly always correctly rounded;
//        special inputs (x <= 0, infinities, NaN; float64 also subnormal x and results
//        beyond e^+-708) go to libm, and so does SSE2. Exponents 2, 1, 0, -1, 1/2 constant
//        along a row take exact shortcuts (kernels/elementwise.hpp: pow_constant_op),
//        other whole exponents up to 64 in magnitude powi: products by squaring, float32
//        in double, float64 in double-double, on every ISA.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#include "../config.hpp"
#include "arch.hpp"
#include "math_tables.hpp"
#include "widen.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace pyperf_tensor::simd
{
    namespace detail
    {
        // The element type of a scalar or a batch.
        template <class V>
        struct value_of
        {
            using type = V;
        };
        template <class T, class A>
        struct value_of<xsimd::batch<T, A>>
        {
            using type = T;
        };
        template <class V>
        using value_t = typename value_of<V>::type;

        // x * y + z, or -(x * y) + z if Negated, rounded once. xsimd 8.1 implements fma
        // and fnma for FMA3 (AVX/AVX2) but not for AVX-512, where it computes them with two
        // roundings; fill that gap. Arches without FMA instructions (SSE2) round twice, and
        // so do their scalars.
        template <bool Negated, class V>
        PYPERF_TENSOR_INLINE V fused(const V& x, const V& y, const V& z) noexcept
        {
#if defined(__AVX512F__)
            if constexpr (!std::is_arithmetic<V>::value && sizeof(V) == 64)
            {
                using T = typename V::value_type;
                if constexpr (std::is_same<T, float>::value)
                    return Negated ? _mm512_fnmadd_ps(x, y, z) : _mm512_fmadd_ps(x, y, z);
                else if constexpr (std::is_same<T, double>::value)
                    return Negated ? _mm512_fnmadd_pd(x, y, z) : _mm512_fmadd_pd(x, y, z);
            }
#endif
            if constexpr (std::is_arithmetic<V>::value)
                return Negated ? z - x * y : x * y + z;
            else if constexpr (Negated)
                return xsimd::fnma(x, y, z);
            else
                return xsimd::fma(x, y, z);
        }
    } // namespace detail

    // x * y + z rounded once (detail::fused).
    template <class V>
    PYPERF_TENSOR_INLINE V fma(const V& x, const V& y, const V& z) noexcept
    {
        return detail::fused<false>(x, y, z);
    }

    // -(x * y) + z rounded once (detail::fused): exactly -fma(x, y, -z).
    template <class V>
    PYPERF_TENSOR_INLINE V fnma(const V& x, const V& y, const V& z) noexcept
    {
        return detail::fused<true>(x, y, z);
    }

    // The rounding error of p = a * b: a * b == p + error exactly (barring overflow and
    // underflow). One fused multiply-subtract where the ISA has it (it must round once:
    // SSE2's emulated a * b - p would give 0), else Dekker's product of the halves.
    template <class B>
    PYPERF_TENSOR_INLINE B product_error(const B& a, const B& b, const B& p) noexcept
    {
        using T = typename B::value_type;
        if constexpr (has_fma<typename B::arch_type>())
        {
#if defined(__AVX512F__)
            if constexpr (sizeof(B) == 64)
            {
                if constexpr (std::is_same<T, float>::value)
                    return _mm512_fmsub_ps(a, b, p);
                else
                    return _mm512_fmsub_pd(a, b, p);
            }
#endif
            return xsimd::fms(a, b, p);
        }
        else
        {
            const B split(T(std::is_same<T, float>::value ? 4097.0 : 134217729.0)); // 2^12 + 1, 2^27 + 1
            const B ca = a * split, cb = b * split;
            const B ah = ca - (ca - a), al = a - ah, bh = cb - (cb - b), bl = b - bh;
            return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
        }
    }

    namespace detail
    {
        template <class F, class In, std::size_t... K>
        inline auto call_on_lane(F& f, const In& in, std::size_t i, std::index_sequence<K...>)
        {
            return f(in[K][i]...);
        }

        // Recompute the lanes of `result` where `bad` holds with the scalar function f of
        // the same lanes of the inputs.
        template <class B, class M, class F, class... Bs>
        PYPERF_TENSOR_COLD B patch_lanes(B result, const M& bad, F f, const Bs&... inputs) noexcept
        {
            using T = typename B::value_type;
            alignas(B::arch_type::alignment()) T in[sizeof...(Bs)][B::size], rs[B::size];
            alignas(B::arch_type::alignment()) bool mask[B::size];
            std::size_t k = 0;
            ((inputs.store_aligned(in[k++])), ...);
            result.store_aligned(rs);
            bad.store_aligned(mask);
            for (std::size_t i = 0; i < B::size; ++i)
                if (mask[i])
                    rs[i] = call_on_lane(f, in, i, std::index_sequence_for<Bs...>{});
            return B::load_aligned(rs);
        }
    } // namespace detail

    namespace detail
    {
        // Edges: whether an exp takes every input (overflow, underflow, subnormal results, +-inf)
        // rather than those with a normal result, and gives m exp(x) for a factor 2^-10 <= |m|
        // <= 2^10, |m| >= 1 where exp(x) overflows (1 for exp itself). It clamps x first (NaN
        // kept: max and min return their second operand for NaN) and applies the result's
        // power of 2, 2^e, as 2^(e - e2) 2^e2 with e2 = floor(e/2), each factor normal: m
        // exp(x) 2^-e2 is a normal number, and the last multiplication rounds once into the
        // subnormal range or overflows to inf. Where the result is normal and m = 1 that is
        // the same bits as the one-factor form.
        constexpr float exp_f32_clamp_lo = -111.0f, exp_f32_clamp_hi = 89.0f; // m exp(x) rounds to 0 and to inf there
        constexpr float exp_f32_zero_below = -110.904f; // 1024 exp(x) < 2^-150 (half the least subnormal)

        // exp(x), SSE2 float32 (x in the normal range unless Edges): x = n ln2 + r, |r| <=
        // ln2/2, exp(r) by a degree-6 polynomial (Cephes expf's), times 2^n built in the
        // exponent bits. No selects, no division.
        template <bool Edges = false, class A>
        inline xsimd::batch<float, A> exp_f32(xsimd::batch<float, A> x,
                                              xsimd::batch<float, A> m = xsimd::batch<float, A>(1.0f)) noexcept
        {
            using B = xsimd::batch<float, A>;
            using I = xsimd::batch<std::int32_t, A>;
            if constexpr (Edges)
                x = xsimd::min(B(exp_f32_clamp_hi), xsimd::max(B(exp_f32_clamp_lo), x));
            const B n = xsimd::floor(simd::fma(x, B(1.44269504088896341f), B(0.5f)));
            B r = simd::fma(n, B(-0.693359375f), x);
            r = simd::fma(n, B(2.12194440e-4f), r);
            B p = B(1.9875691500e-4f);
            p = simd::fma(p, r, B(1.3981999507e-3f));
            p = simd::fma(p, r, B(8.3334519073e-3f));
            p = simd::fma(p, r, B(4.1665795894e-2f));
            p = simd::fma(p, r, B(1.6666665459e-1f));
            p = simd::fma(p, r, B(5.0000001201e-1f));
            p = simd::fma(p, r * r, r + B(1.0f));
            const I e = xsimd::batch_cast<std::int32_t>(n);
            if constexpr (Edges)
            {
                const I e2 = e >> 1;
                const B two_e2 = xsimd::select(x > B(exp_f32_zero_below), xsimd::bitwise_cast<B>((e2 + I(127)) << 23),
                                               B(0.0f)); // as exp_f32_ymm
                return m * p * xsimd::bitwise_cast<B>((e - e2 + I(127)) << 23) * two_e2;
            }
            return p * xsimd::bitwise_cast<B>((e + I(127)) << 23);
        }
    } // namespace detail

    namespace detail
    {
#if defined(__AVX512F__)
        // float32 exp with AVX-512: x = k ln2 + r with k a multiple of 1/16 (rounded by
        // the shifter 1.5 * 2^19 in one fma), |r| <= ln2/32 (Cody-Waite, ln2 in two
        // parts), exp(x) = 2^floor(k) 2^(j/16) exp(r): 2^(j/16) from a 16-entry table in
        // one register (vpermps reads the low 4 bits of k + shifter, which are j),
        // exp(r) - 1 by Taylor to r^3 (relative error 1e-8), and 2^floor(k) applied by
        // vscalefps, which rounds once into the subnormal range and overflows to inf
        // exactly where exp does. Within 1.06 ULP over every 31st float. Nine FMA-class
        // instructions, a permute and the scalef where Cephes' degree-6 polynomial on
        // |r| <= ln2/2 took eleven (and 1.26 ULP): this host runs about one such 512-bit
        // instruction per cycle, so their count is the time (exp 0.9x, sigmoid 0.8x,
        // measured in C++ on L1-resident data). exp_f32_zmm takes every input: it clamps
        // them to [-111, 100] first (NaN kept: vmaxps/vminps return their second operand
        // on NaN), and a register with a result that may lie below the normal range takes
        // exp_f32_zmm_below_normal. Negate: exp(-x), the negation folded into the
        // reduction's first two fmas.
        struct exp_f32_zmm_parts
        {
            __m512 v, k; // m exp(x) = v 2^floor(k)
        };
        template <bool Negate = false>
        PYPERF_TENSOR_INLINE exp_f32_zmm_parts exp_f32_zmm_split(__m512 x, __m512 m) noexcept
        {
            namespace t = tables;
            const __m512 shifter = _mm512_set1_ps(786432.0f), log2e = _mm512_set1_ps(1.44269504088896341f);
            const __m512 ln2_hi = _mm512_set1_ps(0.693359375f);
            const __m512 ks = Negate ? _mm512_fnmadd_ps(x, log2e, shifter) : _mm512_fmadd_ps(x, log2e, shifter);
            const __m512 k = _mm512_sub_ps(ks, shifter); // (-)x log2(e) rounded to a multiple of 1/16
            __m512 r = Negate ? _mm512_fnmsub_ps(k, ln2_hi, x) : _mm512_fnmadd_ps(k, ln2_hi, x);
            r = _mm512_fmadd_ps(k, _mm512_set1_ps(2.12194440e-4f), r);
            const __m512 table =
                _mm512_setr_ps(float(t::exp_hi[0]), float(t::exp_hi[1]), float(t::exp_hi[2]), float(t::exp_hi[3]),
                               float(t::exp_hi[4]), float(t::exp_hi[5]), float(t::exp_hi[6]), float(t::exp_hi[7]),
                               float(t::exp_hi[8]), float(t::exp_hi[9]), float(t::exp_hi[10]), float(t::exp_hi[11]),
                               float(t::exp_hi[12]), float(t::exp_hi[13]), float(t::exp_hi[14]), float(t::exp_hi[15]));
            const __m512 s = _mm512_permutexvar_ps(_mm512_castps_si512(ks), table); // 2^(j/16)
            const __m512 q = _mm512_fmadd_ps(r, _mm512_set1_ps(1.0f / 6), _mm512_set1_ps(0.5f));
            const __m512 p = _mm512_fmadd_ps(_mm512_mul_ps(r, r), q, r); // exp(r) - 1
            const __m512 ms = _mm512_mul_ps(m, s);                       // folded away for m = 1
            return {_mm512_fmadd_ps(ms, p, ms), k};
        }
        template <bool Negate = false>
        PYPERF_TENSOR_INLINE __m512 exp_f32_zmm_normal(__m512 x, __m512 m = _mm512_set1_ps(1.0f)) noexcept // m exp(x)
        {
            const exp_f32_zmm_parts e = exp_f32_zmm_split<Negate>(x, m);
            return _mm512_scalef_ps(e.v, e.k);
        }
        // v 2^floor(k) for a register with a lane below the normal range. On Intel cores an
        // instruction whose result is subnormal or underflows to 0 takes a microcode assist
        // (about 60 ns here against 1 for vscalefps: exp of U(-1000, 1000) took 37x the time
        // of ordinary inputs, a softmax row under a causal mask 12x). So such lanes never
        // reach an instruction as results: vscalefps computes the normal lanes only (masked
        // lanes cost no assist), and a lane below the normal range has its bits computed, as
        // |v| 2^(floor(k) + 149) rounded to an integer (one rounding, as vscalefps's into the
        // subnormals; 2^23 is the least normal number's bits), with v's sign. NaN lanes take
        // the normal path. The same bits as vscalefps on every lane (all float32 below -80
        // and above 80 through exp, sigmoid, silu and the GELUs). C++, 1 thread, this
        // session's Intel Xeon: exp of -1000 (every lane 0) 185 -> 10.6 us per 40,000
        // elements against 5.0 for ordinary inputs (5.8 with this test), sigmoid and silu of
        // -95 (subnormal results) or below 200 -> 19 us, tanh-GELU 430 -> 49.
        PYPERF_TENSOR_INLINE __m512 exp_f32_zmm_below_normal(__m512 v, __m512 k) noexcept
        {
            const __m512 e =
                _mm512_add_ps(_mm512_getexp_ps(v), _mm512_roundscale_ps(k, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC));
            const __mmask16 normal = _mm512_cmp_ps_mask(e, _mm512_set1_ps(-126.0f), _CMP_NLT_UQ);
            const __m512 r = _mm512_maskz_scalef_ps(normal, v, k);
            const __m512 z = _mm512_maskz_scalef_ps(static_cast<__mmask16>(~normal), _mm512_abs_ps(v),
                                                    _mm512_add_ps(k, _mm512_set1_ps(149.0f)));
            const __m512i bits = _mm512_cvt_roundps_epi32(z, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            // integer and/or: vandps/vorps on zmm need AVX512DQ, which -mavx512f alone lacks
            const __m512i sign = _mm512_and_epi32(_mm512_castps_si512(v), _mm512_set1_epi32(INT32_MIN));
            return _mm512_mask_blend_ps(normal, _mm512_castsi512_ps(_mm512_or_epi32(bits, sign)), r);
        }
        PYPERF_TENSOR_INLINE exp_f32_zmm_parts exp_f32_zmm_clamped(__m512 x, __m512 m) noexcept
        {
            return exp_f32_zmm_split(
                _mm512_min_ps(_mm512_set1_ps(100.0f), _mm512_max_ps(_mm512_set1_ps(exp_f32_clamp_lo), x)), m);
        }
        PYPERF_TENSOR_INLINE __m512 exp_f32_zmm(__m512 x, __m512 m = _mm512_set1_ps(1.0f)) noexcept
        {
            const exp_f32_zmm_parts e = exp_f32_zmm_clamped(x, m);
            // |v| < 2^11 (|m| <= 2^10): below 2^-115 the result may be below the normal range
            if (_mm512_cmp_ps_mask(e.k, _mm512_set1_ps(-115.0f), _CMP_LT_OQ))
                return exp_f32_zmm_below_normal(e.v, e.k);
            return _mm512_scalef_ps(e.v, e.k);
        }
        // exp_f32_zmm without its test: right wherever k >= -115 (x >= -79.5: x log2(e) >=
        // -114.7), and from -79.5 up exp_f32_zmm's bits, overflow to inf included.
        constexpr float exp_f32_zmm_unpatched_min = -79.5f;
        PYPERF_TENSOR_INLINE __m512 exp_f32_zmm_unpatched(__m512 x) noexcept
        {
            const exp_f32_zmm_parts e = exp_f32_zmm_clamped(x, _mm512_set1_ps(1.0f));
            return _mm512_scalef_ps(e.v, e.k);
        }
#endif
#if defined(__AVX2__) && defined(__FMA__)
        // v 2^e2 for a register with a lane whose result lies below 2^-125 (`tiny`; two_e2 is
        // 2^e2, or 0 where the result rounds to 0): those lanes' bits from |v| 2^(e2 + 149)
        // rounded to an integer (vcvtps2dq, the default rounding), the others' product with
        // the tiny lanes' factor set to 0. The same bits as the product. (Templated on the
        // caller's arch, so that its out-of-line copy carries the ISA in its name.)
        template <class A>
        PYPERF_TENSOR_COLD __m256 exp_f32_ymm_below_normal(__m256 v, __m256i e2, __m256 two_e2, __m256i tiny) noexcept
        {
            const __m256 t = _mm256_castsi256_ps(tiny), sign = _mm256_set1_ps(-0.0f);
            const __m256 scale =
                _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(e2, _mm256_set1_epi32(149 + 127)), 23));
            const __m256 z = _mm256_mul_ps(_mm256_andnot_ps(sign, v), _mm256_and_ps(t, scale));
            const __m256 bits = _mm256_or_ps(_mm256_castsi256_ps(_mm256_cvtps_epi32(z)), _mm256_and_ps(sign, v));
            return _mm256_blendv_ps(_mm256_mul_ps(v, _mm256_andnot_ps(t, two_e2)), bits, t);
        }

        // float32 exp(x) with AVX2 (x in the normal range unless Edges, as exp_f32): the
        // reduction of exp_f32_zmm_normal with an 8-entry table (k a multiple of 1/8, |r| <=
        // ln2/16, exp(r) - 1 by Taylor to r^4), and 2^floor(k) added to the table entry's
        // exponent: the entries are stored as their bits minus j << 20, so adding the bits of
        // k + shifter shifted left by 20 ((8 floor(k) + j) << 20 modulo 2^32) leaves
        // 2^floor(k) 2^(j/8). Within 0.88 ULP (Cephes' polynomial: 1.25) and 0.7x its time
        // (C++, L1-resident data, every 61st float of the normal range).
        template <bool Edges = false, class A = void>
        PYPERF_TENSOR_INLINE __m256 exp_f32_ymm(__m256 x, __m256 m = _mm256_set1_ps(1.0f)) noexcept
        {
            namespace t = tables;
            if constexpr (Edges)
                x = _mm256_min_ps(_mm256_set1_ps(exp_f32_clamp_hi), _mm256_max_ps(_mm256_set1_ps(exp_f32_clamp_lo), x));
            const __m256 shifter = _mm256_set1_ps(1572864.0f); // 1.5 * 2^20
            const __m256 ks = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), shifter);
            const __m256 k = _mm256_sub_ps(ks, shifter);
            __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
            r = _mm256_fmadd_ps(k, _mm256_set1_ps(2.12194440e-4f), r);
            const __m256i table = _mm256_sub_epi32(
                _mm256_castps_si256(_mm256_setr_ps(float(t::exp_hi[0]), float(t::exp_hi[2]), float(t::exp_hi[4]),
                                                   float(t::exp_hi[6]), float(t::exp_hi[8]), float(t::exp_hi[10]),
                                                   float(t::exp_hi[12]), float(t::exp_hi[14]))),
                _mm256_setr_epi32(0, 1 << 20, 2 << 20, 3 << 20, 4 << 20, 5 << 20, 6 << 20, 7 << 20));
            const __m256i ki = _mm256_castps_si256(ks); // vpermd reads its low 3 bits, j
            __m256i s_bits = _mm256_add_epi32(_mm256_permutevar8x32_epi32(table, ki), _mm256_slli_epi32(ki, 20));
            __m256 two_e2 = _mm256_set1_ps(1.0f), nonzero = two_e2;
            __m256i e2 = _mm256_setzero_si256();
            if constexpr (Edges)
            {
                e2 = _mm256_srai_epi32(_mm256_sub_epi32(ki, _mm256_castps_si256(shifter)), 4); // (8e + j) >> 4
                s_bits = _mm256_sub_epi32(s_bits, _mm256_slli_epi32(e2, 23));
                two_e2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(e2, _mm256_set1_epi32(127)), 23));
                // Where exp rounds to 0, 0 as the second factor: an underflowing product costs
                // a microcode assist (5x the time of a register here), an exact 0 none.
                nonzero = _mm256_cmp_ps(x, _mm256_set1_ps(exp_f32_zero_below), _CMP_GT_OQ);
                two_e2 = _mm256_and_ps(two_e2, nonzero);
            }
            const __m256 s = _mm256_castsi256_ps(s_bits);
            __m256 q = _mm256_fmadd_ps(r, _mm256_set1_ps(1.0f / 24), _mm256_set1_ps(1.0f / 6));
            q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(0.5f));
            const __m256 p = _mm256_fmadd_ps(_mm256_mul_ps(r, r), q, r); // exp(r) - 1
            const __m256 e = _mm256_fmadd_ps(s, p, s);
            if constexpr (!Edges)
                return e;
            else
            {
                // m exp(x) = v 2^e2, v normal. Where that lies below 2^-125, as
                // exp_f32_zmm_below_normal: no instruction has it as its result (an Intel
                // core takes a microcode assist for that); its bits are |v| 2^(e2 + 149)
                // rounded to an integer (the spacing below 2^-125 is 2^-149), with v's sign.
                const __m256 v = _mm256_mul_ps(m, e);
                const __m256i biased = _mm256_add_epi32(
                    _mm256_srli_epi32(_mm256_slli_epi32(_mm256_castps_si256(v), 1), 24), e2); // v's exponent + 127 + e2
                const __m256i tiny = _mm256_and_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(2), biased),
                                                      _mm256_castps_si256(nonzero)); // NaN, inf, 0: not tiny
                if (_mm256_testz_si256(tiny, tiny))
                    return _mm256_mul_ps(v, two_e2);
                return exp_f32_ymm_below_normal<A>(v, e2, two_e2, tiny);
            }
        }
#endif
    } // namespace detail

    // `ordered` and'ed with the lanes where neither a nor b is NaN: one compare for two
    // batches (AVX-512: a masked compare, no separate and). NaN detection beside a plain
    // max/min costs half a compare per batch this way.
    template <class B>
    PYPERF_TENSOR_INLINE typename B::batch_bool_type still_ordered(const typename B::batch_bool_type& ordered,
                                                                   const B& a, const B& b) noexcept
    {
        using T = typename B::value_type;
        using BB = typename B::batch_bool_type;
#if defined(__AVX512F__)
        if constexpr (detail::is_zmm<B>())
        {
            if constexpr (std::is_same<T, float>::value)
                return BB(_mm512_mask_cmp_ps_mask(ordered, a, b, _CMP_ORD_Q));
            else
                return BB(_mm512_mask_cmp_pd_mask(ordered, a, b, _CMP_ORD_Q));
        }
#endif
#if defined(__AVX__)
        if constexpr (sizeof(B) == 32)
        {
            if constexpr (std::is_same<T, float>::value)
                return ordered & BB(_mm256_cmp_ps(a, b, _CMP_ORD_Q));
            else
                return ordered & BB(_mm256_cmp_pd(a, b, _CMP_ORD_Q));
        }
#endif
#if defined(__SSE2__)
        if constexpr (sizeof(B) == 16)
        {
            if constexpr (std::is_same<T, float>::value)
                return ordered & BB(_mm_cmpord_ps(a, b));
            else
                return ordered & BB(_mm_cmpord_pd(a, b));
        }
#endif
        return ordered & !(xsimd::isnan(a) | xsimd::isnan(b));
    }

    // NumPy's maximum(a, b) / minimum(a, b) on float batches: b where b is NaN, else
    // vmaxps/vminps(b, a), which return a on a tie or a NaN in a. AVX-512: one max (min)
    // masked to b's ordered lanes, the others keeping b, where a compare, the max and a
    // blend took three instructions (with b broadcast, the compare leaves the loop and a
    // blend stayed: clip(x.T, lo, hi) 1000x1000 float32, C++, 1 thread: 1.74x -> 1.5x
    // contiguous, where every instruction counts beside the tile transposes).
    template <bool Max, class B>
    PYPERF_TENSOR_INLINE B nan_max_min(const B& a, const B& b) noexcept
    {
#if defined(__AVX512F__)
        if constexpr (detail::is_zmm<B>())
        {
            if constexpr (std::is_same<typename B::value_type, float>::value)
            {
                const __mmask16 ordered = _mm512_cmp_ps_mask(b, b, _CMP_ORD_Q);
                return Max ? _mm512_mask_max_ps(b, ordered, b, a) : _mm512_mask_min_ps(b, ordered, b, a);
            }
            else
            {
                const __mmask8 ordered = _mm512_cmp_pd_mask(b, b, _CMP_ORD_Q);
                return Max ? _mm512_mask_max_pd(b, ordered, b, a) : _mm512_mask_min_pd(b, ordered, b, a);
            }
        }
#endif
        return xsimd::select(xsimd::isnan(b), b, Max ? xsimd::max(b, a) : xsimd::min(b, a));
    }

    namespace detail
    {
        // t[i] for each lane of i (0 <= i < 16, unsigned lanes of D's width): on AVX-512 one
        // permute (float: the 16 entries fill one register; double: two); on AVX2 (no
        // 16-entry permute for doubles) four scalar loads, which beat vgatherqpd here
        // (float64 pow 5.7 vs 7.0 ms per 10^6).
        template <class D, class T, class U>
        PYPERF_TENSOR_INLINE D lookup16(const T (&t)[16], const U& i) noexcept
        {
            static_assert(std::is_same<T, typename D::value_type>::value, "a table of D's lanes");
#if defined(__AVX512F__)
            if constexpr (detail::is_zmm<D>() && std::is_same<T, float>::value)
                return D(_mm512_permutexvar_ps(i, _mm512_load_ps(t))); // reads i's low 4 bits
            if constexpr (detail::is_zmm<D>() && std::is_same<T, double>::value)
                return D(_mm512_permutex2var_pd(_mm512_load_pd(t), i, _mm512_load_pd(t + 8)));
#endif
#if defined(__AVX2__)
            if constexpr (sizeof(D) == 32 && std::is_same<T, double>::value)
            {
                const __m256i v = i;
                return D(_mm256_set_pd(t[_mm256_extract_epi64(v, 3)], t[_mm256_extract_epi64(v, 2)],
                                       t[_mm256_extract_epi64(v, 1)], t[_mm256_extract_epi64(v, 0)]));
            }
#endif
            alignas(D::arch_type::alignment()) typename U::value_type k[D::size];
            alignas(D::arch_type::alignment()) T v[D::size];
            i.store_aligned(k);
            for (std::size_t j = 0; j < D::size; ++j)
                v[j] = t[k[j]];
            return D::load_aligned(v);
        }

        // t[i mod 32] for each lane of i (32-bit lanes): one vpermt2ps on AVX-512 (float32's
        // only caller, gelu_table); lane by lane elsewhere.
        template <class D, class U>
        PYPERF_TENSOR_INLINE D lookup32(const float (&t)[32], const U& i) noexcept
        {
            static_assert(std::is_same<typename D::value_type, float>::value, "float lanes");
#if defined(__AVX512F__)
            if constexpr (detail::is_zmm<D>())
                return D(_mm512_permutex2var_ps(_mm512_load_ps(t), i, _mm512_load_ps(t + 16)));
#endif
            alignas(64) typename U::value_type k[D::size];
            alignas(64) float v[D::size];
            i.store_aligned(k);
            for (std::size_t j = 0; j < D::size; ++j)
                v[j] = t[k[j] % 32];
            return D::load_aligned(v);
        }

        // t[i mod D::size] for each lane of i (32-bit lanes) from a table of one register's
        // float lanes: one vpermps on AVX-512 (16 entries) and AVX2 (8); lane by lane elsewhere.
        template <class D, class U>
        PYPERF_TENSOR_INLINE D lookup_lanes(const float (&t)[D::size], const U& i) noexcept
        {
            static_assert(std::is_same<typename D::value_type, float>::value, "float lanes");
            if constexpr (detail::is_zmm<D>())
                return lookup16<D>(t, i);
#if defined(__AVX2__)
            if constexpr (sizeof(D) == 32)
                return D(_mm256_permutevar8x32_ps(_mm256_load_ps(t), i));
#endif
            alignas(64) typename U::value_type k[D::size];
            alignas(64) float v[D::size];
            i.store_aligned(k);
            for (std::size_t j = 0; j < D::size; ++j)
                v[j] = t[k[j] % D::size];
            return D::load_aligned(v);
        }

        // e = n ln2/16 + r_hi with n integral and |r_hi| <= ln2/32 (r_hi exact for |e| < 2^13:
        // ln2_16_hi has 36 bits), and 2^(n/16) = scale (1 + tail) from the tables. Valid
        // where 2^(n/16) is a normal double.
        template <class D>
        struct exp_reduction
        {
            D n, r_hi, scale, tail;
        };
        template <class D>
        PYPERF_TENSOR_INLINE exp_reduction<D> reduce_exp(const D& e) noexcept
        {
            namespace t = tables;
            using U = xsimd::batch<std::uint64_t, typename D::arch_type>;
            const D shifter(6755399441055744.0); // 1.5 * 2^52: n in the low bits of e 16/ln2 + shifter
            const D big = simd::fma(e, D(16 / 0.69314718055994530942), shifter);
            const D n = big - shifter;
            const U bits = xsimd::bitwise_cast<U>(big), j = bits & U(15);
            const D hi = lookup16<D>(t::exp_hi, j);
            return {n, simd::fma(n, D(-t::ln2_16_hi), e),
                    xsimd::bitwise_cast<D>(xsimd::bitwise_cast<U>(hi) + ((bits >> 4) << 52)),
                    lookup16<D>(t::exp_tail, j)};
        }

        // (exp(r) - 1 - r) / r^2 for |r| <= ln2/32 + a little: Taylor to r^8 (the rest is
        // below 2^-68 of exp(r)).
        template <class D>
        PYPERF_TENSOR_INLINE D expm1_rest(const D& r) noexcept
        {
            D q = D(1.0 / 40320);
            for (const double c : {1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5})
                q = simd::fma(q, r, D(c));
            return q;
        }

        // float64 exp (where the result is a normal double unless Edges, as exp_f32):
        // 2^(n/16) exp(r) with the 16-entry tables of pow, no division (xsimd 8.1's exp
        // divides). Within 0.53 ULP (20,000 inputs against a 200-bit reference). SSE2 too,
        // whose fma rounds twice: within 0.75 ULP, 0.7% of 4e6 random inputs not correctly
        // rounded, where xsimd's exp took 1.7x the time (C++, 1000x1000) and gave 0.87 ULP,
        // 9.5%.
        template <bool Edges = false, class D>
        PYPERF_TENSOR_INLINE D exp_f64(D x, D m = D(1.0)) noexcept
        {
            using U = xsimd::batch<std::uint64_t, typename D::arch_type>;
            if constexpr (Edges)
                x = xsimd::min(D(710.0), xsimd::max(D(-753.0), x)); // m exp(x) rounds to inf and to 0 there
            exp_reduction<D> e = reduce_exp(x);
            D two_e2(1.0);
            if constexpr (Edges)
            {
                const D e2 = xsimd::floor(e.n * D(1.0 / 32));                               // floor(floor(n/16) / 2)
                const U e2_bits = xsimd::bitwise_cast<U>(e2 + D(6755399441055744.0)) << 52; // e2 << 52
                e.scale = xsimd::bitwise_cast<D>(xsimd::bitwise_cast<U>(e.scale) - e2_bits);
                // as exp_f32_ymm: where m exp(x) rounds to 0 (1024 exp(x) < 2^-1075), an exact 0, no underflow
                two_e2 = xsimd::select(x > D(-752.065),
                                       xsimd::bitwise_cast<D>(xsimd::bitwise_cast<U>(D(1.0)) + e2_bits), D(0.0));
            }
            const D r = simd::fma(e.n, D(-tables::ln2_16_lo), e.r_hi);
            const D p = simd::fma(r * r, expm1_rest(r), r);                            // exp(r) - 1
            const D y = simd::fma(e.scale, simd::fma(e.tail, p, e.tail) + p, e.scale); // (1 + tail)(1 + p)
            return Edges ? m * y * two_e2 : y;
        }
    } // namespace detail

    // exp(x) where exp(x) is a normal number (|x| <= 64 qualifies): exp without the
    // clamps and the test for lanes that overflow or underflow (2-4 operations of ~15).
    // NaN stays NaN.
    template <class V>
    PYPERF_TENSOR_INLINE V exp_normal(const V& x) noexcept
    {
        using T = typename V::value_type;
#if defined(__AVX512F__)
        if constexpr (std::is_same<T, float>::value && detail::is_zmm<V>())
            return detail::exp_f32_zmm_normal(x);
#endif
#if defined(__AVX2__) && defined(__FMA__)
        if constexpr (std::is_same<T, float>::value && sizeof(V) == 32)
            return detail::exp_f32_ymm(x);
#endif
        if constexpr (std::is_same<T, float>::value)
            return detail::exp_f32(x);
        else
            return detail::exp_f64(x);
    }

    namespace detail
    {
        // m exp(x) for every x and a factor 2^-10 <= |m| <= 2^10 (|m| >= 1 where exp(x)
        // overflows), with exp's power of 2 applied last (Edges), so that a result below the
        // normal range is rounded once: x e^x near the subnormals keeps its ULP this way,
        // where x times a subnormal exp(x) would magnify exp's rounding.
        template <class V>
        PYPERF_TENSOR_INLINE V exp_mul(const V& x, const V& m) noexcept
        {
            using T = typename V::value_type;
#if defined(__AVX512F__)
            if constexpr (std::is_same<T, float>::value && is_zmm<V>())
                return exp_f32_zmm(x, m);
#endif
#if defined(__AVX2__) && defined(__FMA__)
            if constexpr (std::is_same<T, float>::value && sizeof(V) == 32)
                return exp_f32_ymm<true, typename V::arch_type>(x, m);
#endif
            if constexpr (std::is_same<T, float>::value)
                return exp_f32<true>(x, m);
            else
                return exp_f64<true>(x, m);
        }

        // exp of a register with an overflowing, underflowing or subnormal lane: exp_mul(x,
        // 1), in SIMD (per-lane libm took 20-60x the time for such inputs). Out of line, as
        // patch_lanes: inlined, it made the common path of float64 silu 1.4x slower. It takes
        // the ordinary kernel's result, unused, so that the caller computes it before the
        // branch rather than after: without, float64 softmax rows of U(-1000, 1000) took 5.4x
        // the time of ordinary rows, against 2.8x (AVX-512, C++ 1000x1000).
        template <class V, class M>
        PYPERF_TENSOR_COLD V exp_edges(const V& /*ordinary*/, const V& x, const M& /*edge*/) noexcept
        {
            return exp_mul(x, V(typename V::value_type(1)));
        }
    } // namespace detail

    // exp in two parts, for a row that tests its edge lanes apart from the arithmetic (the
    // kernels' has_edges): exp_unpatched(x) has no branch and is exp(x) but on the lanes
    // exp_patch(r, x) puts right; exp(x) is exp_patch(exp_unpatched(x), x). On AVX-512
    // float32 those lanes are the ones below exp_unpatched_min (results that may lie below
    // the normal range: its clamps and vscalefps take care of overflow); elsewhere also
    // those that overflow (exp_normal builds its power of 2 in the exponent bits).
    template <class V>
    constexpr typename V::value_type exp_unpatched_min() noexcept
    {
        using T = typename V::value_type;
#if defined(__AVX512F__)
        if constexpr (std::is_same<T, float>::value && detail::is_zmm<V>())
            return detail::exp_f32_zmm_unpatched_min;
#endif
        // log of the least normal number, plus 1
        return std::is_same<T, float>::value ? T(-86.336544750553108987) : T(-707.39641853226410622);
    }
    template <class V>
    PYPERF_TENSOR_INLINE V exp_unpatched(const V& x) noexcept
    {
#if defined(__AVX512F__)
        if constexpr (std::is_same<typename V::value_type, float>::value && detail::is_zmm<V>())
            return detail::exp_f32_zmm_unpatched(x);
#endif
        return exp_normal(x);
    }
    template <class V>
    PYPERF_TENSOR_INLINE V exp_patch(const V& r, const V& x) noexcept
    {
        using T = typename V::value_type;
        auto edge = x < V(exp_unpatched_min<V>());
        if constexpr (!std::is_same<T, float>::value || !detail::is_zmm<V>())
            edge = edge | (x > V(std::log(std::numeric_limits<T>::max()) - T(1)));
        if (xsimd::any(edge))
            return detail::exp_edges(r, x, edge);
        return r;
    }
    template <class V>
    PYPERF_TENSOR_INLINE V exp(const V& x) noexcept
    {
        if constexpr (std::is_arithmetic<V>::value)
            return std::exp(x);
        else
        {
#if defined(__AVX512F__)
            // One pass: its test reads k, and a register with edge lanes reuses the parts.
            if constexpr (std::is_same<typename V::value_type, float>::value && detail::is_zmm<V>())
                return detail::exp_f32_zmm(x);
#endif
            return exp_patch(exp_unpatched(x), x);
        }
    }

    // exp(-x) for |x| <= -exp_negated_min (float32 80, float64 700), and NaN; above, e^-80
    // (float64 e^-700), so that 1 + it is 1 and a first-order correction e (1 - d) with |d|
    // up to 1 - 2^-10 stays normal (tanh-GELU's: with e^-87 it could be subnormal, and on
    // an Intel host inputs in -1000..-100 took 5.8x the time: 286 -> 49 us per 40,000 in
    // C++); below, a large number for the caller to replace (e^80,
    // float64 e^700, so that 1 / (1 + it) is still normal and costs no microcode assist;
    // AVX-512 float32 gives exp(-x) itself, up to inf, and 1 / inf is an exact 0). For
    // 1 / (1 + exp(-x)) and the like:
    // without simd::exp's test for lanes that overflow or underflow, large |x| costs little
    // (float32 silu on AVX2, C++ 1000x1000, inputs in +-1000: 1439 -> 836 us, the edge
    // lanes inline). exp(-|x|) is exp_negated(abs(x)).
    template <class T>
    constexpr T exp_negated_min = std::is_same<T, float>::value ? T(-80) : T(-700);
    // The lowest whole x where exp(x) is still normal, and exp_normal accurate (float32 -87,
    // float64 -708).
    template <class T>
    constexpr T exp_normal_min = std::is_same<T, float>::value ? T(-87) : T(-708);
    template <class V>
    PYPERF_TENSOR_INLINE V exp_negated(const V& x) noexcept
    {
        using T = typename V::value_type;
#if defined(__AVX512F__)
        if constexpr (std::is_same<T, float>::value && detail::is_zmm<V>())
            return detail::exp_f32_zmm_normal<true>(_mm512_min_ps(_mm512_set1_ps(-exp_negated_min<T>), x)); // NaN kept
#endif
        return exp_normal(-xsimd::min(V(-exp_negated_min<T>), xsimd::max(V(exp_negated_min<T>), x))); // NaN kept
    }

    namespace detail
    {
        // log x = k ln2 + log(1/invc) + log1p(r) from its parts, r = z invc - 1 exact and
        // log(1/invc) = logc + c_lo (the tables' subinterval of z): log1p(r) = r + r^2/2 +
        // r^3 P(r) (float: P Taylor's, to r^6; double: a fitted degree 8, where Taylor needs
        // r^13), log(1/invc) + r added exactly, k ln2 last (ln2 split into two positive parts,
        // so k = +-inf stays infinite). For log_zmm and, float32 on AVX2, log_f32.
        template <class B>
        PYPERF_TENSOR_INLINE B log_assemble(const B& k, const B& r, const B& logc, const B& c_lo) noexcept
        {
            using T = typename B::value_type;
            constexpr bool f32 = std::is_same<T, float>::value;
            // P(r): float, sum over j of (-r)^j / (j + 3) to j = 3; double, a degree-8 fit
            // (scripts/fit_log.py: log1p within 7.6e-18, where that sum needs j = 10 for 1.7e-17;
            // C++, 10^6 logs: 760 -> 681 us)
            B p;
            if constexpr (f32)
            {
                p = B(T(-1.0 / 6));
                for (int j = 2; j >= 0; --j)
                    p = simd::fma(p, r, B(T((j % 2 ? -1.0 : 1.0) / (j + 3))));
            }
            else
            {
                constexpr double c[] = {0.3333333333333349,   -0.24999999999789116, 0.1999999999918954,
                                        -0.16666667105086352, 0.14285715314174996,  -0.12499697941054161,
                                        0.111106028537835,    -0.10084760787482679, 0.09196948726728367};
                p = B(c[8]);
                for (int j = 7; j >= 0; --j)
                    p = simd::fma(p, r, B(c[j]));
            }
            const B q = simd::fma(p, r, B(T(-0.5)));      // log1p(r) = r + r^2 q
            const B hi = logc + r, err = (logc - hi) + r; // |logc| >= |r| or logc = 0: exact
            const T ln2_hi = f32 ? T(0x1.62e4p-1) : T(tables::ln2_hi),
                    ln2_lo = f32 ? T(0x1.7f7d1cp-20) : T(tables::ln2_lo);
            const B lo = simd::fma(k, B(ln2_lo), err) + c_lo;
            return simd::fma(k, B(ln2_hi), hi + simd::fma(r * r, q, lo));
        }

#if defined(__AVX512F__)
        // log with AVX-512, every input, float32 and float64: x = 2^k z with z in [0.75, 1.5)
        // by vgetmant and vgetexp (subnormals included), 16 subintervals of z looked up by
        // permutes (no gathers); r = z invc - 1 is exact (invc a multiple of 1/16, |r| <=
        // 1/16), log1p(r) = r - r^2/2 + r^3 P(r) (float: Taylor to r^6; double: P a fitted
        // degree 8, where Taylor needs r^13), log(1/invc) + r added exactly, k ln2 last (ln2
        // split into two positive parts, so k = +-inf stays infinite). Zeros give k = -inf
        // (-inf out), +inf k = inf, negative x z = NaN (NaN out; -0 has z = -1). Measured:
        // float32 within 1 ULP (every 7th float: 0.54% not correctly rounded; 1.15x the
        // polynomial below here, whose callers also test for special lanes), float64 within
        // 0.76 ULP of a long double reference over 14 million inputs (0.7505 with Taylor's P;
        // 0.76% of them not correctly rounded, 0.64% with it; xsimd's log, which divides:
        // 0.79 ULP on 20,000, and 1.6x the time).
        template <class T>
        struct log_zmm_tables; // the tables of log_zmm for T
        template <>
        struct log_zmm_tables<float>
        {
            static constexpr const float (&invc)[16] = tables::log_f32_invc, (&c)[16] = tables::log_f32_c,
                                         (&c_lo)[16] = tables::log_f32_c_lo;
        };
        template <>
        struct log_zmm_tables<double>
        {
            static constexpr const double (&invc)[16] = tables::log_f64_invc, (&c)[16] = tables::log_f64_c,
                                          (&c_lo)[16] = tables::log_f64_c_lo;
        };

        template <class B>
        inline B log_zmm(const B& x) noexcept
        {
            using T = typename B::value_type;
            constexpr bool f32 = std::is_same<T, float>::value;
            using U = xsimd::batch<std::conditional_t<f32, std::uint32_t, std::uint64_t>, typename B::arch_type>;
            namespace t = tables;
            B z, e;
            if constexpr (f32)
                z = _mm512_getmant_ps(x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_nan), e = _mm512_getexp_ps(x);
            else
                z = _mm512_getmant_pd(x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_nan), e = _mm512_getexp_pd(x);
            const B k = e + xsimd::select(z < B(T(1)), B(T(1)), B(T(0))); // e = floor(log2 |x|)
            const U i = (xsimd::bitwise_cast<U>(z) - U(f32 ? t::offset_f32 : t::offset_f64)) >> (f32 ? 19 : 48);
            const B r = simd::fma(z, lookup16<B>(log_zmm_tables<T>::invc, i), B(T(-1))); // exact
            return log_assemble(k, r, lookup16<B>(log_zmm_tables<T>::c, i), lookup16<B>(log_zmm_tables<T>::c_lo, i));
        }
#endif

        // log(x) for normal positive x (times 2^extra_k). AVX2: log_zmm's scheme with 8
        // subintervals, each table in one ymm register (scripts/gen_math_tables.py): x = 2^k z,
        // z in [0.7734375, 1.546875) from x's bits, the top 3 bits of z's after the offset pick
        // invc, z invc - 1 exact (|r| < 0.0665). SSE2 (no variable permute): x = 2^k m with m
        // in [sqrt(1/2), sqrt(2)), log(m) = f - f^2/2 + f^3 P(f) with f = m - 1. No division.
        // Zero, negative, infinite and NaN lanes are fixed up by the caller's selects.
        template <class A>
        inline xsimd::batch<float, A> log_f32(const xsimd::batch<float, A>& x,
                                              const xsimd::batch<float, A>& extra_k) noexcept
        {
            using B = xsimd::batch<float, A>;
            using I = xsimd::batch<std::int32_t, A>;
            if constexpr (sizeof(B) == 32 && has_fma<A>()) // z invc - 1 exact needs the fma
            {
                namespace t = tables;
                const I ix = xsimd::bitwise_cast<I>(x) - I(t::log8_offset_f32);
                const B k = xsimd::batch_cast<float>(ix >> 23) + extra_k;
                const B z = xsimd::bitwise_cast<B>((ix & I(0x007fffff)) + I(t::log8_offset_f32));
                const I i = ix >> 20; // vpermps reads the low 3 bits
                const B r = simd::fma(z, lookup_lanes<B>(t::log8_f32_invc, i), B(-1.0f)); // exact
                return log_assemble(k, r, lookup_lanes<B>(t::log8_f32_c, i), lookup_lanes<B>(t::log8_f32_c_lo, i));
            }
            I ix = xsimd::bitwise_cast<I>(x) + I(0x3f800000 - 0x3f3504f3);
            const B k = xsimd::batch_cast<float>((ix >> 23) - I(0x7f)) + extra_k;
            ix = (ix & I(0x007fffff)) + I(0x3f3504f3);
            const B f = xsimd::bitwise_cast<B>(ix) - B(1.0f);
            const B z = f * f;
            B p = B(7.0376836292e-2f);
            p = simd::fma(p, f, B(-1.1514610310e-1f));
            p = simd::fma(p, f, B(1.1676998740e-1f));
            p = simd::fma(p, f, B(-1.2420140846e-1f));
            p = simd::fma(p, f, B(1.4249322787e-1f));
            p = simd::fma(p, f, B(-1.6668057665e-1f));
            p = simd::fma(p, f, B(2.0000714765e-1f));
            p = simd::fma(p, f, B(-2.4999993993e-1f));
            p = simd::fma(p, f, B(3.3333331174e-1f));
            B y = p * f * z;
            y = simd::fma(k, B(-2.12194440e-4f), y);
            y = simd::fma(B(-0.5f), z, y);
            return simd::fma(k, B(0.693359375f), f + y);
        }
    } // namespace detail

    namespace detail
    {
        // float32 log of a batch with some lane zero, negative, infinite, NaN or subnormal
        // (out of line: keeps the common path's constants in registers).
        template <class V>
        PYPERF_TENSOR_COLD V log_f32_special(const V& x) noexcept
        {
            const auto subnormal = (x > V(0.0f)) & (x < V(std::numeric_limits<float>::min()));
            const V xs = xsimd::select(subnormal, x * V(8388608.0f), x);
            V r = log_f32(xs, xsimd::select(subnormal, V(-23.0f), V(0.0f)));
            const V inf(std::numeric_limits<float>::infinity());
            r = xsimd::select(x == V(0.0f), -inf, r);
            r = xsimd::select(x == inf, inf, r);
            return xsimd::select(x < V(0.0f) || xsimd::isnan(x), V(std::numeric_limits<float>::quiet_NaN()), r);
        }
    } // namespace detail

    template <class V>
    inline V log(const V& x) noexcept
    {
        if constexpr (std::is_arithmetic<V>::value)
            return std::log(x);
        else
        {
            using T = typename V::value_type;
            V r;
#if defined(__AVX512F__)
            if constexpr (detail::is_zmm<V>())
                return detail::log_zmm(x);
#endif
            if constexpr (std::is_same<T, float>::value)
            {
                // No libm call on this path (a call in the loop costs every iteration its
                // constants): subnormal inputs are scaled by 2^23 into the normal range.
                const auto normal =
                    (x >= V(std::numeric_limits<float>::min())) & (x <= V(std::numeric_limits<float>::max()));
                if (xsimd::all(normal))
                    return detail::log_f32(x, V(0.0f));
                return detail::log_f32_special(x);
            }
            else
                r = xsimd::log(x);
            const auto subnormal_input = (x > V(T(0))) & (x < V(std::numeric_limits<T>::min()));
            if (xsimd::any(subnormal_input))
                return detail::patch_lanes(r, subnormal_input, [](T v) { return std::log(v); }, x);
            return r;
        }
    }

    namespace detail
    {
        // log2(x) for batches of positive normal doubles: x = 2^k m, m in [sqrt(1/2),
        // sqrt(2)), log(m) = 2 atanh(s) with s = (m - 1) / (m + 1), |s| <= 0.1716, by its
        // series to s^11 (the rest is below 2^-34 of the result).
        template <class D>
        PYPERF_TENSOR_INLINE D log2_f64(const D& x) noexcept
        {
            using I = xsimd::batch<std::uint64_t, typename D::arch_type>;
            const I ix = xsimd::bitwise_cast<I>(x) + I(0x3ff0000000000000 - 0x3fe6a09e667f3bcd);
            // k + 1023 (the biased exponent, 0 .. 2047) as a double: its bits under 2^52's.
            const D k = xsimd::bitwise_cast<D>((ix >> 52) | I(0x4330000000000000)) - D(4503599627370496.0 + 1023.0);
            const D m = xsimd::bitwise_cast<D>((ix & I(0x000fffffffffffff)) + I(0x3fe6a09e667f3bcd));
            const D s = (m - D(1.0)) / (m + D(1.0)), z = s * s;
            D p = D(2.0 / 11);
            for (const double c : {2.0 / 9, 2.0 / 7, 2.0 / 5, 2.0 / 3, 2.0})
                p = simd::fma(p, z, D(c));
            return simd::fma(s * p, D(1.4426950408889634074), k);
        }

        // (Integer lanes are unsigned throughout: xsimd 8.1 shifts signed 64-bit lanes right
        // element by element on AVX2, which has no arithmetic 64-bit shift.)

        // 2^t for batches of doubles with |t| <= 1000: t = n + r with n an integer and
        // |r| <= 1/2 (n by adding and subtracting 1.5 * 2^52, which leaves n in the low
        // bits), 2^r by the Taylor series of exp(r ln 2) to degree 8 (the rest is below
        // 2^-32), 2^n put in the exponent bits.
        template <class D>
        PYPERF_TENSOR_INLINE D exp2_f64(const D& t) noexcept
        {
            using I = xsimd::batch<std::uint64_t, typename D::arch_type>;
            constexpr int degree = 8;
            constexpr auto taylor = []
            {
                std::array<double, degree + 1> c{1.0};
                for (int i = 1; i <= degree; ++i)
                    c[i] = c[i - 1] * 0.69314718055994530942 / i;
                return c;
            }();
            const D shifter(6755399441055744.0);
            const D big = t + shifter;
            const D r = t - (big - shifter);
            D p = D(taylor[degree]);
            for (int i = degree - 1; i >= 0; --i)
                p = simd::fma(p, r, D(taylor[i]));
            return p * xsimd::bitwise_cast<D>((xsimd::bitwise_cast<I>(big) + I(1023)) << 52);
        }

        // float32 pow for positive finite x and finite y, evaluated in double as
        // 2^(y log2 x). Both steps are accurate to ~2^-32 of the result, so the float
        // result is the correctly rounded one except when the exact value lies within a
        // few thousandths of an ULP of a rounding boundary (then 1 ULP off at most).
        template <class A>
        inline xsimd::batch<float, A> pow_f32(const xsimd::batch<float, A>& x, const xsimd::batch<float, A>& y) noexcept
        {
            using D = xsimd::batch<double, A>;
            D x0, x1, y0, y1;
            simd::widen(x, x0, x1);
            simd::widen(y, y0, y1);
            // Beyond +-200 the float result is 0 or inf either way.
            auto half = [](const D& a, const D& b)
            { return exp2_f64(xsimd::min(D(200.0), xsimd::max(D(-200.0), b * log2_f64(a)))); };
            return simd::narrow(half(x0, y0), half(x1, y1));
        }

        // float64 pow for positive normal x and finite y as exp(y log x), each step carried
        // in two doubles (the tables and their derivation: scripts/gen_math_tables.py).
        // log x = k ln2 + log(1/invc) + log1p(r), r = z invc - 1, |r| < 1/32: the sum's
        // leading terms are added exactly, the rest (r^3 on, Taylor to r^13) in the low
        // part: within ~2^-68 of log x. exp(e) = 2^(n/16) exp(r), |r| <= ln2/32, with 1 + r added
        // exactly and the rest in the low part (Taylor to r^8). In all, within 1 ULP and
        // nearly always correctly rounded. `in_range` is false where |y log x| > 708 (the
        // result is near or beyond the limits of double: the caller asks libm).
        template <class D>
        PYPERF_TENSOR_INLINE D pow_f64(const D& x, const D& y, typename D::batch_bool_type& in_range) noexcept
        {
            namespace t = tables;
            using U = xsimd::batch<std::uint64_t, typename D::arch_type>;
            const U ix = xsimd::bitwise_cast<U>(x) + U(0x3ff0000000000000 - t::offset);
            const D k = xsimd::bitwise_cast<D>((ix >> 52) | U(0x4330000000000000)) - D(4503599627370496.0 + 1023.0);
            const U i = (ix >> 48) & U(15);
            const D z = xsimd::bitwise_cast<D>((ix & U(0x000fffffffffffff)) + U(t::offset));
            const D invc = lookup16<D>(t::invc, i);
            // z invc - 1 = rh + rl exactly (ph - 1 is exact: ph is within a factor 2 of 1).
            const D ph = z * invc, rl = product_error(z, invc, ph), rh = ph - D(1.0);
            const D t1 = simd::fma(k, D(t::ln2_hi), lookup16<D>(t::logc_hi, i)); // exact
            const D t2 = t1 + rh, e2 = (t1 - t2) + rh;                           // |t1| > |rh| or t1 = 0
            const D ar = D(-0.5) * rh, ar2 = ar * rh, ar2_lo = product_error(ar, rh, ar2);
            const D hi = t2 + ar2, e3 = (t2 - hi) + ar2;
            D p = D(1.0 / 13);
            for (const double c :
                 {-1.0 / 12, 1.0 / 11, -1.0 / 10, 1.0 / 9, -1.0 / 8, 1.0 / 7, -1.0 / 6, 1.0 / 5, -1.0 / 4, 1.0 / 3})
                p = simd::fma(p, rh, D(c));
            D lo = simd::fma(k, D(t::ln2_lo), lookup16<D>(t::logc_lo, i)) + e2 + e3 + ar2_lo;
            // log1p(rh + rl) = log1p(rh) + rl / (1 + rh): rl is up to 2^-54, so rl r^2 counts.
            const D w = simd::fma(simd::fma(D(1.0) - rh, rh, D(-1.0)), rh, D(1.0)); // 1 - rh + rh^2 - rh^3
            lo = simd::fma(rh * rh * rh, p, simd::fma(rl, w, lo));
            const D log_hi = hi + lo, log_lo = (hi - log_hi) + lo;
            const D e = y * log_hi, e_lo = product_error(y, log_hi, e) + y * log_lo;
            in_range = xsimd::abs(e) < D(708.0);

            const exp_reduction<D> red = reduce_exp(e);
            const D r_lo = simd::fma(red.n, D(-t::ln2_16_lo), e_lo), r = red.r_hi + r_lo;
            // exp(r) (1 + tail) - 1 - r_hi
            const D rest = simd::fma(r * r, expm1_rest(r), r_lo + simd::fma(red.tail, r, red.tail));
            const D u = D(1.0) + red.r_hi, u_err = (D(1.0) - u) + red.r_hi;
            return simd::fma(red.scale, u, red.scale * (u_err + rest));
        }
    } // namespace detail

    // AVX2 / AVX-512: float32 in SIMD through double (pow_f32), float64 in double-double
    // steps (pow_f64); lanes with x <= 0 (float64: x below the normal range), x or y
    // infinite or NaN, and float64 results beyond e^+-708 by libm (C's special cases:
    // pow(-8, 1/3) is NaN, pow(1, NaN) is 1, ...). SSE2 (two doubles per register: the
    // float32 path was 12% slower than libm there): libm per lane.
    template <class V>
    inline V pow(const V& x, const V& y) noexcept
    {
        if constexpr (std::is_arithmetic<V>::value)
            return std::pow(x, y);
        else
        {
            using T = typename V::value_type;
            auto libm = [](T a, T b) { return std::pow(a, b); };
            if constexpr (sizeof(V) >= 32)
            {
                const V inf(std::numeric_limits<T>::infinity());
                auto ordinary = (x < inf) & (xsimd::abs(y) < inf);
                V r;
                if constexpr (std::is_same<T, float>::value)
                {
                    ordinary = ordinary & (x > V(0.0f));
                    r = detail::pow_f32(x, y);
                }
                else
                {
                    typename V::batch_bool_type in_range;
                    r = detail::pow_f64(x, y, in_range);
                    ordinary = ordinary & (x >= V(std::numeric_limits<double>::min())) & in_range;
                }
                if (xsimd::all(ordinary))
                    return r;
                return detail::patch_lanes(r, !ordinary, libm, x, y);
            }
            else
                return detail::patch_lanes(x, xsimd::batch_bool<T, typename V::arch_type>(true), libm, x, y);
        }
    }

    namespace detail
    {
        // a * b exactly, for scalars and batches alike (product_error's scalar twin).
        template <class V>
        PYPERF_TENSOR_INLINE V exact_product_error(const V& a, const V& b, const V& p) noexcept
        {
            if constexpr (std::is_arithmetic<V>::value)
                return std::fma(a, b, -p);
            else
                return product_error(a, b, p);
        }

        // A double-double h + l (|l| <= ulp(h) / 2) and its product with another, within
        // ~2^-104 relative (valid while no product leaves the normal range).
        template <class V>
        struct double_double
        {
            V h, l;
            PYPERF_TENSOR_INLINE double_double operator*(const double_double& o) const noexcept
            {
                const V p = h * o.h, e = exact_product_error(h, o.h, p) + (h * o.l + l * o.h);
                const V s = p + e;
                return {s, e - (s - p)};
            }
        };

        // b^m for m >= 1 by squaring: the same products in the same order for scalars and
        // batches, so every lane's bits match its scalar twin's. b^(2^k) is only formed
        // where a factor of the result needs it, so no intermediate lies farther from 1
        // than the result.
        template <class V>
        PYPERF_TENSOR_INLINE V power_by_squaring(V b, unsigned m) noexcept
        {
            for (;;)
            {
                if (m & 1)
                {
                    V r = b;
                    while (m >>= 1)
                    {
                        b = b * b;
                        if (m & 1)
                            r = r * b;
                    }
                    return r;
                }
                m >>= 1;
                b = b * b;
            }
        }

        // 1 / p from a seed q within 2^-23 of it (1.0f / x for a float x widened to p, x
        // normal and below 2^126): two Newton steps, without FMA so that scalars and
        // batches agree on every ISA (the first step's p q is exact: two 24-bit factors),
        // leave ~2^-52.
        template <class V>
        PYPERF_TENSOR_INLINE V refine_reciprocal(const V& p, V q) noexcept
        {
            q = q + q * (V(1.0) - p * q);
            return q + q * (V(1.0) - p * q);
        }

        // 1 / (h + l) rounded: q = 1/h corrected by the residual 1 - q (h + l) (q h - 1 is
        // exact in two parts).
        template <class V>
        PYPERF_TENSOR_INLINE V reciprocal_dd(const double_double<V>& a) noexcept
        {
            const V q = V(1.0) / a.h, p = q * a.h;
            const V rem = ((V(1.0) - p) - exact_product_error(q, a.h, p)) - q * a.l;
            return q + q * rem;
        }
    } // namespace detail

    // pow(x, n) for a whole n, 1 <= |n| <= powi_max, with C's special values: the products
    // of x^n by squaring, float32 in double (each squaring doubles the relative error
    // before it: within ~2 |n| 2^-53 <= 2^-46 before the last rounding, so the float result
    // is the correctly rounded one unless the exact value lies that close to a midpoint,
    // and 1 ULP off at most), float64 in double-double (within ~2^-97; lanes whose
    // |x^|n|| leaves [2^-960, 2^960], and x that are 0, infinite or NaN, from libm). A
    // negative n: float32 takes (1/x)^|n|, 1/x a float division refined in double (x
    // subnormal, beyond 2^126, 0, infinite or NaN: 1 / x^|n| divided in double; two
    // divisions of doubles per register took 1.24x as long, C++, 1000x1000, 1 thread),
    // float64 divides in double-double. Scalars and batches give the same bits.
    constexpr int powi_max = 64;
    template <class V>
    inline V powi(const V& x, int n) noexcept
    {
        const unsigned m = static_cast<unsigned>(n < 0 ? -n : n);
        if constexpr (std::is_same<detail::value_t<V>, float>::value)
        {
            if constexpr (std::is_arithmetic<V>::value)
            {
                const double d = static_cast<double>(x);
                if (n > 0)
                    return static_cast<float>(detail::power_by_squaring(d, m));
                if (std::fabs(x) >= 0x1p-126f && std::fabs(x) <= 0x1p126f)
                    return static_cast<float>(
                        detail::power_by_squaring(detail::refine_reciprocal(d, static_cast<double>(1.0f / x)), m));
                return static_cast<float>(1.0 / detail::power_by_squaring(d, m));
            }
            else
            {
                using D = xsimd::batch<double, typename V::arch_type>;
                D lo, hi;
                widen(x, lo, hi);
                if (n > 0)
                    return narrow(detail::power_by_squaring(lo, m), detail::power_by_squaring(hi, m));
                const auto seeded = (xsimd::abs(x) >= V(0x1p-126f)) & (xsimd::abs(x) <= V(0x1p126f));
                D seed_lo, seed_hi;
                widen(V(1.0f) / x, seed_lo, seed_hi);
                const V r = narrow(detail::power_by_squaring(detail::refine_reciprocal(lo, seed_lo), m),
                                   detail::power_by_squaring(detail::refine_reciprocal(hi, seed_hi), m));
                if (xsimd::all(seeded))
                    return r;
                return xsimd::select(
                    seeded, r,
                    narrow(D(1.0) / detail::power_by_squaring(lo, m), D(1.0) / detail::power_by_squaring(hi, m)));
            }
        }
        else
        {
            const auto p = detail::power_by_squaring(detail::double_double<V>{x, V(0.0)}, m);
            const V r = n < 0 ? detail::reciprocal_dd(p) : p.h;
            auto libm = [n](double a) { return std::pow(a, static_cast<double>(n)); };
            if constexpr (std::is_arithmetic<V>::value)
                return std::fabs(p.h) >= 0x1p-960 && std::fabs(p.h) <= 0x1p960 ? r : libm(x);
            else
            {
                const auto ordinary = (xsimd::abs(p.h) >= V(0x1p-960)) & (xsimd::abs(p.h) <= V(0x1p960));
                return xsimd::all(ordinary) ? r : detail::patch_lanes(r, !ordinary, libm, x);
            }
        }
    }
} // namespace pyperf_tensor::simd
