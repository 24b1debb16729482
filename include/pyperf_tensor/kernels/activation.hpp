// Activation kernels. The pointwise activations are elementwise ops (functors over a
// scalar or an xsimd batch, run by the elementwise engine); softmax and log_softmax are
// kernels of their own that normalise many independent slices at once.
//
// Accuracy: every float32 activation is computed so that the result is within a few
// ULP of the exact value over the whole range, saturation and subnormal results
// included. Where the cheap formula loses accuracy (a product that lands in the
// subnormal range, an infinite input that would give inf * 0), those lanes are
// recomputed by an edge formula in SIMD (exp_mul rounds a subnormal result once); the
// check costs one comparison per register, or for sigmoid, silu and exact GELU out of
// place one per chunk of a row (see has_edge_below).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../simd/gather.hpp"
#include "../simd/loop.hpp"
#include "../simd/math.hpp"
#include "../simd/transpose.hpp"
#include "../simd/widen.hpp"
#include "elementwise.hpp"

namespace pyperf_tensor::kernels
{
    namespace detail
    {
        // Below this x (float64 -746) e^x rounds to 0; from it up to simd::exp_normal_min it
        // is subnormal.
        template <class T>
        inline constexpr T exp_zero_below = std::is_same<T, float>::value ? T(-104) : T(-746);

        // Recompute the lanes of r where `edge` holds as f(x) (the edge code of sigmoid, silu
        // and the GELUs: a few operations more than the ordinary code, as exp_mul rounds their
        // subnormal results once). With AVX-512's 32 registers inline: out of line, float32
        // silu on inputs in +-1000 (nearly every register an edge) took 924 us against 357,
        // as a call clobbers every vector register. With 16 (AVX2, SSE2) out of line, with raw
        // registers as arguments: inline, the edge code's constants crowd the ordinary loop
        // (AVX2 float32 silu 329 against 307 us, GELU 654 against 616), and far-out inputs
        // take 1.3-1.5x the inline time instead. (C++, 1000x1000, 1 thread.)
        template <class V, class M, class F>
        PYPERF_TENSOR_COLD typename V::register_type edge_lanes(typename V::register_type r,
                                                                typename V::register_type x,
                                                                typename M::register_type edge, F f) noexcept
        {
            return xsimd::select(M(edge), f(V(x)), V(r));
        }
        template <class V, class M, class F>
        PYPERF_TENSOR_INLINE V fix_edges(const V& r, const V& x, const M& edge, F f) noexcept
        {
            if (!xsimd::any(edge))
                return r;
            if constexpr (simd::detail::is_zmm<V>())
                return xsimd::select(edge, f(x), r);
            else
                return V(edge_lanes<V, M>(r, x, edge, f));
        }
        // As above, for an f that is the constant c below `flat` (f clamps x there, and its
        // result rounds to c): those lanes take c, and f runs only for a register with an
        // edge lane at or above flat. Inputs far out then seldom take f. C++, 1000x1000
        // float32 uniform in +-1000, 1 thread, alternating runs: exact GELU 811-820 -> 451-464
        // us, tanh-GELU 1241-1249 -> 642-648, sigmoid 545-551 -> 424-433, silu 537-544 ->
        // 427-445; on ordinary inputs the same but exact GELU, 321-337 -> 332-350 (the
        // harness: 318-328 -> 295-325).
        template <class V, class M, class F>
        PYPERF_TENSOR_INLINE V fix_edges(const V& r, const V& x, const M& edge, F f, typename V::value_type flat,
                                         typename V::value_type c) noexcept
        {
            if (!xsimd::any(edge))
                return r;
            return fix_edges(xsimd::select(x < V(flat), V(c), r), x, edge & (x >= V(flat)), f);
        }

        // x sigmoid(x) for the edge lanes, x below simd::exp_negated_min (float32 -80, float64
        // -700) and -inf: x exp(x) (1 / (1 + exp(x)) is 1 within 2e-35 there, float64 1e-304),
        // exp's power of 2 applied last (exp_mul), so a subnormal result is rounded once. x
        // is clamped where x exp(x) rounds to 0 whatever lies below (float32 at -111: 111
        // e^-111 < 2^-153; float64 at -753: 753 e^-753 < 2^-1076), which keeps |x| within
        // exp_mul's bound and gives -inf its limit, -0.
        template <class T>
        inline constexpr T silu_far_clamp = std::is_same<T, float>::value ? T(-111) : T(-753);
        template <class V>
        PYPERF_TENSOR_INLINE V silu_far(const V& x) noexcept
        {
            using T = typename V::value_type;
            const V c = xsimd::max(V(silu_far_clamp<T>), x);
            return simd::detail::exp_mul(c, c);
        }

        // 2^n for integral n held in a batch of floats (float32: n in [-126, 127], float64:
        // [-1022, 1023]).
        template <class B>
        PYPERF_TENSOR_INLINE B exp2_int(const B& n) noexcept
        {
            using T = typename B::value_type;
#if defined(__AVX512F__)
            if constexpr (simd::detail::is_zmm<B>() && std::is_same<T, float>::value)
                return _mm512_scalef_ps(_mm512_set1_ps(1.0f), n);
            if constexpr (simd::detail::is_zmm<B>() && std::is_same<T, double>::value)
                return _mm512_scalef_pd(_mm512_set1_pd(1.0), n);
#endif
            if constexpr (std::is_same<T, float>::value)
            {
                using I = xsimd::batch<std::int32_t, typename B::arch_type>;
                return xsimd::bitwise_cast<B>((xsimd::batch_cast<std::int32_t>(n) + I(127)) << 23);
            }
            else
            {
                // n + 1.5 * 2^52 holds n in its low bits, which the shift moves into 1.0's exponent
                using U = xsimd::batch<std::uint64_t, typename B::arch_type>;
                return xsimd::bitwise_cast<B>(xsimd::bitwise_cast<U>(B(1.0))
                                              + (xsimd::bitwise_cast<U>(n + B(6755399441055744.0)) << 52));
            }
        }

        // exp(y) = 2^n (1 + p) for float32 y in [-87, 88]: reduce_f32 returns r = y - n ln2
        // (|r| <= ln2/2, Cody-Waite) and sets n; expm1_f32(r) is p = expm1(r) = r + r^2/2 +
        // r^3 P(r), P a cubic fitted for relative error (scripts/fit_expm1.py: 1.4e-8, as
        // Taylor to r^7, which takes one fma more: tanh 272 -> 255 us, gelu 542 -> 525, C++
        // 1000x1000; worst errors over every float32 unchanged). Callers combine 2^n and p
        // with one rounding (expm1 as 2^n p + (2^n - 1), or m exp(y) as 2^n fma(m, p, m)).
        // With E = +-1 both work on a scaled argument, so that a factor 2 or 1/2 of the
        // caller's costs no multiplication: reduce_f32<E>(y, n) reduces exp(2^E y) and
        // returns t = 2^-E r, expm1_f32<S>(u) is 2^S expm1(2^-S u). The constants are
        // exactly scaled, so n and every rounding are those of the unscaled steps: the
        // same bits (barring subnormal intermediates).
        template <int E = 0, class B>
        PYPERF_TENSOR_INLINE B reduce_f32(const B& y, B& n) noexcept
        {
            static_assert(E >= -1 && E <= 1, "ln2's split keeps its exactness for these");
            constexpr float scale = E > 0 ? 2.0f : E < 0 ? 0.5f : 1.0f;
            n = xsimd::nearbyint(y * B(scale * 1.44269504088896341f));
            return simd::fma(n, B(2.12194440e-4f / scale), simd::fma(n, B(-0.693359375f / scale), y));
        }
        template <int S = 0, class B>
        PYPERF_TENSOR_INLINE B expm1_f32(const B& u) noexcept
        {
            static_assert(S >= 0 && S <= 1, "one doubling at most");
            // c_k 2^-S(k+1): the coefficients of (expm1(r) - r) / r^2 = 1/2 + r P(r) in u
            constexpr float h = S ? 0.5f : 1.0f;
            B q = B(0.0013898216420784593f * h * h * h * h * h);
            q = simd::fma(q, u, B(0.008366033434867859f * h * h * h * h));
            q = simd::fma(q, u, B(0.04166685417294502f * h * h * h));
            q = simd::fma(q, u, B(0.16666549444198608f * h * h));
            q = simd::fma(q, u, B(0.5f * h));
            return simd::fma(u * u, q, u);
        }

        // float32 tanh(x) = sign(x) * (-em / (2 + em)), em = expm1(-2|x|) computed as
        // 2^n * p + (2^n - 1) with p = expm1(r) (|r| <= ln2/2, relative error 1.4e-8) and
        // one rounding (fma), negated as it is made (-em: one fnma).
        // |x| is clamped at 15 (tanh is 1 in float32 from 9.01); NaN stays NaN. -|x| is an
        // or and its doubling goes into the reduction. Two instructions fewer than
        // -2 * abs(x) and 0 - em, same bits for every float32 (checked); 321 -> 293 us at
        // 1000x1000 (C++, 1 thread), the FMA pipe and the add pipe both being this op's limit.
        template <class B>
        PYPERF_TENSOR_INLINE B tanh_f32_expm1(const B& x) noexcept
        {
            const B sign = x & B(-0.0f);
            const B y = xsimd::max(B(-15.0f), x | B(-0.0f)); // NaN: max returns its 2nd operand
            B n;
            const B t = reduce_f32<1>(y, n);
            const B p = expm1_f32(t + t);
            const B s = exp2_int(n);
            const B nem = simd::fnma(s, p, B(1.0f) - s); // +0 at x = 0, as tanh(+0)
            return nem / (B(2.0f) - nem) | sign;
        }

        // float32 tanh on AVX-512 and AVX2: tanh(a), a = |x| clamped at 10, is one polynomial
        // in t = a - start on each of 16 intervals (AVX-512, degree 5: [0, 1/8), ... four per
        // octave of a + 1/2, the last [6.5, 10]) or 8 (AVX2, degree 7: two per octave), each
        // fitted for relative error (scripts/fit_tanh.py), its coefficients looked up with
        // one vpermps each. The interval comes from the bits of b = min(a + 1/2, 8 - ulp):
        // its exponent and leading mantissa bits are its bits from `shift` up, which vpermps
        // reads after a shift, and `start` is b with the bits below cleared, minus 1/2; t is
        // exact, and t = a on the first interval, whose polynomial has no constant term
        // (relative accuracy down to the subnormals). The polynomial reaches 1.0f at 10. NaN
        // stays NaN (t is NaN). No division, no select. C++ 1000x1000, 1 thread: AVX-512
        // 257 -> 217 us, AVX2 374 -> 315 us; within 1.31 ULP (AVX2: 1.28) of the exact value
        // on every float32 (tanh_f32_expm1: 2.5). The permutes are the limit now: one lookup
        // costs about two fmas' time here, so degree 4 on 32 intervals (vpermt2ps) or a
        // 4-entry in-lane vpermilps for the top coefficients was no faster; 16 intervals on
        // AVX2 (two vpermps and a blend per lookup) were slower than the division (395 us).
        // SSE2 (no variable permute) keeps tanh_f32_expm1.
        template <class B, std::size_t Bytes = sizeof(B)>
        struct tanh_fit
        {
            static constexpr bool available = false;
        };
        template <class B>
        struct tanh_fit<B, 64>
        {
            static constexpr bool available = true;
            static constexpr unsigned shift = 21;
            // Row j: coefficient j (highest degree first) of each interval, in vpermps order.
            alignas(64) static constexpr float c[6][16] = {
                {0.0034432776737958193f, 0.003976147156208754f, 0.0019167449790984392f, 0.000771511229686439f,
                 0.00018530750821810216f, 2.5347424525534734e-05f, 3.4353388400631957e-06f, 6.364795979152404e-08f,
                 0.1298408806324005f, 0.09711293876171112f, 0.04593464732170105f, -0.00569523498415947f,
                 -0.053979918360710144f, -0.0585770346224308f, -0.032110460102558136f, -0.009554756805300713f},
                {-0.027632316574454308f, -0.017360495403409004f, -0.007547060493379831f, -0.0029438885394483805f,
                 -0.000930469308514148f, -0.00012693845201283693f, -1.7197857232531533e-05f, -7.200842446764e-07f,
                 0.0005137376138009131f, 0.08246913552284241f, 0.14333917200565338f, 0.1714148223400116f,
                 0.17107118666172028f, 0.09771019220352173f, 0.02376965619623661f, -0.015123430639505386f},
                {0.08841154724359512f, 0.041963234543800354f, 0.016895204782485962f, 0.006422596517950296f,
                 0.002288596238940954f, 0.00031135609606280923f, 4.216735760564916e-05f, 3.21987499773968e-06f,
                 -0.3333594799041748f, -0.3131285309791565f, -0.25718361139297485f, -0.1788059026002884f,
                 -0.0949459969997406f, 0.04210307449102402f, 0.10410864651203156f, 0.10862671583890915f},
                {-0.16362899541854858f, -0.0680917501449585f, -0.026221847161650658f, -0.009810716845095158f,
                 -0.003606771118938923f, -0.0004895867314189672f, -6.628521077800542e-05f, -7.267488399520516e-06f,
                 4.445212766768236e-07f, -0.12242516130208969f, -0.23022058606147766f, -0.3123312294483185f,
                 -0.36339107155799866f, -0.3789389729499817f, -0.31987911462783813f, -0.23788931965827942f},
                {0.1807090938091278f, 0.07065005600452423f, 0.026591619476675987f, 0.00986576359719038f,
                 0.0036386498250067234f, 0.0004932080046273768f, 6.676257180515677e-05f, 8.605616130807903e-06f, 1.0f,
                 0.9845362901687622f, 0.9400147795677185f, 0.8715798854827881f, 0.7864469289779663f,
                 0.5965862274169922f, 0.4199749529361725f, 0.28041523694992065f},
                {0.9051482677459717f, 0.9640275835990906f, 0.9866142868995667f, 0.9950547814369202f,
                 0.9981779456138611f, 0.9997532367706299f, 0.9999666213989258f, 0.9999954700469971f, 0.0f,
                 0.12435299903154373f, 0.24491865932941437f, 0.35835739970207214f, 0.46211716532707214f,
                 0.6351489424705505f, 0.7615941762924194f, 0.8482836484909058f},
            };
        };
#if defined(__AVX2__)
        template <class B>
        struct tanh_fit<B, 32>
        {
            static constexpr bool available = true;
            static constexpr unsigned shift = 22;
            alignas(32) static constexpr float c[8][8] = {
                {-0.0007605103310197592f, 8.676567085785791e-05f, 7.025938884908101e-06f, 1.8520070810268408e-08f,
                 -0.04426993057131767f, 0.01203683391213417f, 0.02160545438528061f, -0.004397276323288679f},
                {0.002723628655076027f, -0.0006824422744102776f, -7.415778964059427e-05f, -3.5765748407357023e-07f,
                 -0.004410536028444767f, -0.07948490232229233f, -0.040060266852378845f, 0.022769497707486153f},
                {0.0006265889387577772f, 0.002811091486364603f, 0.0003622210642788559f, 2.9153700324968668e-06f,
                 0.13417702913284302f, 0.07433846592903137f, -0.03231704235076904f, -0.04759235307574272f},
                {-0.026378795504570007f, -0.008022800087928772f, -0.0011068256571888924f, -1.3154311091057025e-05f,
                 -7.885742525104433e-05f, 0.13945241272449493f, 0.16593749821186066f, 0.027965689077973366f},
                {0.088152676820755f, 0.01701418124139309f, 0.0023713493719697f, 3.62330065399874e-05f,
                 -0.3333298861980438f, -0.25693804025650024f, -0.09436450153589249f, 0.10357632488012314f},
                {-0.1636059731245041f, -0.02623537927865982f, -0.0036242904607206583f, -6.28849447821267e-05f,
                 -5.57722366067992e-08f, -0.23022757470607758f, -0.36342090368270874f, -0.3198484480381012f},
                {0.18070842325687408f, 0.026592181995511055f, 0.0036399904638528824f, 6.608075636904687e-05f, 1.0f,
                 0.9400148391723633f, 0.7864475250244141f, 0.41997429728507996f},
                {0.9051482677459717f, 0.9866142868995667f, 0.9981778860092163f, 0.9999666213989258f, 0.0f,
                 0.24491865932941437f, 0.46211716532707214f, 0.7615941762924194f},
            };
        };
#endif

        template <class B>
        PYPERF_TENSOR_INLINE B tanh_f32(const B& x) noexcept
        {
            using F = tanh_fit<B>;
            if constexpr (F::available)
            {
                using U = xsimd::batch<std::uint32_t, typename B::arch_type>;
                const B a = xsimd::abs(x);
                const U bits = xsimd::bitwise_cast<U>(xsimd::min(a + B(0.5f), B(7.99999952f)));
                const U i = bits >> F::shift; // vpermps reads the low bits
                const B start = xsimd::bitwise_cast<B>(bits & U(~((1u << F::shift) - 1))) - B(0.5f);
                const B t = xsimd::min(B(10.0f), a) - start;
                B p = simd::detail::lookup_lanes<B>(F::c[0], i);
                for (std::size_t j = 1; j < std::extent<decltype(F::c)>::value; ++j)
                    p = simd::fma(p, t, simd::detail::lookup_lanes<B>(F::c[j], i));
                return p | (x & B(-0.0f));
            }
            else
                return tanh_f32_expm1(x);
        }

        // float64 tanh, tanh_f32_expm1's formula in double: em = expm1(-2|x|) = 2^n p + (2^n - 1),
        // r = -2|x| - n ln2 (ln2 split so that n ln2_hi is exact), p = expm1(r) Taylor to
        // r^13 (|r| <= ln2/2: the rest is below 2^-56 of p), tanh = sign(x) * (-em / (2 +
        // em)). |x| is clamped at 20 (tanh is 1 in float64 from 19.06); NaN stays NaN.
        // xsimd 8.1's tanh (a rational below 0.625, 1 - 2 / (exp(2|x|) + 1) above, both
        // computed, its exp dividing) took 2156 us at 1000x1000 against NumPy's 1692.
        template <class B>
        PYPERF_TENSOR_INLINE B tanh_f64(const B& x) noexcept
        {
            constexpr double ln2_hi = 16 * simd::tables::ln2_16_hi, ln2_lo = 16 * simd::tables::ln2_16_lo;
            const B sign = x & B(-0.0);
            const B h = x | B(-0.0);
            const B y = xsimd::max(B(-40.0), h + h); // NaN: max returns its 2nd operand
            const B n = xsimd::nearbyint(y * B(1.44269504088896340736));
            const B r = simd::fma(n, B(-ln2_lo), simd::fma(n, B(-ln2_hi), y));
            B q = B(1.0 / 6227020800); // 1/13!
            for (const double c : {1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800, 1.0 / 362880, 1.0 / 40320,
                                   1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5})
                q = simd::fma(q, r, B(c));
            const B p = simd::fma(r * r, q, r);
            const B s = exp2_int(n);
            const B nem = simd::fnma(s, p, B(1.0) - s); // +0 at x = 0, as tanh(+0)
            return nem / (B(2.0) - nem) | sign;
        }

        // float64 GELU: Phi(-a) = exp(-a^2/2) t R(t), t = 1 / (1 + a/2), R a polynomial in
        // u = 2.4 t - 1.4 of degree 24 for a in [0, 10] (Chebyshev fit, relative error
        // < 7e-16; coefficients highest first). float32: Phi(-a) = exp(-a^2/2) C / (a + E),
        // C = 1 / sqrt(2 pi), E = 1 / (Mills' ratio) - a ~ P(a) / Q(a) of degrees 4 and 4
        // (scripts/fit_gelu.py), evaluated as C Q / (a Q + P): the rounding errors of the
        // computed Q cancel between numerator and denominator and those of P are damped by
        // E / (a + E), so the fit's 1.6e-8 and five roundings are what is left. Where R(t)
        // in float32 took a division, then 11 dependent fmas, this is two short
        // independent chains and a division, which runs beside them.
        // (Templated on the batch type so that the tables, if emitted, carry the ISA in
        // their symbol names: the per-ISA objects share no weak symbol.)
        template <class B, class T = typename B::value_type>
        struct gelu_fit;
        template <class B>
        struct gelu_fit<B, float>
        {
            static constexpr float c = 0.3989422804014327f; // fitted with this constant's rounding
            static constexpr std::array<float, 5> p = {1.7356732087137061e-06f, 0.008827020414173603f,
                                                       0.08694940060377121f, 0.3510134816169739f, 0.7978845834732056f};
            static constexpr std::array<float, 5> q = {0.008893859572708607f, 0.08581367880105972f,
                                                       0.38013434410095215f, 0.8953590989112854f, 1.0f};
        };
        template <class B>
        struct gelu_fit<B, double>
        {
            static constexpr double scale = 2.4, shift = -1.4;
            static constexpr std::array<double, 25> c = {
                5.592368017655788e-11,  -3.3355041030749536e-10, 4.454088272238686e-10,  1.0547742453015605e-09,
                -4.26250899920547e-09,  5.936270510644649e-09,   -9.041902466952281e-10, -2.085783157622757e-08,
                7.259476687059172e-08,  -1.2938659614804596e-07, 3.3490098082183295e-08, 5.724000477647345e-07,
                -1.933755244011237e-06, 2.7199700752086913e-06,  2.8363094841261316e-06, -2.4353000010777466e-05,
                5.258715980096342e-05,  1.0389567376703615e-05,  -0.0003878558131671329, 0.0009057359517677018,
                0.0010212306038010447,  -0.010231398129633905,   0.0036968807698660043,  0.14081639452315267,
                0.3641362356101188};
        };

        // float32 exact GELU on AVX-512: a Phi(-a), a = |x| up to 5.9, is one polynomial of
        // degree 5 in t = a - i W on each of 32 intervals [i W - W/2, i W + W/2), W = 1/4,
        // fitted for relative error (scripts/fit_gelu.py --table), its coefficients looked up
        // with one vpermt2ps each; the first interval's has no constant term (relative
        // accuracy down to the subnormals). Row j: coefficient j (highest degree first) of
        // interval i in lane i. Below -far the polynomials' relative error grows (7.3 ULP
        // near -4.4, 2.98 on [-4, 5.9]): gelu_far takes x < -far. For x > 4 the result is x
        // less at most 1.3e-4: there only a Phi(-a)'s absolute error counts.
        template <class B, std::size_t Bytes = sizeof(B), class T = typename B::value_type>
        struct gelu_table
        {
            static constexpr bool available = false;
        };
        template <class B>
        struct gelu_table<B, 64, float>
        {
            static constexpr bool available = true;
            static constexpr float w = 0.25f, amax = 5.9f, far = 4.0f;
            // clang-format off
            alignas(64) static constexpr float c[6][32] = {
                {-0.0031196207273751497f, -0.013673900626599789f, -0.022340204566717148f, -0.022741347551345825f,
                 -0.016067830845713615f, -0.006156244780868292f, 0.0027337409555912018f, 0.00791141390800476f,
                 0.008957277983427048f, 0.007134213112294674f, 0.004235627595335245f, 0.0016477385070174932f,
                 -6.4504470174142625e-06f, -0.0007338590221479535f, -0.0008431785390712321f, -0.0006677877390757203f,
                 -0.0004331973905209452f, -0.00024341852986253798f, -0.00012159151083324105f, -5.477809099829756e-05f,
                 -2.2458423700300045e-05f, -8.430648449575529e-06f, -2.910288003477035e-06f, -9.268435974263411e-07f,
                 -2.7299282123749435e-07f, -7.45113339917225e-08f, -1.8875882190627635e-08f, -4.443966972189628e-09f,
                 -9.7338370697031e-10f, -1.9853850508066984e-10f, -3.77392006534194e-11f, -6.689919451741133e-12f},
                {0.06683312356472015f, 0.05727269873023033f, 0.03385154902935028f, 0.004810982383787632f,
                 -0.020022712647914886f, -0.034060075879096985f, -0.03597530722618103f, -0.028922416269779205f,
                 -0.018007241189479828f, -0.007722856011241674f, -0.0005474407807923853f, 0.003093668259680271f,
                 0.004044488072395325f, 0.0035138025414198637f, 0.002485157223418355f, 0.0015214215964078903f,
                 0.000828692689538002f, 0.00040764076402410865f, 0.0001827604864956811f, 7.513707532780245e-05f,
                 2.8448492230381817e-05f, 9.951108950190246e-06f, 3.2235805065283785e-06f, 9.689046009953017e-07f,
                 2.706178179323615e-07f, 7.032357984826376e-08f, 1.701998542102956e-08f, 3.839762285906545e-09f,
                 8.080784374975281e-10f, 1.5873719005909948e-10f, 2.912160096402161e-11f, 4.99193091377248e-12f},
                {-1.5416284441016614e-05f, 0.06343303620815277f, 0.11001905798912048f, 0.12939418852329254f,
                 0.1209845170378685f, 0.0927506685256958f, 0.05666343495249748f, 0.02359144203364849f,
                 4.466527911972662e-07f, -0.012645574286580086f, -0.016432106494903564f, -0.014847599901258945f,
                 -0.011079379357397556f, -0.0072125825099647045f, -0.004199843388050795f, -0.0022175887133926153f,
                 -0.001070725149475038f, -0.000475381180876866f, -0.00019483704818412662f, -7.392866973532364e-05f,
                 -2.6026275008916855e-05f, -8.515430636180099e-06f, -2.592897317299503e-06f, -7.355739057857136e-07f,
                 -1.9459179156910977e-07f, -4.804081754627987e-08f, -1.1075508510316467e-08f, -2.385743602673074e-09f,
                 -4.803936692887589e-10f, -9.046152715797007e-11f, -1.5936071906530458e-11f, -2.6271712669917457e-12f},
                {-0.3989420235157013f, -0.3745836615562439f, -0.3080567419528961f, -0.21644286811351776f,
                 -0.12098619341850281f, -0.03995540738105774f, 0.016189031302928925f, 0.04583454877138138f,
                 0.05399102345108986f, 0.048601578921079636f, 0.037247899919748306f, 0.025291666388511658f,
                 0.015511573292315006f, 0.008686894550919533f, 0.004472492262721062f, 0.0021265726536512375f,
                 0.0009367922903038561f, 0.00038322675391100347f, 0.00014584373275283724f, 5.17056105309166e-05f,
                 1.7095460862037726e-05f, 5.275962394080125e-06f, 1.5209543562377803e-06f, 4.0981436200127064e-07f,
                 1.0326098021096186e-07f, 2.434175350174428e-08f, 5.370267341930912e-09f, 1.1091966234388906e-09f,
                 2.1454181486912915e-10f, 3.886990035395499e-11f, 6.597929234214428e-12f, 1.049491006252512e-12f},
                {0.5f, 0.3046266734600067f, 0.1325048804283142f, 0.0007742802263237536f,
                 -0.08331546932458878f, -0.12266158312559128f, -0.12746919691562653f, -0.11092615127563477f,
                 -0.08523180335760117f, -0.059189748018980026f, -0.037611089646816254f, -0.02202753536403179f,
                 -0.011945648118853569f, -0.006017381325364113f, -0.0028217602521181107f, -0.001233816146850586f,
                 -0.0005036493530496955f, -0.00019211544713471085f, -6.85290215187706e-05f, -2.2873000489198603e-05f,
                 -7.146909865696216e-06f, -2.091382384605822e-06f, -5.733413104280771e-07f, -1.4729221220477484e-07f,
                 -3.5468026737817127e-08f, -8.007081220284817e-09f, -1.694995366285923e-09f, -3.365016321144054e-10f,
                 -6.265981483677407e-11f, -1.0945264659889542e-11f, -1.7936784869887479e-12f, -2.75794171571489e-13f},
                {0.0f, 0.10032341629266739f, 0.1542687714099884f, 0.16997051239013672f,
                 0.15865525603294373f, 0.13206221163272858f, 0.10021080076694489f, 0.07010352611541748f,
                 0.0455002635717392f, 0.027505062520503998f, 0.015524162910878658f, 0.008194348774850368f,
                 0.004049694165587425f, 0.0018753313925117254f, 0.0008142017759382725f, 0.00033156483550556004f,
                 0.00012668498675338924f, 4.5426244469126686e-05f, 1.5289535440388136e-05f, 4.831148544326425e-06f,
                 1.4332592854771065e-06f, 3.9926101180753903e-07f, 1.0444280462706956e-07f, 2.5657561408820584e-08f,
                 5.919547518828949e-09f, 1.2826707473934107e-09f, 2.610416605097754e-10f, 4.9898130766168336e-11f,
                 8.958774694312055e-12f, 1.5108153443577077e-12f, 2.393203907616326e-13f, 3.5608990663895876e-14f},
            };
            // clang-format on
        };

        // Horner's scheme over coefficients given highest first.
        template <class B, class C>
        PYPERF_TENSOR_INLINE B horner(const B& x, const C& c) noexcept
        {
            B r(c[0]);
            for (std::size_t i = 1; i < c.size(); ++i)
                r = simd::fma(r, x, B(c[i]));
            return r;
        }

        // v * 2^n for integral n with 2^n and the result normal.
        template <class B>
        PYPERF_TENSOR_INLINE B times_exp2_int_f32(const B& v, const B& n) noexcept
        {
#if defined(__AVX512F__)
            if constexpr (simd::detail::is_zmm<B>())
                return _mm512_scalef_ps(v, n);
#endif
            return v * exp2_int(n);
        }

        // GELU x * Phi(x) without erf. float32 on AVX-512: a Phi(-a) from gelu_table (six
        // lookups and five fmas, timings below; a table at all, against the form that
        // follows: C++, 200x200, 1 thread, Intel host, 420-458 -> 217-227 ps per element).
        // Every float32 in [-4, 0) within 2.99 ULP of the exact value, in (0, 12] 1.43, in
        // gelu_far's [-10.5, -4] 3.60. Elsewhere: Phi(-a) = exp(-a^2/2) times a fit
        // (above), a = |x|.
        // a^2 is carried exactly (its rounding error l from an fma, or Dekker's product on
        // SSE2), so the negative tail keeps its relative accuracy: float32 folds -l/2 into
        // exp's reduced argument, float64 multiplies by exp(-l/2) ~ 1 - l/2. The small
        // factors are multiplied before exp(-a^2/2), so a result near the subnormal range
        // rounds once. x < -10 (beyond the fits) is left to gelu_op::edges.
        // Measured on every float32 in [-10.5, 12]: within 4.4 ULP of the exact value (4 of
        // the rounded one) with FMA, 4.9 (5) on SSE2; float64 within 6.4 (6), 117 of 4e6
        // random inputs above 4 (every ISA).
        template <class B>
        PYPERF_TENSOR_INLINE B gelu_exact(const B& x) noexcept
        {
            using T = typename B::value_type;
            using F = gelu_fit<B>;
            if constexpr (gelu_table<B>::available)
            {
                // a Phi(-a) from gelu_table: a + 1.5 * 2^21 rounds a to a multiple of W =
                // 1/4, so i = round(a / W) is in its low bits (vpermt2ps reads 5 of them), and
                // t = a - i W is exact: three adds. On the Zen 5 EPYC a 512-bit permute and
                // an FMA take the same issue slots (two a cycle between them), an add does
                // not, so the lookups and fmas are the time: with W = 3/16, i and t took two
                // fmas more, and the polynomials were of degree 6 (C++, 1000x1000 float32, 1
                // thread: 142-148 us; W = 1/4 at degree 6 125-127; at degree 5 116-119).
                // a = min(|x|, 5.9), where 1 - Phi(-5.9) rounds to 1: x > 5.9 gives x, and
                // x < -4 is gelu_op::edges'. NaN stays NaN (vrangeps returns it).
                using G = gelu_table<B>;
                using U = xsimd::batch<std::uint32_t, typename B::arch_type>;
#if defined(__AVX512DQ__)
                const B a = _mm512_range_ps(x, _mm512_set1_ps(G::amax), 0x0A); // min of |x| and 5.9, sign cleared
#else
                const B a = xsimd::min(B(G::amax), xsimd::abs(x));
#endif
                const B shifter(1.5f * 0x1p23f * G::w);
                const B m = a + shifter;
                const U i = xsimd::bitwise_cast<U>(m);
                const B t = a - (m - shifter);
                B p = simd::detail::lookup32<B>(G::c[0], i);
                for (std::size_t j = 1; j < std::extent<decltype(G::c)>::value; ++j)
                    p = simd::fma(p, t, simd::detail::lookup32<B>(G::c[j], i));
                return xsimd::max(B(-0.0f), x) - p; // as below
            }
            const B a = xsimd::min(B(T(10)), xsimd::abs(x)); // 1 - Phi(-10) rounds to 1; NaN kept
            const B h = a * a;
            const B l = simd::product_error(a, a, h); // a * a == h + l exactly
            B ae;                                     // a * Phi(-a)
            if constexpr (std::is_same<T, float>::value)
            {
                // exp(-(h + l)/2) = 2^n (1 + p), p = expm1(r) (expm1_f32), applied to
                // m = x C / (a + E) as 2^n fma(m, p, m): one rounding where exp-then-multiply
                // has three. The exponent's side is kept doubled (u = 2r, so -h and -l need no
                // halving; 2^(n-1) (2m + m 2p)): the same bits, two multiplications fewer.
                const B q = horner(a, F::q);
                const B m = a * B(F::c) * (q / simd::fma(a, q, horner(a, F::p)));
                B n;
                const B u = reduce_f32<-1>(h ^ B(-0.0f), n) - l;  // exp(-h/2): -h in [-100, 0]
                const B v = simd::fma(m, expm1_f32<1>(u), m + m); // 2 m exp(r)
                ae = times_exp2_int_f32(v, n - B(1.0f));          // 2^(n-1) >= 2^-74: exact
            }
            else
            {
                const B t = B(T(1)) / simd::fma(a, B(T(0.5)), B(T(1)));
                const B tr = t * horner(simd::fma(t, B(F::scale), B(F::shift)), F::c);
                ae = a * simd::fma(tr, l * B(T(-0.5)), tr) * simd::exp(h * B(-0.5)); // a t R(t) (1 - l/2) exp(-h/2)
            }
            // x Phi(x) is -a Phi(-a) for x < 0 and x - a Phi(-a) for x >= 0: max(-0, x) - ae, no
            // compare and select. max returns its 2nd operand, x, for NaN and when both are
            // zeros, and -0 for a negative x: so -0, and a negative x whose result rounds to 0
            // (-2^-149), give -0 - 0 = -0. x > 10 gives x - 10 Phi(-10) = x.
            return xsimd::max(B(T(-0.0)), x) - ae;
        }

        // Exact GELU below the fits (x < -10, or -4 where gelu_table is used; and -inf):
        // -a Phi(-a) = -C exp(-a^2/2) S(1/a^2), a = -x, C = 1/sqrt(2 pi), S(t) = a R(a) with R
        // Mills' ratio, S(t) = 1 - t Q(t), -C folded into S's coefficients, Q fitted for S's
        // relative error: float32 of degree 5 on t in [0, 1/16] (scripts/fit_gelu.py
        // --far32; 5.9e-9; the asymptotic series it replaced needs a >= 10), float64 of degree
        // 9 on [0, 1/100] (--far; 5e-17, 1.6e-16 evaluated; the series would need 18 terms).
        // a^2 = h + l exactly, and -C S exp(-(h + l)/2) as exp_mul(-h/2, -C S (1 - l/2)), so a
        // subnormal result is rounded once. a is clamped where the result rounds to 0 (15,
        // float64 40; -inf gives -0). float64 within 3.44 ULP over 4e6 inputs in [-40, -10]
        // (it was lane by lane in long double, 10x the ordinary time; now 1.7x).
        template <class T>
        struct gelu_far_fit;
        template <>
        struct gelu_far_fit<float>
        {
            static constexpr float clamp = 15;
            static constexpr std::array<float, 7> s = {-607.1973876953125f, 200.54129028320312f, -36.30589294433594f,
                                                       5.884507656097412f,  -1.195966362953186f, 0.39893975853919983f,
                                                       -0.3989422917366028f};
        };
        template <>
        struct gelu_far_fit<double>
        {
            static constexpr double clamp = 40;
            static constexpr std::array<double, 11> s = {-129702324.15377042, 12236898.06991241,  -802970.4296537337,
                                                         53959.676795073516,  -4147.687142956375, 377.0039494351131,
                                                         -41.88894862655755,  5.984134218292075,  -1.196826841211366,
                                                         0.3989422804014338,  -0.3989422804014327};
        };
        template <class B>
        PYPERF_TENSOR_INLINE B gelu_far(const B& x) noexcept
        {
            using T = typename B::value_type;
            using F = gelu_far_fit<T>;
            const B a = xsimd::min(B(F::clamp), -x);
            const B h = a * a, l = simd::product_error(a, a, h);
            const B cs = horner(B(T(1)) / h, F::s); // -C S
            return simd::detail::exp_mul(h * B(T(-0.5)), simd::fnma(cs * l, B(T(0.5)), cs));
        }

        // Where gelu_far takes over: below gelu_table's reach, or gelu_exact's fits' (-10).
        template <class B>
        constexpr typename B::value_type gelu_far_below() noexcept
        {
            if constexpr (gelu_table<B>::available)
                return -gelu_table<B>::far;
            else
                return typename B::value_type(-10);
        }

        // float32 tanh-GELU's s = x (k1 + k2 x^2) (k1 = 2 sqrt(2/pi), k2 = 0.044715 k1) as
        // hi + lo (error-free products and sums, the constants split in two floats): the
        // result's relative error is |s| times s's, so a plain float32 s would be off by ~|s|
        // ULP.
        template <class B>
        struct gelu_tanh_arg
        {
            B hi, lo;
        };
        template <class B>
        PYPERF_TENSOR_INLINE gelu_tanh_arg<B> gelu_tanh_s(const B& x) noexcept
        {
            const B k1h(1.5957691669464111f), k1l(-4.534068054340423e-08f);
            const B k2h(0.07135481387376785f), k2l(2.3988324659995897e-09f);
            const B h = x * x, l = simd::product_error(x, x, h);
            const B p = k2h * h, pe = simd::product_error(k2h, h, p);
            const B w = k1h + p, bb = w - k1h;
            const B w_err = (k1h - (w - bb)) + (p - bb);
            const B w_lo = w_err + pe + simd::fma(k2h, l, simd::fma(k2l, h, k1l));
            const B s = x * w;
            return {s, simd::fma(x, w_lo, simd::product_error(x, w, s))};
        }

        // float32 tanh-GELU as x * sigmoid(s), exp(-|s|) corrected to first order by s's low
        // part. Results below the normal range (x < -5) and +-inf are gelu_tanh_far's
        // (in gelu_tanh_op::edges).
        template <class B>
        PYPERF_TENSOR_INLINE B gelu_tanh_f32(const B& x) noexcept
        {
            const B xc = xsimd::min(B(20.0f), x); // sigmoid(s(20)) is 1; NaN kept
            const gelu_tanh_arg<B> s = gelu_tanh_s(xc);
            const B sign = s.hi & B(-0.0f);
            const B e0 = simd::exp_negated(xsimd::abs(s.hi)); // exp(-|s|)
            const B e = simd::fnma(e0, s.lo ^ sign, e0);      // exp(-|s_hi + s_lo|)
            return xsimd::select(s.hi >= B(0.0f), x, x * e) / (B(1.0f) + e);
        }

        // x * sigmoid(s) for batches of double: (x or x e) / (1 + e) with e = exp(-|s|),
        // so nothing overflows.
        template <class B>
        PYPERF_TENSOR_INLINE B times_sigmoid(const B& x, const B& s) noexcept
        {
            const B e = simd::exp_negated(xsimd::abs(s)); // exp(-|s|)
            return xsimd::select(s >= B(0), x, x * e) / (B(1) + e);
        }

        // The tanh-approximated GELU as x * sigmoid(2u) in double (float64 inputs): u's
        // rounding error is multiplied by up to |2u| in the result.
        template <class B>
        PYPERF_TENSOR_INLINE B gelu_tanh_s64(const B& x) noexcept
        {
            return x * simd::fma(x * x, B(1.5957691216057307 * 0.044715), B(1.5957691216057307));
        }
        template <class B>
        PYPERF_TENSOR_INLINE B gelu_tanh_f64(const B& x) noexcept
        {
            return times_sigmoid(x, gelu_tanh_s64(x));
        }

        // tanh-GELU where its result may be below the normal range (float32 x < -5, where e =
        // exp(s) < 4.6e-8; float64 x < -20, where e may leave the normal range) and +-inf: x e
        // / (1 + e) as exp_mul(s, x (1 - e)), so a subnormal result is rounded once (float32
        // with s's low part, x (1 + s_lo - e); float64's e is below 1e-261, so m = x). x is
        // clamped where s < -750 and the result rounds to 0 (-inf gives -0): float32 at -13,
        // float64 at -22.
        template <class T>
        inline constexpr T gelu_tanh_far_clamp = std::is_same<T, float>::value ? T(-13) : T(-22);
        template <class B>
        PYPERF_TENSOR_INLINE B gelu_tanh_far(const B& x) noexcept
        {
            using T = typename B::value_type;
            B s, m;
            if constexpr (std::is_same<T, float>::value)
            {
                const B xc = xsimd::max(B(gelu_tanh_far_clamp<float>), x);
                const gelu_tanh_arg<B> sp = gelu_tanh_s(xc);
                const B e = simd::exp_normal(xsimd::max(B(-80.0f), sp.hi)); // e's own error is below e^2
                s = sp.hi;
                m = simd::fma(xc, sp.lo - e, xc);
            }
            else
            {
                m = xsimd::max(B(gelu_tanh_far_clamp<double>), x);
                s = gelu_tanh_s64(m);
            }
            return xsimd::select(x > B(T(0)), x, simd::detail::exp_mul(s, m));
        }

    } // namespace detail

    // Every activation functor: float32 and float64, one input.
#define PYPERF_TENSOR_ACTIVATION(op_name, is_approximate)                                                              \
    static constexpr const char* name = #op_name;                                                                      \
    static constexpr std::size_t arity = 1;                                                                            \
    static constexpr bool approximate = is_approximate;                                                                \
    template <class T>                                                                                                 \
    static constexpr bool supports = std::is_floating_point<T>::value;

    // An activation whose batch code is compute(x) patched by edges(r, x) (see has_edges).
#define PYPERF_TENSOR_ACTIVATION_WITH_EDGES(op_name)                                                                   \
    PYPERF_TENSOR_ACTIVATION(op_name, true)                                                                            \
    static constexpr bool has_edges = true;                                                                            \
    template <class V>                                                                                                 \
    V operator()(const V& x) const noexcept                                                                            \
    {                                                                                                                  \
        return edges(compute(x), x);                                                                                   \
    }

    // max(x, 0); NaN stays NaN (as torch.relu).
    struct relu_op
    {
        PYPERF_TENSOR_ACTIVATION(relu, false)
        template <class V>
        V operator()(const V& x) const noexcept
        {
            if constexpr (std::is_arithmetic<V>::value)
                return x <= V(0) ? V(0) : x;
            else
                return xsimd::select(x <= V(0), V(0), x);
        }
    };

    // x > 0 ? x : slope * x (slope is the second operand, usually a scalar).
    struct leaky_relu_op
    {
        static constexpr const char* name = "leaky_relu";
        static constexpr std::size_t arity = 2;
        template <class T>
        static constexpr bool supports = std::is_floating_point<T>::value;
        template <class V>
        V operator()(const V& x, const V& slope) const noexcept
        {
            if constexpr (std::is_arithmetic<V>::value)
                return x > V(0) ? x : x * slope;
            else
                return xsimd::select(x > V(0), x, x * slope);
        }
    };

    // 1 / (1 + exp(-x)). Where exp(-x) is large (x < -80 in float32, -700 in float64) 1 +
    // exp(x) rounds to 1, and sigmoid(x) is exp(x): those lanes are taken by exp_mul(x, 1),
    // whose subnormal handling makes sigmoid(-100) = 3.7e-44 exact to the ULP.
    // (The formula with e = exp(-|x|), (1 or e) / (1 + e), needs no second exp for
    // them but two more operations per register: 1.19x the time at 1000x1000.)
    struct sigmoid_op
    {
        PYPERF_TENSOR_ACTIVATION_WITH_EDGES(sigmoid)
        template <class V>
        V compute(const V& x) const noexcept
        {
            using T = typename V::value_type;
            return V(T(1)) / (V(T(1)) + simd::exp_negated(x));
        }
        template <class V>
        static typename V::value_type edge_below() noexcept
        {
            return simd::exp_negated_min<typename V::value_type>;
        }
        template <class V>
        V edges(const V& r, const V& x) const noexcept
        {
            using T = typename V::value_type;
            // Below exp_zero_below e^x rounds to 0.
            return detail::fix_edges(
                r, x, x < V(edge_below<V>()), [](const V& v) { return simd::detail::exp_mul(v, V(T(1))); },
                detail::exp_zero_below<T>, T(0));
        }
    };

    // x * sigmoid(x) as x / (1 + exp(-x)). Below -80 (float64 -700), and -inf, whose limit
    // is -0: x e^x with one rounding (silu_far).
    struct silu_op
    {
        PYPERF_TENSOR_ACTIVATION_WITH_EDGES(silu)
        template <class V>
        V compute(const V& x) const noexcept
        {
            using T = typename V::value_type;
            return x / (V(T(1)) + simd::exp_negated(x));
        }
        template <class V>
        static typename V::value_type edge_below() noexcept
        {
            return simd::exp_negated_min<typename V::value_type>;
        }
        template <class V>
        V edges(const V& r, const V& x) const noexcept
        {
            using T = typename V::value_type;
            return detail::fix_edges(
                r, x, x < V(edge_below<V>()), [](const V& v) { return detail::silu_far(v); }, detail::silu_far_clamp<T>,
                T(-0.0));
        }
    };

    // tanh: float32 on AVX-512 and AVX2 a polynomial per interval (tanh_f32); on SSE2 and
    // in float64 -em / (2 + em) with em = expm1(-2|x|), one formula over the whole range (no
    // cancellation near 0, no overflow). Within NumPy's validation-set bound, 2 ULP.
    struct tanh_op
    {
        PYPERF_TENSOR_ACTIVATION(tanh, true)
        template <class V>
        V operator()(const V& x) const noexcept
        {
            if constexpr (std::is_same<typename V::value_type, float>::value)
                return detail::tanh_f32(x);
            else
                return detail::tanh_f64(x);
        }
    };

    // GELU, exact: x * Phi(x) = x (1 + erf(x / sqrt 2)) / 2.
    struct gelu_op
    {
        PYPERF_TENSOR_ACTIVATION_WITH_EDGES(gelu)
        template <class V>
        V compute(const V& x) const noexcept
        {
            return detail::gelu_exact(x);
        }
        // Below the fits (x < -10, or -4 with gelu_table): gelu_far. +inf needs no fix:
        // max(-0, x) - a Phi(-a) is inf - tiny.
        template <class V>
        static typename V::value_type edge_below() noexcept
        {
            return detail::gelu_far_below<V>();
        }
        template <class V>
        V edges(const V& r, const V& x) const noexcept
        {
            using T = typename V::value_type;
            return detail::fix_edges(
                r, x, x < V(edge_below<V>()), [](const V& v) { return detail::gelu_far(v); },
                -detail::gelu_far_fit<T>::clamp, T(-0.0));
        }
    };

    // GELU, tanh approximation: x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2.
    struct gelu_tanh_op
    {
        PYPERF_TENSOR_ACTIVATION_WITH_EDGES(gelu_tanh)
        template <class V>
        V compute(const V& x) const noexcept
        {
            if constexpr (std::is_same<typename V::value_type, float>::value)
                return detail::gelu_tanh_f32(x);
            else
                return detail::gelu_tanh_f64(x);
        }
        // Results that may be below the normal range (float32 x < -5, float64 x < -20) and
        // +-inf: gelu_tanh_far.
        template <class V>
        V edges(const V& r, const V& x) const noexcept
        {
            using T = typename V::value_type;
            const T low = std::is_same<T, float>::value ? T(-5) : T(-20);
            return detail::fix_edges(
                r, x, (x < V(low)) | (x == V(std::numeric_limits<T>::infinity())),
                [](const V& v) { return detail::gelu_tanh_far(v); }, detail::gelu_tanh_far_clamp<T>, T(-0.0));
        }
    };
#undef PYPERF_TENSOR_ACTIVATION_WITH_EDGES
#undef PYPERF_TENSOR_ACTIVATION

    // Pointwise activations of one operand, in the order of the Python module's table.
    using activation_ops = std::tuple<relu_op, sigmoid_op, tanh_op, silu_op, gelu_op, gelu_tanh_op>;
    enum class activation_op : std::size_t
    {
        relu,
        sigmoid,
        tanh,
        silu,
        gelu,
        gelu_tanh
    };

    // One piece of a long slice that the pool splits (ops/activation.hpp), in up to three
    // steps. `first`: softmax takes the piece's largest and smallest values and stores
    // exp(x) unshifted, summed, a guess that stands when the slice's values allow it
    // (softmax_unshifted; in place, only the values: x must stay for `exps`); log_softmax
    // takes the piece's maximum, then the sum of exp(x - that maximum) over the piece
    // again (still in L1). `exps`: softmax when the guess fails or was not taken: the
    // exponentials again, shifted as the slice's values call for (as softmax_rows shifts
    // a row). `finish`: the results. Each step is given the slice's figures from the
    // step before.
    template <class T>
    struct softmax_piece
    {
        enum
        {
            first,
            exps,
            finish
        } step = first;
        T max = T(0), min = T(0); // first: the piece's (NaN may be skipped); later: the slice's
        double sum = 0.0;         // first, exps: the piece's exponentials summed
        T f = T(0);               // finish: 1 / the slice's sum (softmax) or log of it
        bool careful = true;      // finish: its results may fall below FLT_MIN (detail::safe_spread)
    };

    // Whether a softmax slice with these largest and smallest values takes its
    // exponentials unshifted (softmax_shift's `none` and `unshifted`: every value within
    // [-64, 64], or a maximum in [0, 64]). NaN: no.
    template <class T>
    constexpr bool softmax_unshifted(T max, T min) noexcept
    {
        return max <= T(64) && (min >= T(-64) || max >= T(0));
    }

    // Softmax / log_softmax over one axis for `lanes` independent slices: slice j has n
    // elements, element i of it at in[j * in_lane + i * in_axis] (likewise out). With a
    // piece, one step of that piece of one slice (lanes 1).
    template <class T>
    struct softmax_block
    {
        const T* in;
        T* out;
        index_t n, in_axis, out_axis;
        index_t lanes, in_lane, out_lane;
        softmax_piece<T>* piece = nullptr;
    };

    template <class T>
    using softmax_kernel = void (*)(const softmax_block<T>& b, bool log) noexcept;

    template <class Arch, class T>
    void softmax(const softmax_block<T>& b, bool log) noexcept;

    namespace detail
    {

        // The largest lane (NaN lanes may be skipped: the caller's sum catches NaN).
        template <class B>
        typename B::value_type lane_max(const B& v) noexcept
        {
            using T = typename B::value_type;
            alignas(B::arch_type::alignment()) T lanes[B::size];
            v.store_aligned(lanes);
            T m = lanes[0];
            for (std::size_t i = 1; i < B::size; ++i)
                m = lanes[i] > m ? lanes[i] : m;
            return m;
        }

        // A float32 result below the normal range, (a b + c) 2^-149 rounded once: a b + c +
        // 2^23 (c a whole number below 2^23), which an FMA rounds into [2^23, 2^24], where
        // floats are whole numbers, has the result's bits less 2^23's (the least normal
        // number's at 2^24). So it rounds as an instruction would into the subnormals, but
        // without the microcode assist an Intel core takes for a result (or a multiply's
        // input) below the normal range: about 50 ns a register. a b + c must lie in [0,
        // 2^23).
        template <class B>
        PYPERF_TENSOR_INLINE B below_normal(const B& a, const B& b, const B& c = B(0.0f)) noexcept
        {
            using I = xsimd::batch<std::int32_t, typename B::arch_type>;
            const B r = simd::fma(a, b, c + B(0x1p23f));
            return xsimd::bitwise_cast<B>(xsimd::bitwise_cast<I>(r) - xsimd::bitwise_cast<I>(B(0x1p23f)));
        }
        // v 2^149 for v >= 0 below the normal range: v's bits, as a float.
        template <class B>
        PYPERF_TENSOR_INLINE B subnormal_units(const B& v) noexcept
        {
            return xsimd::to_float(xsimd::bitwise_cast<xsimd::batch<std::int32_t, typename B::arch_type>>(v));
        }

        // How a slice's exponentials are taken. `none`: exp(x), for slices whose |x| all
        // lie within 64 (exp neither overflows nor underflows there, and x is exact).
        // `unshifted`: exp(x) with exp's power of 2 applied last (exp_mul), for softmax rows
        // whose maximum lies in [0, 64] but whose values go below -64 (a mask's -1e9 or
        // -inf): nothing overflows, the sum is at least 1, and an exponential below the
        // normal range is rounded once, so x needs no shift (a causal mask: 1.0x the
        // unmasked time, 1.4x with the shift and its correction).
        // Otherwise exp(x - max): `corrected` for softmax's stored values, where x - m
        // rounds when m is small and |x - m| large (float32 exp(x - m) would then be off
        // by |x - m| / 2 ULP), so the rounding error (TwoSum) corrects the exponential;
        // `plain` for softmax slices whose maximum is 208 or more in magnitude (float64
        // 1492): x - m is exact wherever exp(x - m) is not 0, as x lies within a factor 2 of
        // m there (Sterbenz; logits in the thousands: 1.6x -> 1.2x the time of ordinary
        // rows). NaN corrections (x = -inf) are dropped by the max.
        // `summed` for log_softmax, whose exponentials only feed a sum of at least 1 (the
        // maximum's term is exp(0)): x - m is raised to -87 (float64 -708), where exp is
        // still normal, so no lane needs exp's edge test; each raised term adds less than
        // 2e-38 (float64 4e-308) to the sum. NaN stays NaN (max returns its 2nd operand).
        // AVX2 float32 rows of 1000: 446 -> 328-349 us, the edge test's branch gone.
        enum class shift
        {
            none,
            unshifted,
            plain,
            corrected,
            summed
        };
        // exp(d) for d <= 64 (NaN kept). Lanes below -87 (float64 -708) are 0 unless they lie
        // where exp is subnormal, and only a register with such a lane takes exp_mul
        // (exp_edges, out of line). exp_mul's two-factor power of 2 costs more than a mask
        // needs: AVX2 float32 rows of 1000, C++, 1 thread, 449 -> 387 us, float64 1875 -> 1635,
        // AVX-512 float64 958 -> 826. AVX-512 float32 took exp_mul for every register until
        // an Intel host showed its cost there: an instruction whose result underflows takes
        // a microcode assist, and exp_f32_zmm, which now avoids them, computes a register's
        // lanes below the normal range apart. C++ 256x256, 1 thread, on that host: rows
        // under a causal mask 173-182 -> 17.4-17.9 us (ordinary rows 14.5-15.2), logits in
        // +-1000 (`plain`) 344-352 -> 52-53 us. The same bits (SSE2 float64: 2 of 1.4
        // million softmax results 1 ULP apart, near 1e-307; every ISA before and after this
        // change on 4.8 million).
        template <class B>
        PYPERF_TENSOR_INLINE B exp_masked(const B& d) noexcept
        {
            using T = typename B::value_type;
            const B lo(simd::exp_normal_min<T>);
            const auto below = d < lo;
            const B r = xsimd::select(below, B(T(0)), simd::exp_normal(xsimd::max(lo, d))); // NaN kept
            const auto subnormal = below & (d >= B(exp_zero_below<T>));
            if (xsimd::any(subnormal))
                return simd::detail::exp_edges(r, d, subnormal);
            return r;
        }

        template <shift S, class B>
        PYPERF_TENSOR_INLINE B exp_shifted(const B& x, const B& m) noexcept
        {
            using T = typename B::value_type;
            if constexpr (S == shift::none)
                return simd::exp_normal(x);
            else if constexpr (S == shift::unshifted)
                return exp_masked(x);
            else if constexpr (S == shift::plain)
                return exp_masked(x - m);
            else if constexpr (S == shift::summed)
                return simd::exp_normal(xsimd::max(B(simd::exp_normal_min<T>), x - m));
            else
            {
                // float32 takes exp_masked too (simd::exp, its form before, has the same bits
                // here, but AVX2's took an assist for inputs just below -87); float64 keeps
                // simd::exp (with exp_masked, SSE2 gave 2 results near 1e-307 an ULP apart).
                const B d = x - m, bb = d - x;
                const B err = xsimd::max((x - (d - bb)) - (m + bb), B(T(-1))); // max(NaN, -1) is -1
                if constexpr (std::is_same<T, float>::value)
                {
                    const B e = exp_masked(d);
                    if constexpr (simd::has_fma<typename B::arch_type>())
                    {
                        // e (1 + err) by below_normal where e lies below the normal range
                        // (there |d| < 104, so |err| <= 2^-18, and k (1 + err) < 2^23 for k =
                        // e 2^149 < 2^23 - 2^7). 0 lanes too: exactly 0 either way.
                        const auto small = e < B(0x1p-126f * (1 - 0x1p-16f));
                        if (xsimd::any(small))
                        {
                            const B k = subnormal_units(e), big = xsimd::select(small, B(0.0f), e);
                            return xsimd::select(small, below_normal(k, err, k), simd::fma(big, err, big));
                        }
                    }
                    return simd::fma(e, err, e);
                }
                else
                {
                    const B e = simd::exp(d);
                    return simd::fma(e, err, e);
                }
            }
        }

        // The lanes whose slice lies within [-64, 64] (mx, mn: its largest and smallest
        // value), so that its exponentials need no shift. NaN bounds count as outside.
        template <class B>
        PYPERF_TENSOR_INLINE auto unshifted_lanes(const B& mx, const B& mn) noexcept
        {
            using T = typename B::value_type;
            return (mx <= B(T(64))) & (mn >= B(T(-64)));
        }

        // The shift softmax's slices in one register take (mx, mn: each lane's largest and
        // smallest value), setting m, the lanes' shifts: `none` when every slice lies within
        // [-64, 64]; `unshifted` when every slice does or has its maximum in [0, 64] (a
        // mask); `plain` when every other slice's maximum is 208 or more in magnitude
        // (float64 1492: x - m is exact there, see shift); else `corrected`. m is 0 on the
        // lanes that need no shift (their exponentials have the same bits in every mode:
        // exp(x - 0) is exp(x), and exp_mul(x, 1) too), so no slice depends on its
        // neighbours. A group of registers takes the most general of their shifts.
        template <class B>
        PYPERF_TENSOR_INLINE shift softmax_shift(const B& mx, const B& mn, B& m) noexcept
        {
            using T = typename B::value_type;
            const T exact_from = std::is_same<T, float>::value ? T(208) : T(1492);
            const auto within = unshifted_lanes(mx, mn), masked = (mx >= B(T(0))) & (mx <= B(T(64)));
            const auto big = xsimd::abs(mx) >= B(exact_from);
            m = xsimd::select(within | masked, B(T(0)), mx);
            return xsimd::all(within)                  ? shift::none
                   : xsimd::all(within | masked)       ? shift::unshifted
                   : xsimd::all(within | masked | big) ? shift::plain
                                                       : shift::corrected;
        }

        // f(mode) for a group of slices: log_softmax always shifted by the maximum
        // (`summed`), softmax by `mode` (softmax_shift's).
        template <bool Log, class F>
        PYPERF_TENSOR_INLINE void with_shift(shift mode, F&& f)
        {
            if constexpr (Log)
                f(std::integral_constant<shift, shift::summed>{});
            else if (mode == shift::none)
                f(std::integral_constant<shift, shift::none>{});
            else if (mode == shift::unshifted)
                f(std::integral_constant<shift, shift::unshifted>{});
            else if (mode == shift::plain)
                f(std::integral_constant<shift, shift::plain>{});
            else
                f(std::integral_constant<shift, shift::corrected>{});
        }

        // A running sum of exponentials per lane, in double. float32 terms are first
        // added in float32 in groups of `group` (3 roundings at most per term before
        // they reach double), then converted: a row of 10^4 elements sums as accurately
        // as a short one, at a quarter of the conversions. float64 terms have nothing
        // wider to go to: they are summed with Kahan's compensation (c).
        template <class Arch, class T>
        struct exp_sum
        {
            using B = xsimd::batch<T, Arch>;
            using D = xsimd::batch<double, Arch>;
            static constexpr bool single = std::is_same<T, float>::value;
            static constexpr int group = single ? 4 : 1;
            D lo = D(0.0), hi = D(0.0); // float32: the two halves; float64: sum and c
            PYPERF_TENSOR_INLINE void flush(const B& part) noexcept
            {
                if constexpr (single)
                {
                    D a, b;
                    simd::widen(part, a, b);
                    lo += a;
                    hi += b;
                }
                else
                {
                    const D y = part - hi, t = lo + y;
                    hi = (t - lo) - y;
                    lo = t;
                }
            }
            // The terms step(i, k) of elements [0, n), k of them real (W but at the end), in
            // groups of `group` registers.
            template <class Step>
            PYPERF_TENSOR_INLINE void add_all(index_t n, Step&& step) noexcept
            {
                constexpr index_t W = static_cast<index_t>(B::size);
                index_t i = 0;
                for (; i + group * W <= n; i += group * W)
                {
                    B part = step(i, W);
                    for (int g = 1; g < group; ++g)
                        part += step(i + g * W, W);
                    flush(part);
                }
                for (; i < n; i += W)
                {
                    const index_t k = std::min(W, n - i);
                    const B e = step(i, k);
                    flush(k == W ? e : xsimd::select(simd::iota<B>() < B(T(k)), e, B(T(0))));
                }
            }
            double total() const noexcept
            {
                return single ? xsimd::hadd(lo) + xsimd::hadd(hi) : xsimd::hadd(lo) - xsimd::hadd(hi);
            }
            // Per lane, f(sum) as a batch of T (f: reciprocal or log, in double).
            template <class F>
            B per_lane(F f) const noexcept
            {
                if constexpr (single)
                    return simd::narrow(f(lo), f(hi));
                else
                    return f(lo - hi);
            }
        };

        // Softmax's last step, v * f (v an exponential: >= 0, or NaN; f = 1 / the sum). On an
        // Intel core a multiply with a subnormal input or result takes a microcode assist
        // (about 50 ns a register): softmax rows of logits with a spread of a few hundred
        // took 2-12x the time of ordinary rows (C++ figures in docs/performance-notes.md).
        // So with an FMA, where `check` says a slice's products may fall below the normal
        // range (safe_spread), float32 lanes v < c, c a bit below FLT_MIN / f, are rounded
        // by below_normal: from v's bits for a subnormal v, else from v 2^100 and f 2^49;
        // the other lanes multiply (v of the small ones replaced by 0). With AVX-512 every
        // register of such a slice takes both, without a branch (with one, mispredicted on
        // mixed slices, C++ rows of clip(20 x, -64, 64) took 540 us against 402); narrower
        // registers, where both cost more and fewer hold a small lane, branch (AVX2 logits
        // x100 along axis 0: 1715 us without the branch, 841-935 with it). A slice that
        // cannot underflow takes the multiply alone.
        template <class B>
        struct normaliser
        {
            using T = typename B::value_type;
            static constexpr bool exact = std::is_same<T, float>::value && simd::has_fma<typename B::arch_type>();
            B f, c, f49;
            bool check = false;
            explicit normaliser(const B& f_ = B(T(0)), bool may_underflow = false) noexcept
                : f(f_), c(T(0)), f49(T(0)), check(exact && may_underflow)
            {
                if constexpr (exact)
                    if (check)
                    {
                        // c = FLT_MIN (1 - 2^-10) / f, at most 2^-20 (v 2^100 stays finite); when
                        // below FLT_MIN, rounded down from its bits (no instruction's result is
                        // subnormal). Any c from 0 up to that is right.
                        using D = xsimd::batch<double, typename B::arch_type>;
                        D lo, hi;
                        simd::widen(f, lo, hi);
                        auto bound = [](const D& g)
                        {
                            const D b = xsimd::min(D(0x1p-126 * (1 - 0x1p-10)) / g, D(0x1p-20));
                            return xsimd::select(g > D(0.0), b, D(0.0));
                        };
                        const D blo = bound(lo), bhi = bound(hi);
                        auto units = [](const D& b) { return xsimd::min(xsimd::floor(b * D(0x1p149)), D(0x1p23)); };
                        const B u = simd::narrow(units(blo), units(bhi)); // whole numbers
                        const B normal = simd::narrow(xsimd::max(blo, D(0x1p-126)), xsimd::max(bhi, D(0x1p-126)));
                        c = xsimd::select(u < B(0x1p23f), xsimd::bitwise_cast<B>(xsimd::to_int(u)), normal);
                        // -inf where f is NaN: the slice holds a NaN, its bounds may have
                        // dropped it (and its largest values), and its exponentials be garbage,
                        // even negative; v * f makes every result NaN.
                        c = xsimd::select(f == f, c, B(-std::numeric_limits<float>::infinity()));
                        f49 = f * B(0x1p49f);
                    }
            }
            // v * f where `check` holds (callers test it once per slice; else v * f).
            PYPERF_TENSOR_INLINE B operator()(const B& v) const noexcept
            {
                if constexpr (exact)
                {
                    auto low = v < c;
                    if constexpr (B::size < 16)
                    {
                        low = low & (v > B(0.0f)); // (0 * f costs no assist)
                        if (!xsimd::any(low))
                            return v * f;
                    }
                    const auto sub = v < B(0x1p-126f);
                    const B normal = xsimd::select(sub, B(0.0f), v); // (no multiply of a subnormal)
                    const B a = xsimd::select(sub, subnormal_units(v), normal * B(0x1p100f));
                    return xsimd::select(low, below_normal(a, xsimd::select(sub, f, f49)),
                                         xsimd::select(low, B(0.0f), v) * f);
                }
                else
                    return v * f;
            }
        };

        // A softmax slice of n elements has no result below FLT_MIN (other than 0) when its
        // spread, its largest value less its smallest, leaving out values whose exponential
        // is 0, is less than this (each result is at least e^-spread / n). A NaN spread
        // compares as unknown.
        inline double safe_spread(index_t n) noexcept { return -std::log(0x1p-125 * static_cast<double>(n)); }

        // The largest (or, Max false, smallest) |x| so far (AVX-512: one vrangeps; a NaN in v
        // may be dropped, the caller's sum catches NaN).
        template <bool Max = true, class B>
        PYPERF_TENSOR_INLINE B abs_max(const B& acc, const B& v) noexcept
        {
#if defined(__AVX512DQ__)
            if constexpr (simd::detail::is_zmm<B>())
            {
                constexpr int imm = Max ? 0x0B : 0x0A; // max or min |.|, sign cleared
                if constexpr (std::is_same<typename B::value_type, float>::value)
                    return _mm512_range_ps(acc, v, imm);
                else
                    return _mm512_range_pd(acc, v, imm);
            }
#endif
            return Max ? xsimd::max(acc, xsimd::abs(v)) : xsimd::min(acc, xsimd::abs(v));
        }

        // Rows (slices whose elements are contiguous or at one stride), software-pipelined:
        // sweep c takes the exponentials of row c (summed in exp_sum; stored for softmax)
        // and, in the same loop over registers, reads row c+1 for its largest |x| and
        // writes row c-1's results (out / sum, or x - m - log(sum)). Run as three passes
        // per row, the first (loads and compares) and the last (load, multiply, store)
        // left the FP units idle: 23 cycles per 16 floats against 12 for the exponentials
        // alone; pipelined, 16 (1000-element float32 rows in L1/L2, this Zen 5). A row
        // stays in L1/L2 between its sweeps.
        // log_softmax shifts every row by its maximum (log(sum) of unshifted exponentials
        // would be off by their rounding, 1e-7 absolute, where a result is near 0). A
        // softmax row whose |x| all lie within 64 takes exp(x) unshifted; other rows take
        // their maximum, found by an extra pass over the row just read, and the shift it
        // calls for (softmax_shift).
        template <class Arch, class T, bool Contiguous, bool Log>
        PYPERF_TENSOR_FLATTEN void softmax_rows(const softmax_block<T>& b) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            using Sum = exp_sum<Arch, T>;
            constexpr index_t W = static_cast<index_t>(B::size);
            const T ninf = -std::numeric_limits<T>::infinity();
            const index_t n = b.n, si = Contiguous ? 1 : b.in_axis, so = Contiguous ? 1 : b.out_axis;
            // Full batches at element i (k == W) or the k < W elements left.
            auto load = [&](const T* p, index_t s, index_t i, index_t k, T fill) -> B
            {
                if (Contiguous && k == W)
                    return B::load_unaligned(p + i);
                return simd::load_part<B>(p + i * s, s, k, fill);
            };
            auto store = [&](T* p, index_t i, index_t k, const B& v)
            {
                if (Contiguous && k == W)
                    v.store_unaligned(p + i);
                else
                    simd::store_part(p + i * so, so, k, v);
            };
            struct row_state
            {
                B m = B(T(0)), f = B(T(0)); // the shift; 1 / sum (softmax) or log(sum)
                shift mode = shift::none;
                bool careful = false; // its results may fall below the normal range (safe_spread)
            };
            row_state st[3]; // rows c - 1, c, c + 1 at [(c + 2) % 3], [c % 3], [(c + 1) % 3]
            const double safe = safe_spread(n);
            const B half_safe(static_cast<T>(safe / 2));
            auto sweep = [&](index_t c, auto mode)
            {
                constexpr shift S = decltype(mode)::value;
                const bool scan = c + 1 < b.lanes, take = c >= 0 && c < b.lanes;
                // Row c - 1's results, here or, where they may fall below the normal range
                // (normaliser::check), in a loop of their own after this one.
                const bool finish = c >= 1 && (Log || !st[(c + 2) % 3].careful);
                const index_t r1 = scan ? c + 1 : 0, r2 = take ? c : 0, r3 = c >= 1 ? c - 1 : 0; // rows that exist
                const T *in1 = b.in + r1 * b.in_lane, *in2 = b.in + r2 * b.in_lane, *in3 = b.in + r3 * b.in_lane;
                T *out2 = b.out + r2 * b.out_lane, *out3 = b.out + r3 * b.out_lane;
                const row_state cur = take ? st[c % 3] : row_state{}, prev = c >= 1 ? st[(c + 2) % 3] : row_state{};
                B acc(Log ? ninf : T(0)); // row c + 1's largest x (log_softmax) or |x|
                Sum sum;
                auto step = [&](index_t i, index_t k) -> B
                {
                    if (scan)
                    {
                        if constexpr (Log)
                            acc = xsimd::max(acc, load(in1, si, i, k, ninf));
                        else
                            acc = abs_max(acc, load(in1, si, i, k, T(0)));
                    }
                    B e(T(0));
                    if (take)
                    {
                        e = exp_shifted<S>(load(in2, si, i, k, ninf), cur.m);
                        if constexpr (!Log)
                            store(out2, i, k, e);
                    }
                    if (finish)
                    {
                        if constexpr (Log)
                        {
                            const B x = load(in3, si, i, k, T(0));
                            store(out3, i, k, (x - prev.m) - prev.f);
                        }
                        else
                            store(out3, i, k, load(out3, so, i, k, T(0)) * prev.f);
                    }
                    return e;
                };
                sum.add_all(n, step);
                if (c >= 1 && !finish)
                {
                    const normaliser<B> scale(prev.f, true);
                    for (index_t i = 0; i < n; i += W)
                    {
                        const index_t k = std::min(W, n - i);
                        store(out3, i, k, scale(load(out3, so, i, k, T(0))));
                    }
                }
                if (take)
                {
                    const double total = sum.total();
                    st[c % 3].f = B(static_cast<T>(Log ? std::log(total) : 1.0 / total));
                }
                if (scan)
                {
                    row_state& next = st[(c + 1) % 3];
                    next.mode = Log ? shift::summed : shift::none;
                    next.m = B(Log ? lane_max(acc) : T(0));
                    next.careful = !xsimd::all(acc < half_safe); // (the spread is at most 2 max |x|)
                    if (!Log && !xsimd::all(unshifted_lanes(acc, -acc)))
                    {
                        // (Four maxima in flight: with one, the pass waited on vmaxps's
                        // latency, and masked rows took 8% longer, AVX2 and AVX-512.)
                        // For masked rows, whose shift is 0, the spread leaves out values
                        // whose exponential is 0 (below -z, z = 104, float64 746): the
                        // smallest |x + z| less z is the smallest value above -z, or else
                        // lower (a value v below gives -v - 2z), which only makes the
                        // spread larger. It is taken from every eighth register only: the
                        // spread decides speed, never results, and the rows it matters for
                        // have many small values (C++, 1 thread, causal-mask rows with every
                        // register 1.13x the time, every fourth 1.07x, every eighth 1.04x).
                        // Other rows are shifted.
                        const B z(-exp_zero_below<T>);
                        B mx[4] = {B(ninf), B(ninf), B(ninf), B(ninf)}, mn(-ninf);
                        index_t j = 0;
                        auto bounds = [&](int u, const B& x)
                        {
                            mx[u] = xsimd::max(mx[u], x);
                            if (u == 0 && j % (8 * W) == 0)
                                mn = abs_max<false>(mn, x + z);
                        };
                        for (; j + 4 * W <= n; j += 4 * W)
                            simd::unrolled<4>([&](auto u) { bounds(u, load(in1, si, j + u * W, W, ninf)); });
                        for (; j < n; j += W)
                            bounds(0, load(in1, si, j, std::min(W, n - j), ninf));
                        const T row_max = lane_max(xsimd::max(xsimd::max(mx[0], mx[1]), xsimd::max(mx[2], mx[3])));
                        next.mode = softmax_shift(B(row_max), B(ninf), next.m); // not within +-64
                        const B row_min = mn - z;
                        next.careful = next.mode != shift::unshifted
                                       || !(static_cast<double>(row_max) + lane_max(-row_min) < safe);
                    }
                }
            };
            // (The sweeps without exponentials, c = -1 and c = lanes, take the `none` copy
            // for log_softmax too: one instantiation for every sweep made GCC's loop 11%
            // slower.)
            for (index_t c = -1; c <= b.lanes; ++c)
            {
                const shift mode = c >= 0 && c < b.lanes ? st[c % 3].mode : shift::none;
                if (mode == shift::none)
                    sweep(c, std::integral_constant<shift, shift::none>{});
                else if constexpr (Log)
                    sweep(c, std::integral_constant<shift, shift::summed>{});
                else if (mode == shift::unshifted)
                    sweep(c, std::integral_constant<shift, shift::unshifted>{});
                else if (mode == shift::plain)
                    sweep(c, std::integral_constant<shift, shift::plain>{});
                else
                    sweep(c, std::integral_constant<shift, shift::corrected>{});
            }
        }

        // Short rows (n <= tile_registers<Log> * W), W at a time: each W x W block of the rows'
        // registers is transposed so that register i holds element i of W rows, the
        // slices are then normalised lane by lane as in the strips below, and the blocks
        // are transposed back. Taken one by one, a short row paid ~100 cycles of per-row
        // work (horizontal sums, a libm log) for a few elements.
        // (log_softmax gains up to 4 registers: at 50 elements 55 -> 43 cycles per 16
        // floats; softmax beyond 2 loses, 48 elements 31.5 -> 34.8.)
        template <bool Log>
        inline constexpr index_t tile_registers = Log ? 4 : 2;
        template <class Arch, class T, bool Log>
        PYPERF_TENSOR_FLATTEN void softmax_tiles(const softmax_block<T>& b) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            using D = xsimd::batch<double, Arch>;
            using Sum = exp_sum<Arch, T>;
            constexpr index_t W = static_cast<index_t>(B::size);
            const T ninf = -std::numeric_limits<T>::infinity();
            const index_t n = b.n, blocks = std::max<index_t>(1, (n + W - 1) / W); // n >= 1 here
            for (index_t j0 = 0; j0 < b.lanes; j0 += W)
            {
                const index_t rows = std::min(W, b.lanes - j0);
                // block q, row j at [q * W + j]; after the transpose, element q * W + i there
                B t[tile_registers<Log> * W];
                for (index_t q = 0; q < blocks; ++q)
                {
                    const index_t k = std::min(W, n - q * W);
                    for (index_t j = 0; j < W; ++j) // rows past the end: 0 (within ±64), never stored
                    {
                        const T* p = b.in + (j0 + j) * b.in_lane + q * W * b.in_axis;
                        t[q * W + j] = j >= rows                  ? B(T(0))
                                       : k == W && b.in_axis == 1 ? B::load_unaligned(p)
                                                                  : simd::load_part<B>(p, b.in_axis, k, ninf);
                    }
                    simd::transpose<Arch, T>(t + q * W);
                }
                B mx = t[0], mn = t[0];
                for (index_t i = 1; i < n; ++i)
                {
                    mx = xsimd::max(mx, t[i]);
                    mn = xsimd::min(mn, t[i]);
                }
                // Per lane, as in the strips: slices within [-64, 64], or masked, unshifted.
                B m = mx;
                const shift chosen = Log ? shift::summed : softmax_shift(mx, mn, m);
                auto normalise = [&](auto mode)
                {
                    Sum sum;
                    B part(T(0));
                    for (index_t i = 0; i < n; ++i)
                    {
                        const B e = exp_shifted<decltype(mode)::value>(t[i], m);
                        if constexpr (!Log)
                            t[i] = e;
                        part = i % Sum::group ? part + e : e;
                        if (i % Sum::group == Sum::group - 1 || i == n - 1)
                            sum.flush(part);
                    }
                    const B f = sum.per_lane([](const D& v) { return Log ? xsimd::log(v) : D(1.0) / v; });
                    const normaliser<B> scale(f, !(static_cast<double>(lane_max(mx - mn)) < safe_spread(n)));
                    if (!Log && scale.check)
                        for (index_t i = 0; i < n; ++i)
                            t[i] = scale(t[i]);
                    else
                        for (index_t i = 0; i < n; ++i)
                            t[i] = Log ? (t[i] - m) - f : t[i] * f;
                };
                with_shift<Log>(chosen, normalise);
                for (index_t q = 0; q < blocks; ++q)
                {
                    const index_t k = std::min(W, n - q * W);
                    simd::transpose<Arch, T>(t + q * W);
                    for (index_t j = 0; j < rows; ++j)
                    {
                        T* p = b.out + (j0 + j) * b.out_lane + q * W * b.out_axis;
                        if (k == W && b.out_axis == 1)
                            t[q * W + j].store_unaligned(p);
                        else
                            simd::store_part(p, b.out_axis, k, t[q * W + j]);
                    }
                }
            }
        }

        // How a strip takes its exponentials while it finds its bounds (softmax_strip):
        // `first`, raised, for the first strip; then as the strip before turned out.
        enum class strip_guess
        {
            first,
            none,
            unshifted,
            bounds
        };

        // Slices side by side (lanes contiguous in memory, the axis strided): vectorised
        // across the lanes, S registers (S * W lanes) per strip, the passes of the rows
        // walking down the axis (softmax on whole registers: two, see `guess`). S shrinks
        // for long axes so a strip of input and output stays in L2 between passes.
        template <class Arch, class T, index_t S, bool Log, bool Full>
        PYPERF_TENSOR_FLATTEN void softmax_strip(const T* in, index_t si, T* out, index_t so, index_t n, index_t lanes,
                                                 strip_guess& guess) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            using D = xsimd::batch<double, Arch>;
            constexpr index_t W = static_cast<index_t>(B::size);
            const T ninf = -std::numeric_limits<T>::infinity();
            // lanes == S * W when Full, else lanes < W (S == 1, one partial register).
            auto load = [&](const T* p, index_t u, T fill) -> B
            {
                if constexpr (Full)
                    return B::load_unaligned(p + u * W);
                else
                    return simd::load_part<B>(p, 1, lanes, fill);
            };
            auto store = [&](T* p, index_t u, const B& v)
            {
                if constexpr (Full)
                    v.store_unaligned(p + u * W);
                else
                    simd::store_part(p, 1, lanes, v);
            };
            B m[S], mn[S], live[S];
            simd::unrolled<S>([&](auto u) { m[u] = B(ninf), mn[u] = live[u] = B(-ninf); });
            // The strip's bounds take in register u of row i (v: read with -inf past lanes);
            // with `with_live` (a guess of `unshifted`: masks), `live`, as the masked rows' of
            // softmax_rows, every eighth row's smallest value above -z (|v + z|), for
            // safe_spread (in every strip, ordinary ones along axis 0 took 2-3% longer).
            const B z(-exp_zero_below<T>);
            auto bounds = [&](index_t i, auto u, const B& v, auto with_live)
            {
                m[u] = xsimd::max(m[u], v);
                if constexpr (!Log)
                {
                    mn[u] = xsimd::min(mn[u], Full ? v : load(in + i * si, u, -ninf));
                    if constexpr (decltype(with_live)::value)
                        if (i % 8 == 0)
                            live[u] = abs_max<false>(live[u], v + z);
                }
            };
            // The pass that first reads the input's lines, or first writes the output's,
            // fetches them `ahead` rows down the strip (32 lines of each in flight): the
            // rows are a pitch apart, most in a page of their own, and the hardware
            // prefetchers ran too little ahead of them. C++, 1000x1000 float32, 1 thread,
            // side by side: softmax along axis 0 355-370 -> 285-290 us.
            constexpr index_t ahead = 32 / S;
            auto fetch_in = [&](index_t i, auto u)
            {
                if (i + ahead < n)
                    __builtin_prefetch(in + (i + ahead) * si + u * W, 0, 3);
            };
            auto fetch_out = [&](index_t i, auto u)
            {
                if (i + ahead < n)
                    __builtin_prefetch(out + (i + ahead) * so + u * W, 1, 3);
            };
            using Sum = exp_sum<Arch, T>;
            Sum sum[S];
            // The exponentials down the strip, summed and stored (log_softmax stores x - m, so
            // that its last pass reads the output alone, as softmax's does: 1000x1000
            // float32 along axis 0, AVX2, C++, 447 -> 405 us); with `track`, each register
            // read also goes into the strip's bounds.
            auto pass2 = [&](auto mode, auto track, auto raise)
            {
                auto step = [&](index_t i, auto u) -> B
                {
                    if constexpr (decltype(track)::value)
                        fetch_in(i, u);
                    fetch_out(i, u);
                    const B v = load(in + i * si, u, ninf);
                    if constexpr (decltype(track)::value)
                        bounds(i, u, v, std::bool_constant<decltype(mode)::value == shift::unshifted>{});
                    const B e = exp_shifted<decltype(mode)::value>(
                        decltype(raise)::value ? xsimd::max(B(simd::exp_normal_min<T>), v) : v, m[u]); // NaN kept
                    store(out + i * so, u, Log ? v - m[u] : e);
                    return e;
                };
                B part[S];
                index_t i = 0;
                for (; i + Sum::group <= n; i += Sum::group)
                {
                    simd::unrolled<S>([&](auto u) { part[u] = step(i, u); });
                    for (int g = 1; g < Sum::group; ++g)
                        simd::unrolled<S>([&](auto u) { part[u] += step(i + g, u); });
                    simd::unrolled<S>([&](auto u) { sum[u].flush(part[u]); });
                }
                for (; i < n; ++i)
                    simd::unrolled<S>([&](auto u) { sum[u].flush(step(i, u)); });
            };
            // Softmax on whole registers first takes the exponentials unshifted while it
            // finds the bounds, as nearly every slice lies within [-64, 64]: one pass down
            // the strip fewer, the same bits. `guess` is `none` (exp_normal) unless the strip
            // before needed `unshifted` (a mask): then exp_mul(x, 1), right for masked slices
            // too, so that a masked input does not take every strip's exponentials twice
            // (C++, 1000x1000 along axis 0 under a causal mask, 1 thread: float32 AVX-512 430 ->
            // 290 us, AVX2 720 -> 497, float64 1700 -> 1110; guessing `unshifted` for every
            // strip slowed unmasked ones 11-38%). A strip after one whose slices reach beyond
            // [-64, 64] unmasked (`bounds`) does not guess: exp_normal of a lane far below
            // -64 would take a microcode assist on an Intel core (its result underflows),
            // and logits in +-1000 along axis 0 took 10x the time of ordinary ones. So the
            // first strip's guess raises x to -87 (where that changes anything the guess is
            // wrong, and its exponentials are taken again); raising in every strip cost
            // ordinary inputs 4%. log_softmax, a strip narrower than a register, and softmax
            // in place (where the exponentials stored would have overwritten x before a
            // wrong guess took them again) find the bounds first.
            constexpr bool can_guess = !Log && Full;
            const bool guessing = can_guess && static_cast<const T*>(out) != in && guess != strip_guess::bounds;
            if constexpr (can_guess)
                if (guessing)
                {
                    using no = std::false_type;
                    if (guess == strip_guess::unshifted)
                        pass2(std::integral_constant<shift, shift::unshifted>{}, std::true_type{}, no{});
                    else if (guess == strip_guess::first)
                        pass2(std::integral_constant<shift, shift::none>{}, std::true_type{}, std::true_type{});
                    else
                        pass2(std::integral_constant<shift, shift::none>{}, std::true_type{}, no{});
                }
            if (!guessing)
                for (index_t i = 0; i < n; ++i)
                    simd::unrolled<S>(
                        [&](auto u)
                        {
                            fetch_in(i, u);
                            bounds(i, u, load(in + i * si, u, ninf), std::false_type{});
                        });
            // Per lane, as for rows (softmax_shift).
            shift chosen = Log ? shift::summed : shift::none;
            double spread = 0.0, masked = 0.0; // the strip's largest; leaving out masked values
            if constexpr (!Log)
                simd::unrolled<S>(
                    [&](auto u)
                    {
                        spread = std::max(spread, static_cast<double>(lane_max(m[u] - mn[u])));
                        masked = std::max(masked, static_cast<double>(lane_max(m[u] - (live[u] - z))));
                        chosen = std::max(chosen, softmax_shift(m[u], mn[u], m[u]));
                    });
            if (chosen != shift::none && !(chosen == shift::unshifted && guessing && guess == strip_guess::unshifted))
                spread = std::numeric_limits<double>::infinity(); // (`live` not taken)
            else if (chosen == shift::unshifted)
                spread = masked;
            const bool right =
                guessing && (chosen == shift::none || (chosen == shift::unshifted && guess == strip_guess::unshifted));
            guess = chosen == shift::none        ? strip_guess::none
                    : chosen == shift::unshifted ? strip_guess::unshifted
                                                 : strip_guess::bounds;
            if (!right)
            {
                simd::unrolled<S>([&](auto u) { sum[u] = Sum{}; });
                with_shift<Log>(chosen, [&](auto mode) { pass2(mode, std::false_type{}, std::false_type{}); });
            }
            B f[S];
            normaliser<B> scale[S];
            simd::unrolled<S>(
                [&](auto u)
                {
                    f[u] = sum[u].per_lane([](const D& v) { return Log ? xsimd::log(v) : D(1.0) / v; });
                    if constexpr (!Log)
                        scale[u] = normaliser<B>(f[u], !(spread < safe_spread(n)));
                });
            auto finish = [&](auto careful)
            {
                for (index_t i = 0; i < n; ++i)
                    simd::unrolled<S>(
                        [&](auto u)
                        {
                            const B v = load(out + i * so, u, T(0));
                            store(out + i * so, u, Log ? v - f[u] : decltype(careful)::value ? scale[u](v) : v * f[u]);
                        });
            };
            if (!Log && scale[0].check)
                finish(std::true_type{});
            else
                finish(std::false_type{});
        }

        // One step of a piece of a long slice (softmax_piece), with the shifts and sums
        // of softmax_rows; the slice's figures come from every piece, so its result does
        // not depend on which thread takes which piece.
        template <class Arch, class T, bool Log>
        void softmax_piece_step(const softmax_block<T>& b) noexcept
        {
            using B = xsimd::batch<T, Arch>;
            using Sum = exp_sum<Arch, T>;
            constexpr index_t W = static_cast<index_t>(B::size);
            const T inf = std::numeric_limits<T>::infinity();
            softmax_piece<T>& p = *b.piece;
            const index_t n = b.n, si = b.in_axis, so = b.out_axis;
            auto load = [&](const T* ptr, index_t s, index_t i, index_t k, T fill) -> B
            {
                if (s == 1 && k == W)
                    return B::load_unaligned(ptr + i);
                return simd::load_part<B>(ptr + i * s, s, k, fill);
            };
            auto store = [&](index_t i, index_t k, const B& v)
            {
                if (so == 1 && k == W)
                    v.store_unaligned(b.out + i);
                else
                    simd::store_part(b.out + i * so, so, k, v);
            };
            // The piece's exponentials exp(x - m) in mode S, stored for softmax, summed;
            // seen(x, k) is shown each register loaded (k lanes of it real).
            auto exps = [&](auto mode, const B& m, auto&& seen) -> double
            {
                constexpr shift S = decltype(mode)::value;
                Sum sum;
                auto step = [&](index_t i, index_t k) -> B
                {
                    const B x = load(b.in, si, i, k, -inf);
                    seen(x, k);
                    const B e = exp_shifted<S>(x, m);
                    if constexpr (!Log)
                        store(i, k, e);
                    return e;
                };
                sum.add_all(n, step);
                return sum.total();
            };
            auto ignore = [](const B&, index_t) {};
            // softmax in place (x is out) takes only the bounds first: the guess's
            // exponentials stored would overwrite x before a wrong guess took them again.
            const bool in_place = static_cast<const T*>(b.out) == b.in;
            if (p.step == softmax_piece<T>::first && (Log || in_place))
            {
                B mx(-inf), mn(inf);
                for (index_t i = 0; i < n; i += W)
                {
                    const index_t k = std::min(W, n - i);
                    mx = xsimd::max(mx, load(b.in, si, i, k, -inf));
                    if (!Log)
                        mn = xsimd::min(mn, load(b.in, si, i, k, inf));
                }
                p.max = lane_max(mx);
                p.min = -lane_max(-mn);
                // (A piece of -inf adds nothing, rather than NaN from -inf - -inf.)
                if constexpr (Log)
                    p.sum =
                        p.max == -inf ? 0.0 : exps(std::integral_constant<shift, shift::summed>{}, B(p.max), ignore);
            }
            else if (p.step == softmax_piece<T>::first)
            {
                B mx(-inf), mn(inf);
                p.sum = exps(std::integral_constant<shift, shift::unshifted>{}, B(T(0)),
                             [&](const B& x, index_t k)
                             {
                                 mx = xsimd::max(mx, x);
                                 mn = xsimd::min(mn, k == W ? x : xsimd::select(simd::iota<B>() < B(T(k)), x, B(inf)));
                             });
                p.max = lane_max(mx);
                p.min = -lane_max(-mn);
            }
            else if (p.step == softmax_piece<T>::exps)
            {
                B m;
                with_shift<Log>(softmax_shift(B(p.max), B(p.min), m),
                                [&](auto mode) { p.sum = exps(mode, m, ignore); });
            }
            else
            {
                const B f(p.f), m(p.max);
                const normaliser<B> scale(f, p.careful);
                auto finish = [&](auto careful)
                {
                    for (index_t i = 0; i < n; i += W)
                    {
                        const index_t k = std::min(W, n - i);
                        if constexpr (Log)
                            store(i, k, (load(b.in, si, i, k, T(0)) - m) - f);
                        else
                        {
                            const B v = load(b.out, so, i, k, T(0));
                            store(i, k, decltype(careful)::value ? scale(v) : v * f);
                        }
                    }
                };
                if (scale.check)
                    finish(std::true_type{});
                else
                    finish(std::false_type{});
            }
        }

        template <class Arch, class T, bool Log>
        void softmax(const softmax_block<T>& b) noexcept
        {
            if (b.piece != nullptr)
                return softmax_piece_step<Arch, T, Log>(b);
            using B = xsimd::batch<T, Arch>;
            constexpr index_t W = static_cast<index_t>(B::size);
            const bool side_by_side = !(b.in_axis == 1 && b.out_axis == 1) && b.in_lane == 1 && b.out_lane == 1;
            if constexpr (simd::has_transpose<Arch, T>())
                if (b.n <= tile_registers<Log> * W && !side_by_side)
                    return softmax_tiles<Arch, T, Log>(b);
            if (b.in_axis == 1 && b.out_axis == 1)
                softmax_rows<Arch, T, true, Log>(b);
            else if (side_by_side)
            {
                // Strips of 4 registers (a few cache lines per row: the prefetchers follow
                // them) while a strip of input and output fits a share of L3 between passes.
                const bool wide = b.n * 4 * W * static_cast<index_t>(sizeof(T)) <= (index_t{1} << 21);
                index_t j = 0;
                strip_guess guess = strip_guess::first;
                if (wide)
                    for (; j + 4 * W <= b.lanes; j += 4 * W)
                        softmax_strip<Arch, T, 4, Log, true>(b.in + j, b.in_axis, b.out + j, b.out_axis, b.n, 4 * W,
                                                             guess);
                // The lanes left over take one more strip of 4 registers, ending at the last
                // lane and overlapping the strip before: each slice is computed on its own
                // (softmax_shift), so the lanes taken twice get the same bits, and one strip
                // of 4 costs less than the narrower ones it replaces (up to 2 whole registers
                // and a part, each strip walking the whole axis). Not in place, where the
                // overlap would read results. C++, 1000x1000 float32 along axis 0 (40 lanes
                // left), 1 thread, eight runs alternating: 551-624 -> 543-589 us.
                if (j > 0 && j < b.lanes && static_cast<const T*>(b.out) != b.in)
                {
                    j = b.lanes - 4 * W;
                    softmax_strip<Arch, T, 4, Log, true>(b.in + j, b.in_axis, b.out + j, b.out_axis, b.n, 4 * W, guess);
                    j = b.lanes;
                }
                for (; j + W <= b.lanes; j += W)
                    softmax_strip<Arch, T, 1, Log, true>(b.in + j, b.in_axis, b.out + j, b.out_axis, b.n, W, guess);
                if (j < b.lanes)
                    softmax_strip<Arch, T, 1, Log, false>(b.in + j, b.in_axis, b.out + j, b.out_axis, b.n, b.lanes - j,
                                                          guess);
            }
            else
                softmax_rows<Arch, T, false, Log>(b);
        }
    } // namespace detail

    template <class Arch, class T>
    void softmax(const softmax_block<T>& b, bool log) noexcept
    {
        if (b.n == 0)
            return;
        log ? detail::softmax<Arch, T, true>(b) : detail::softmax<Arch, T, false>(b);
    }
} // namespace pyperf_tensor::kernels
