#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include <pyperf_tensor/ops/activation.hpp>
#include <pyperf_tensor/ops/elementwise.hpp>

namespace pt = pyperf_tensor;

namespace
{
    // ULPs between two finite floats of the same sign.
    template <class T>
    double ulps(T got, long double want)
    {
        const T w = static_cast<T>(want);
        if (got == w)
            return 0;
        return std::fabs(static_cast<long double>(got) - want)
               / static_cast<long double>(std::nextafter(std::fabs(w), std::numeric_limits<T>::infinity())
                                          - std::fabs(w));
    }

    long double gelu_ref(long double x) { return 0.5L * x * std::erfc(-x / std::sqrt(2.0L)); }
    long double sigmoid_ref(long double x) { return 1.0L / (1.0L + std::exp(-x)); }
    long double silu_ref(long double x) { return x / (1.0L + std::exp(-x)); }

    // xs followed by their negations (appended to xs), as a tensor.
    pt::tensor<float> with_negatives(std::vector<float>& xs)
    {
        const std::size_t n = xs.size();
        for (std::size_t i = 0; i < n; ++i)
            xs.push_back(-xs[i]);
        pt::tensor<float> x(pt::dims{static_cast<pt::index_t>(xs.size())});
        std::copy(xs.begin(), xs.end(), x.data());
        return x;
    }

    template <class T, class F, class R>
    double worst_ulps(F f, R ref, T lo, T hi, int n)
    {
        pt::tensor<T> x(pt::dims{static_cast<pt::index_t>(n)});
        for (int i = 0; i < n; ++i)
            x.data()[i] = lo + (hi - lo) * static_cast<T>(i) / static_cast<T>(n - 1);
        const auto y = f(x);
        double worst = 0;
        for (int i = 0; i < n; ++i)
            worst = std::max(worst, ulps(y.data()[i], ref(static_cast<long double>(x.data()[i]))));
        return worst;
    }

    // Value j of slice i of n for the tests of hard slices, one case per i % 7: a causal
    // mask of -1e9 or -inf (maximum in [0, 64]: exponentials unshifted, rounded once below
    // the normal range), values spread down to where the results are subnormal, the same
    // with a negative maximum (shifted), large maxima below the bound where the shift is
    // exact (shifted with the rounding correction), and maxima just past that bound.
    template <class T>
    double hard_value(pt::index_t i, pt::index_t j, pt::index_t n)
    {
        const double depth = std::is_same<T, float>::value ? 150.0 : 1080.0; // to below the subnormals
        const double v = std::sin(0.71 * static_cast<double>(i * n + j)) * 3, far = -depth * (j % 7) / 6.0;
        const bool masked = j > (5 * i + 1) % n;
        switch (i % 7)
        {
        case 0:
            return masked ? -1e9 : v + 3;
        case 1:
            return masked ? -INFINITY : v + 3;
        case 2:
            return j == 0 ? 1.0 : v + far;
        case 3:
            return v + far - 4;
        case 4: // below that bound, values under half the maximum: x - m rounds
            return (std::is_same<T, float>::value ? 120 : 850) * (1 - 0.7 * static_cast<double>(j) / n) + v * 0.01;
        default: // maxima just past where the shift is exact (208, float64 1492), either sign
            return (i % 2 ? -1 : 1) * (std::is_same<T, float>::value ? 211.5 : 1495.5) + v + far;
        }
    }

    // softmax (s) and log_softmax (ls) of the slice x of n elements, `step` apart, against
    // the formula in long double: softmax within 5 ULP; log_softmax within 4 ULP, and
    // nearer 0 than 1 within 4 eps absolute (the sum's rounding); its exponentials of
    // x - max below -87 (float64 -708), raised to there, must not show. The reference sums
    // the terms without the maximum's 1 and takes log1p.
    template <class T>
    void check_softmax_slice(const T* x, const T* s, const T* ls, pt::index_t n, pt::index_t step)
    {
        long double mx = -INFINITY, rest = 0, ties = 0; // rest: the sum without the maximum's terms
        for (pt::index_t j = 0; j < n; ++j)
            mx = std::max<long double>(mx, x[j * step]);
        for (pt::index_t j = 0; j < n; ++j)
        {
            const long double xj = x[j * step];
            ties += xj == mx;
            rest += xj == mx ? 0 : std::exp(xj - mx);
        }
        const long double sum = rest + ties, log_sum = std::log1p(rest + (ties - 1));
        for (pt::index_t j = 0; j < n; ++j)
        {
            const T xv = x[j * step];
            INFO("element ", j, ", x = ", xv);
            CHECK(ulps(s[j * step], std::exp(static_cast<long double>(xv) - mx) / sum) <= 5);
            const long double lref = (static_cast<long double>(xv) - mx) - log_sum;
            const T lv = ls[j * step];
            if (std::fabs(lref) >= 1)
                CHECK(ulps(lv, lref) <= 4);
            else
                CHECK(std::fabs(lv - lref) <= 4 * std::numeric_limits<T>::epsilon());
        }
    }
} // namespace

TEST_CASE("pointwise activations are accurate in float32 across their range")
{
    auto sweep = [](auto f, auto ref) { return worst_ulps<float>(f, ref, -30.0f, 30.0f, 60001); };
    CHECK(sweep([](const auto& x) { return pt::sigmoid(x); }, sigmoid_ref) <= 4);
    CHECK(sweep([](const auto& x) { return pt::silu(x); }, silu_ref) <= 4);
    CHECK(sweep([](const auto& x) { return pt::tanh(x); }, [](long double v) { return std::tanh(v); }) <= 4);
    // Measured from the exact value (4 ULP from the rounded one can be up to 4.5 here);
    // every float32 in [-10.5, 12] is within 4.33 with FMA and 4.81 with SSE2's emulated
    // fma, which rounds twice.
    CHECK(sweep([](const auto& x) { return pt::gelu(x); }, gelu_ref)
          <= (pt::simd::has_fma<pt::simd::default_arch>() ? 4.33 : 4.81));
    CHECK(sweep([](const auto& x) { return pt::gelu(x, pt::gelu_approximation::tanh); }, [](long double v)
                { return v / (1.0L + std::exp(-1.5957691216057307117597842397375L * (v + 0.044715L * v * v * v))); })
          <= 4);
}

TEST_CASE_TEMPLATE(
    "far-out inputs: the edge lanes (in SIMD, beside ordinary lanes) within 4 ULP, limits with their signs", T, float,
    double)
{
    // Edge lanes (sigmoid and silu below -80 / -700, GELU below -10, tanh-GELU below -5 /
    // -20) every other lane, ordinary ones between, so that registers hold both.
    const T lo = std::is_same<T, float>::value ? T(-120) : T(-800);
    const int n = 20001;
    pt::tensor<T> x(pt::dims{2 * n});
    for (int i = 0; i < n; ++i)
    {
        x.data()[2 * i] = lo + (T(-4) - lo) * static_cast<T>(i) / static_cast<T>(n - 1);
        x.data()[2 * i + 1] = T(0.25) * static_cast<T>(i % 17) - T(2);
    }
    auto worst = [&](const pt::tensor<T>& y, auto ref)
    {
        double w = 0;
        for (int i = 0; i < 2 * n; ++i)
            w = std::max(w, ulps(y.data()[i], ref(static_cast<long double>(x.data()[i]))));
        return w;
    };
    CHECK(worst(pt::sigmoid(x), sigmoid_ref) <= 4);
    CHECK(worst(pt::silu(x), silu_ref) <= 4);
    CHECK(worst(pt::gelu(x), gelu_ref) <= (pt::simd::has_fma<pt::simd::default_arch>() ? 4.33 : 4.81));
    if constexpr (std::is_same<T, float>::value)
        CHECK(
            worst(pt::gelu(x, pt::gelu_approximation::tanh), [](long double v)
                  { return v / (1.0L + std::exp(-1.5957691216057307117597842397375L * (v + 0.044715L * v * v * v))); })
            <= 4);
    // Each lane on its own: the sweep shuffled (registers that mix lanes below the edge
    // code's clamp, edge lanes above it and ordinary lanes) gives the same bits.
    std::vector<int> perm(static_cast<std::size_t>(2 * n));
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), std::mt19937(3));
    pt::tensor<T> shuffled(pt::dims{2 * n});
    for (int i = 0; i < 2 * n; ++i)
        shuffled.data()[i] = x.data()[perm[static_cast<std::size_t>(i)]];
    auto same_lanes = [&](const pt::tensor<T>& ys, const pt::tensor<T>& y)
    {
        int differ = 0;
        for (int i = 0; i < 2 * n; ++i)
            differ += std::memcmp(ys.data() + i, y.data() + perm[static_cast<std::size_t>(i)], sizeof(T)) != 0;
        return differ;
    };
    CHECK(same_lanes(pt::sigmoid(shuffled), pt::sigmoid(x)) == 0);
    CHECK(same_lanes(pt::silu(shuffled), pt::silu(x)) == 0);
    CHECK(same_lanes(pt::gelu(shuffled), pt::gelu(x)) == 0);
    CHECK(same_lanes(pt::gelu(shuffled, pt::gelu_approximation::tanh), pt::gelu(x, pt::gelu_approximation::tanh)) == 0);
    // Limits: -0 for every negative input far enough out (and -inf), +inf for +inf.
    const T inf = std::numeric_limits<T>::infinity(), big = std::is_same<T, float>::value ? T(1e30) : T(1e300);
    pt::tensor<T> lim(pt::dims{8}, {-inf, -big, T(-200), T(-1000), inf, T(-178), T(-5000), T(1)});
    for (const auto& y : {pt::silu(lim), pt::gelu(lim), pt::gelu(lim, pt::gelu_approximation::tanh)})
    {
        for (int i = 0; i < 8; ++i)
        {
            INFO("lane ", i, " x = ", lim.data()[i], " -> ", y.data()[i]);
            if (lim.data()[i] == inf)
                CHECK(y.data()[i] == inf);
            else if (lim.data()[i] < T(-170) && !(std::is_same<T, double>::value && lim.data()[i] > T(-750)))
                CHECK((y.data()[i] == T(0) && std::signbit(y.data()[i])));
        }
    }
}

TEST_CASE("float32 tanh is within NumPy's 2-ULP bound on every binade and at the edges of its intervals")
{
    // NumPy's validation sets allow 2 ULP from the correctly rounded value. The AVX-512 and
    // AVX2 kernels are a polynomial per interval (scripts/fit_tanh.py): the intervals' ends
    // (AVX2's are among AVX-512's), the clamp of b at 8 (a = 7.5) and of a at 10 get 256
    // floats on either side each.
    std::vector<float> xs;
    for (int e = -149; e <= 3; ++e)
        for (int k = 0; k < 2048; ++k)
            xs.push_back(std::ldexp(1.0f + static_cast<float>(k) / 2048, e));
    for (const float edge : {0.125f, 0.25f, 0.375f, 0.5f, 0.75f, 1.0f, 1.25f, 1.5f, 2.0f, 2.5f, 3.0f, 3.5f, 4.5f, 5.5f,
                             6.5f, 7.5f, 10.0f, 9.0105f})
    {
        float v = edge;
        for (int k = 0; k < 256; ++k)
            v = std::nextafter(v, 0.0f);
        for (int k = 0; k < 513; ++k, v = std::nextafter(v, 100.0f))
            xs.push_back(v);
    }
    const pt::tensor<float> x = with_negatives(xs);
    const auto y = pt::tanh(x);
    double worst = 0;
    for (std::size_t i = 0; i < xs.size(); ++i)
    {
        const float want = static_cast<float>(std::tanh(static_cast<long double>(xs[i])));
        const float w = std::fabs(want); // at a power of 2 the spacing below (2^-24 under 1)
        const float ulp = std::min(std::nextafter(w, 2.0f) - w, w - std::nextafter(w, 0.0f));
        worst = std::max(worst, std::fabs(static_cast<double>(y.data()[i]) - want) / ulp);
    }
    CHECK(worst <= 2);
    // tanh(x) = x below 2^-12 (subnormals included); signed zeros, infinities, NaN.
    pt::tensor<float> edge(pt::dims{7},
                           {1e-40f, -3e-39f, 2.4e-4f, -0.0f, std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()});
    const auto r = pt::tanh(edge);
    CHECK(r.data()[0] == 1e-40f);
    CHECK(r.data()[1] == -3e-39f);
    CHECK(r.data()[2] == 2.4e-4f);
    CHECK((r.data()[3] == 0.0f && std::signbit(r.data()[3])));
    CHECK(r.data()[4] == 1.0f);
    CHECK(r.data()[5] == -1.0f);
    CHECK(std::isnan(r.data()[6]));
}

TEST_CASE("float32 exact GELU at the ends and middles of its table's intervals, tiny inputs, signed zeros, NaN")
{
    // AVX-512 computes a Phi(-a), a = |x| <= 5.9, from a polynomial of degree 5 per interval
    // [i W - W/2, i W + W/2), W = 1/4, for x in [-4, 5.9] (scripts/fit_gelu.py --table: within
    // 2.98 ULP of the exact value on every 11th float32 there; 2.991 on every float32 in [-4,
    // 0), 1.43 in (0, 12]), and gelu_far below -4 (3.60 on every float32 in [-10.5, -4]): each
    // interval's ends and middle, the switch at -4 and the clamp at 5.9 get 128 floats on
    // either side, on both signs. The other ISAs (no table) are held to the sweeps' bounds.
    std::vector<float> xs;
    for (int i = 0; i <= 32; ++i)
        for (const float c : {0.25f * static_cast<float>(i) - 0.125f, 0.25f * static_cast<float>(i), 4.0f, 5.9f})
        {
            float v = c;
            for (int k = 0; k < 128; ++k)
                v = std::nextafter(v, -100.0f);
            for (int k = 0; k < 257; ++k, v = std::nextafter(v, 100.0f))
                if (v > 0)
                    xs.push_back(v);
        }
    for (int e = -149; e <= -1; ++e)
        xs.push_back(std::ldexp(1.5f, e));
    const pt::tensor<float> x = with_negatives(xs);
    const auto y = pt::gelu(x);
    double worst_in = 0, worst_out = 0; // x in [-4, 5.9] and beyond (gelu_far below -4)
    for (std::size_t i = 0; i < xs.size(); ++i)
    {
        double& w = xs[i] >= -4.0f && xs[i] <= 5.9f ? worst_in : worst_out;
        w = std::max(w, ulps(y.data()[i], gelu_ref(static_cast<long double>(xs[i]))));
    }
    const bool table = pt::kernels::detail::gelu_table<xsimd::batch<float, pt::simd::default_arch>>::available;
    const double bound = pt::simd::has_fma<pt::simd::default_arch>() ? 4.33 : 4.81;
    CHECK(worst_in <= (table ? 3.0 : bound));
    CHECK(worst_out <= (table ? 3.6 : bound));
    // -0 stays -0 and a negative x whose result rounds to 0 gives -0; NaN stays NaN.
    const float nan = std::numeric_limits<float>::quiet_NaN();
    pt::tensor<float> edge(pt::dims{5}, {0.0f, -0.0f, -1e-45f, nan, -nan});
    const auto r = pt::gelu(edge);
    CHECK((r.data()[0] == 0.0f && !std::signbit(r.data()[0])));
    CHECK((r.data()[1] == 0.0f && std::signbit(r.data()[1])));
    CHECK((r.data()[2] <= 0.0f && std::signbit(r.data()[2])));
    CHECK(std::isnan(r.data()[3]));
    CHECK(std::isnan(r.data()[4]));
}

TEST_CASE("float64 tanh is within 2.5 ULP of the exact value, saturation and tiny inputs included")
{
    // The float32 formula in double (2.498 ULP at worst over 8 million random inputs on
    // each ISA, 2 from the rounded value: NumPy's validation-set bound).
    auto tanh_ref = [](long double v) { return std::tanh(v); };
    auto tanh = [](const auto& x) { return pt::tanh(x); };
    CHECK(worst_ulps<double>(tanh, tanh_ref, -21.0, 21.0, 200001) <= 2.5);
    CHECK(worst_ulps<double>(tanh, tanh_ref, -1e-3, 1e-3, 20001) <= 2.5);
    CHECK(worst_ulps<double>(tanh, tanh_ref, 1e-310, 1e-300, 1001) == 0); // subnormal and tiny: tanh(x) = x
    xt::xtensor<double, 1> edge = {0.0, -0.0, 19.1, -19.1, 1e300, INFINITY, -INFINITY, NAN};
    const auto r = pt::tanh(edge);
    CHECK((r(0) == 0 && !std::signbit(r(0)) && r(1) == 0 && std::signbit(r(1))));
    CHECK((r(2) == 1 && r(3) == -1 && r(4) == 1 && r(5) == 1 && r(6) == -1 && std::isnan(r(7))));
}

TEST_CASE_TEMPLATE("edge lanes anywhere in a row's chunks, the output at every offset: the same bits as in place", T,
                   float, double)
{
    // Out of place, sigmoid, silu and GELU (and exp on AVX-512 float32) check a row for
    // edge lanes once per chunk of 4 KiB and patch the chunk after, then the next 1, 2, 4
    // ... chunks as they go, counted on from row to row; in place, register by register.
    // Rows of two chunks and a part, an edge input (or a NaN) at the row's first element,
    // at either side of a chunk's end, or last, or at all of those in the rows after
    // (chunks patched either way); the output's rows start at every element offset within
    // a register (its head and tail partial registers move), one after the other or 5
    // elements apart.
    constexpr pt::index_t chunk = 4096 / sizeof(T), cols = 2 * chunk + 77, rows = 6;
    constexpr pt::index_t lanes = 64 / sizeof(T);
    const std::vector<T> far = std::is_same<T, float>::value ? std::vector<T>{T(-4.5), T(-9.5), T(-85), T(-100)}
                                                             : std::vector<T>{T(-12), T(-705), T(-720)};
    const pt::index_t at[] = {0, chunk - 1, chunk, 2 * chunk + 3, cols - 1};
    std::vector<T> buf(static_cast<std::size_t>(rows * (cols + 5) + lanes));
    for (pt::index_t offset = 0; offset < lanes; offset += (offset < 3 ? 1 : 5))
        for (const pt::index_t p : at)
            for (std::size_t v = 0; v <= far.size(); ++v)
            {
                pt::tensor<T> x(pt::dims{rows, cols});
                for (pt::index_t i = 0; i < rows * cols; ++i)
                    x.data()[i] = T(0.25) * static_cast<T>(i % 17) - T(2);
                const T edge = v < far.size() ? far[v] : std::numeric_limits<T>::quiet_NaN();
                x.data()[cols + p] = edge; // row 1
                if (p == cols - 1)
                    for (pt::index_t r = 2; r < rows; ++r)
                        for (const pt::index_t q : at)
                            x.data()[r * cols + q] = edge;
                const pt::index_t pitch = offset % 2 ? cols + 5 : cols;
                const pt::view<T> out(buf.data() + offset, {rows, cols}, {pitch, 1});
                auto check = [&](const char* name, auto into, auto in_place, auto ref)
                {
                    into(out, x);
                    pt::tensor<T> y = x;
                    in_place(y);
                    INFO(name, ": offset ", offset, ", edge ", edge, " at ", p);
                    for (pt::index_t r = 0; r < rows; ++r)
                        CHECK(std::memcmp(out.data() + r * pitch, y.data() + r * cols,
                                          sizeof(T) * static_cast<std::size_t>(cols))
                              == 0);
                    for (pt::index_t e = 0; e < rows * cols; ++e)
                        if (!(x.data()[e] >= T(-2))) // the edges and NaNs placed
                        {
                            const T r = out.data()[e / cols * pitch + e % cols];
                            if (std::isnan(edge))
                                CHECK(std::isnan(r));
                            else
                                CHECK(ulps(r, ref(static_cast<long double>(edge))) <= 4);
                        }
                };
                check(
                    "sigmoid", [](const auto& o, const auto& a) { pt::sigmoid_into(o, a); },
                    [](auto& a) { pt::sigmoid_(a); }, sigmoid_ref);
                check(
                    "silu", [](const auto& o, const auto& a) { pt::silu_into(o, a); }, [](auto& a) { pt::silu_(a); },
                    silu_ref);
                check(
                    "gelu", [](const auto& o, const auto& a) { pt::gelu_into(o, a); }, [](auto& a) { pt::gelu_(a); },
                    gelu_ref);
                check(
                    "exp", [](const auto& o, const auto& a) { pt::exp_into(o, a); }, [](auto& a) { pt::exp_(a); },
                    [](long double v) { return std::exp(v); });
            }
}

TEST_CASE_TEMPLATE("edge lanes in transposed tiles: a tile with one is done again, the same bits as contiguous", T,
                   float, double)
{
    // A transposed input goes through W x W tiles. exp and the activations whose edge
    // lanes lie below a bound run a tile without the test, keeping its least input, and
    // run it again through the whole op if that lies below the bound, the next 1, 2, 4
    // ... tiles through the whole op at once. An edge input (or a NaN) at a tile's first
    // and last lane, in the partial tiles at either end, or in every tile (tiles taken
    // both ways); the results' bits against those of the contiguous input.
    constexpr pt::index_t W = xsimd::batch<T, pt::simd::default_arch>::size, rows = 3 * W + 5, cols = 2 * W + 3;
    const std::vector<T> far = std::is_same<T, float>::value ? std::vector<T>{T(-4.5), T(-85), T(-100)}
                                                             : std::vector<T>{T(-12), T(-705), T(-720)};
    const std::vector<std::vector<std::pair<pt::index_t, pt::index_t>>> places = {
        {{0, 0}}, {{W - 1, W - 1}}, {{W, 0}}, {{rows - 1, cols - 1}}, {{rows - 3, W + 1}}, {{2, cols - 2}}, {}};
    for (std::size_t v = 0; v <= far.size(); ++v)
        for (std::size_t q = 0; q < places.size(); ++q)
        {
            auto at = places[q];
            if (at.empty()) // every tile
                for (pt::index_t i = 1; i < rows; i += W)
                    for (pt::index_t j = 2; j < cols; j += W)
                        at.push_back({i, j});
            const T edge = v < far.size() ? far[v] : std::numeric_limits<T>::quiet_NaN();
            pt::tensor<T> base(pt::dims{cols, rows}); // x = base.T, rows x cols
            for (pt::index_t k = 0; k < rows * cols; ++k)
                base.data()[k] = T(0.25) * static_cast<T>(k % 17) - T(2);
            for (const auto& [i, j] : at)
                base.data()[j * rows + i] = edge;
            const pt::view<T> x(base.data(), {rows, cols}, {1, rows});
            pt::tensor<T> c(pt::dims{rows, cols}), out(pt::dims{rows, cols});
            for (pt::index_t i = 0; i < rows; ++i)
                for (pt::index_t j = 0; j < cols; ++j)
                    c.data()[i * cols + j] = base.data()[j * rows + i];
            auto check = [&](const char* name, auto into)
            {
                into(out, x);
                pt::tensor<T> want(pt::dims{rows, cols});
                into(want, c);
                INFO(name, ": edge ", edge, ", place ", q);
                CHECK(std::memcmp(out.data(), want.data(), sizeof(T) * static_cast<std::size_t>(rows * cols)) == 0);
            };
            check("exp", [](auto& o, const auto& a) { pt::exp_into(o, a); });
            check("sigmoid", [](auto& o, const auto& a) { pt::sigmoid_into(o, a); });
            check("silu", [](auto& o, const auto& a) { pt::silu_into(o, a); });
            check("gelu", [](auto& o, const auto& a) { pt::gelu_into(o, a); });
            pt::exp_into(out, x);
            for (const auto& [i, j] : at)
            {
                const T r = out.data()[i * cols + j];
                if (std::isnan(edge))
                    CHECK(std::isnan(r));
                else
                    CHECK(ulps(r, std::exp(static_cast<long double>(edge))) <= 1);
            }
        }
}

TEST_CASE_TEMPLATE("three forms, xtensor containers, strided views, leaky_relu's slope", T, float, double)
{
    xt::xtensor<T, 2> a = {{-2, -1, 0}, {1, 2, 3}};
    const auto r = pt::relu(a);
    CHECK(r.data()[0] == 0);
    CHECK(r.data()[5] == 3);
    xt::xtensor<T, 2> out = xt::zeros<T>({2, 3});
    pt::leaky_relu_into(out, a, 0.5);
    CHECK(out(0, 0) == T(-1));
    CHECK(out(1, 2) == T(3));
    pt::leaky_relu_(a); // default slope 0.01, in place
    CHECK(a(0, 0) == T(-2) * T(0.01));
    xt::xtensor<T, 2> b = {{0, 1}, {2, 3}};
    auto col = xt::view(b, xt::all(), 1); // a strided view
    pt::sigmoid_(col);
    CHECK(b(0, 1) == doctest::Approx(1 / (1 + std::exp(-1.0))));
    CHECK(b(1, 0) == T(2));
    CHECK(pt::gelu(b).data()[0] == T(0));
}

TEST_CASE_TEMPLATE("softmax and log_softmax: every axis, rows and columns, in place", T, float, double)
{
    const pt::index_t rows = 37, cols = 101;
    pt::tensor<T> x(pt::dims{rows, cols});
    for (pt::index_t i = 0; i < rows * cols; ++i)
        x.data()[i] = static_cast<T>(std::sin(0.37 * static_cast<double>(i)) * 9);
    for (int axis : {0, 1, -1, -2})
    {
        const auto s = pt::softmax(x, axis);
        const auto ls = pt::log_softmax(x, axis);
        const int a = axis < 0 ? axis + 2 : axis;
        const pt::index_t n = a == 0 ? rows : cols, m = a == 0 ? cols : rows;
        for (pt::index_t j = 0; j < m; ++j)
        {
            long double mx = -INFINITY, sum = 0;
            auto at = [&](pt::index_t i) { return a == 0 ? i * cols + j : j * cols + i; };
            for (pt::index_t i = 0; i < n; ++i)
                mx = std::max<long double>(mx, x.data()[at(i)]);
            for (pt::index_t i = 0; i < n; ++i)
                sum += std::exp(static_cast<long double>(x.data()[at(i)]) - mx);
            for (pt::index_t i = 0; i < n; ++i)
            {
                const long double d = static_cast<long double>(x.data()[at(i)]) - mx;
                CHECK(ulps(s.data()[at(i)], std::exp(d) / sum) <= 16);
                CHECK(std::fabs(ls.data()[at(i)] - static_cast<double>(d - std::log(sum))) <= 1e-5);
            }
        }
    }
    // all_axes: over every element (NumPy's axis=None), for x and out at one stride each
    const auto whole = pt::log_softmax(x, pt::all_axes);
    long double mx = -INFINITY, sum = 0;
    for (pt::index_t i = 0; i < rows * cols; ++i)
        mx = std::max<long double>(mx, x.data()[i]);
    for (pt::index_t i = 0; i < rows * cols; ++i)
        sum += std::exp(static_cast<long double>(x.data()[i]) - mx);
    for (pt::index_t i = 0; i < rows * cols; ++i)
        CHECK(std::fabs(whole.data()[i] - static_cast<double>(x.data()[i] - mx - std::log(sum))) <= 1e-5);
    pt::tensor<T> t(pt::dims{rows, cols});
    const pt::view<const T> xt(x.data(), {cols, rows}, {1, cols}); // transposes, every axis listed
    pt::softmax_into(pt::view<T>(t.data(), {cols, rows}, {1, cols}), xt, {1, 0});
    for (pt::index_t i = 0; i < rows * cols; ++i)
        CHECK(ulps(t.data()[i], std::exp(x.data()[i] - mx) / sum) <= 16);
    const pt::view<const T> block(x.data(), {rows, cols / 2}, {cols, 2}); // not at one stride: would need a copy
    CHECK_THROWS_AS(pt::softmax(block, pt::all_axes), pt::argument_error);
    CHECK_THROWS_AS(pt::softmax(pt::tensor<T>(pt::dims{2, 3, 4}), {0, 2}), pt::argument_error);

    pt::tensor<T> y = pt::softmax(x, 0);
    pt::softmax_(x, 0);
    CHECK(std::equal(x.data(), x.data() + rows * cols, y.data()));
}

TEST_CASE("softmax: errors and special values")
{
    pt::tensor<float> x(pt::dims{2, 3}, {1, 2, std::numeric_limits<float>::quiet_NaN(), -INFINITY, 0, 0});
    CHECK_THROWS_AS(pt::softmax(x, 2), pt::axis_error);
    pt::tensor<float> wrong(pt::dims{3, 2});
    CHECK_THROWS_AS(pt::softmax_into(wrong, x), pt::shape_error);
    const auto s = pt::softmax(x);
    CHECK(std::isnan(s.data()[0])); // a NaN makes its slice NaN
    CHECK(s.data()[3] == 0.0f);     // -inf is a mask: exp gives 0
    CHECK(s.data()[4] == 0.5f);
}

TEST_CASE_TEMPLATE("softmax and log_softmax under masks and far-out values, every kernel: within 5 ULP, subnormal "
                   "results included",
                   T, float, double)
{
    // Each slice one case of hard_value, checked by check_softmax_slice. Slices of 300 as
    // rows (the row kernel) and down axis 0 (the strips, slices of different cases side by
    // side), and rows of 16 (the tile kernel).
    const pt::index_t count = 40;
    for (const auto& [n, axis] : {std::pair<pt::index_t, int>{300, -1}, {300, 0}, {16, -1}})
    {
        pt::tensor<T> x(axis == 0 ? pt::dims{n, count} : pt::dims{count, n});
        auto at = [&, n = n, axis = axis](pt::index_t i, pt::index_t j)
        { return axis == 0 ? j * count + i : i * n + j; };
        for (pt::index_t i = 0; i < count; ++i)
            for (pt::index_t j = 0; j < n; ++j)
                x.data()[at(i, j)] = static_cast<T>(hard_value<T>(i, j, n));
        const auto s = pt::softmax(x, axis), ls = pt::log_softmax(x, axis);
        pt::tensor<T> y = x, ly = x; // in place: the same bits
        pt::softmax_(y, axis);
        pt::log_softmax_(ly, axis);
        CHECK(std::equal(s.data(), s.data() + n * count, y.data()));
        CHECK(std::equal(ls.data(), ls.data() + n * count, ly.data()));
        for (pt::index_t i = 0; i < count; ++i)
        {
            INFO("n = ", n, ", axis ", axis, ", slice ", i);
            check_softmax_slice(x.data() + at(i, 0), s.data() + at(i, 0), ls.data() + at(i, 0), n, at(i, 1) - at(i, 0));
        }
    }
}

TEST_CASE_TEMPLATE("softmax and log_softmax of one long slice, split over the pool: within 5 ULP, the same bits on "
                   "any thread count, strided, in place",
                   T, float, double)
{
    // A slice that is the only one (a vector, all_axes) from softmax_split_from elements is
    // cut into pieces that the pool takes in three steps. Each case of hard_value as such
    // a slice, its length a whole number of neither pieces nor registers; on one thread
    // and on two, at stride 3, and in place.
    const pt::index_t n = 2 * pt::detail::softmax_split_from + 777;
    const std::size_t threads = pt::get_num_threads();
    for (pt::index_t i = 0; i < 7; ++i)
    {
        pt::tensor<T> x(pt::dims{n}), wide(pt::dims{3 * n});
        for (pt::index_t j = 0; j < n; ++j)
            wide.data()[3 * j] = x.data()[j] = static_cast<T>(hard_value<T>(i, j, n));
        pt::set_num_threads(1);
        const auto s = pt::softmax(x), ls = pt::log_softmax(x, pt::all_axes);
        pt::set_num_threads(2);
        const pt::view<const T> strided(wide.data(), {n}, {3});
        const auto s2 = pt::softmax(strided), ls2 = pt::log_softmax(x);
        pt::tensor<T> y = x, sy = x;
        pt::log_softmax_(y, pt::all_axes);
        pt::softmax_(sy);
        pt::set_num_threads(threads);
        CHECK(std::equal(s.data(), s.data() + n, s2.data()));
        CHECK(std::equal(ls.data(), ls.data() + n, ls2.data()));
        CHECK(std::equal(ls.data(), ls.data() + n, y.data()));
        CHECK(std::equal(s.data(), s.data() + n, sy.data()));
        INFO("case ", i);
        check_softmax_slice(x.data(), s.data(), ls.data(), n, 1);
    }
    pt::tensor<T> x(pt::dims{n});
    for (pt::index_t j = 0; j < n; ++j)
        x.data()[j] = static_cast<T>(std::sin(0.37 * static_cast<double>(j)));
    x.data()[n - 5] = std::numeric_limits<T>::quiet_NaN(); // in the last piece: every result NaN
    const auto s = pt::softmax(x), ls = pt::log_softmax(x);
    CHECK(std::all_of(s.data(), s.data() + n, [](T v) { return std::isnan(v); }));
    CHECK(std::all_of(ls.data(), ls.data() + n, [](T v) { return std::isnan(v); }));
    pt::softmax_(x);
    CHECK(std::all_of(x.data(), x.data() + n, [](T v) { return std::isnan(v); }));
}

TEST_CASE_TEMPLATE("softmax along axis 0: strips of masked, ordinary and large slices in turn, each guess right or "
                   "retaken",
                   T, float, double)
{
    // Blocks of 64 columns (a strip of 4 registers or several narrower ones on every ISA),
    // each one case: a causal mask (the next strip's first pass guesses `unshifted`), values
    // within +-64 (that guess is right there too), the mask again, then a large maximum (the
    // guess is wrong: the strip takes its exponentials again, shifted) and the mask once more
    // after it. On one thread (the strips then start at the blocks) and on two. The last
    // block is 41 columns: into out, the last strip overlaps the one before (the large
    // values and the mask in one strip); in place, narrower strips take them. The same
    // bits either way.
    const pt::index_t rows = 300, blocks = 5, cols = 64 * blocks - 23;
    pt::tensor<T> x(pt::dims{rows, cols});
    for (pt::index_t i = 0; i < rows; ++i)
        for (pt::index_t j = 0; j < cols; ++j)
        {
            const double v = std::sin(0.37 * static_cast<double>(i * cols + j)) * 3;
            const pt::index_t kind = j / 64;
            const bool masked = i > (7 * j + 3) % rows;
            x.data()[i * cols + j] = static_cast<T>(kind == 1 ? v : kind == 3 ? v * 40 + 150 : masked ? -1e9 : v + 3);
        }
    const std::size_t threads = pt::get_num_threads();
    pt::set_num_threads(1);
    const auto s1 = pt::softmax(x, 0);
    pt::tensor<T> y = x, ly = x;
    pt::softmax_(y, 0);
    pt::log_softmax_(ly, 0);
    const auto l1 = pt::log_softmax(x, 0);
    CHECK(std::equal(l1.data(), l1.data() + rows * cols, ly.data()));
    pt::set_num_threads(2);
    const auto s2 = pt::softmax(x, 0);
    pt::set_num_threads(threads);
    CHECK(std::equal(s1.data(), s1.data() + rows * cols, s2.data()));
    CHECK(std::equal(s1.data(), s1.data() + rows * cols, y.data()));
    const auto& s = s1;
    for (pt::index_t j = 0; j < cols; ++j)
    {
        long double mx = -INFINITY, sum = 0;
        for (pt::index_t i = 0; i < rows; ++i)
            mx = std::max<long double>(mx, x.data()[i * cols + j]);
        for (pt::index_t i = 0; i < rows; ++i)
            sum += std::exp(static_cast<long double>(x.data()[i * cols + j]) - mx);
        for (pt::index_t i = 0; i < rows; ++i)
        {
            const T xv = x.data()[i * cols + j];
            INFO("column ", j, ", row ", i, ", x = ", xv);
            CHECK(ulps(s.data()[i * cols + j], std::exp(static_cast<long double>(xv) - mx) / sum) <= 5);
        }
    }
}

TEST_CASE("softmax's last multiply and its corrected exponentials below the normal range: the bits of a multiply "
          "and of an fma")
{
    // float32 lanes whose product v * f, or e (1 + err), lies below the normal range are
    // rounded from whole numbers (kernels::detail::below_normal), where an Intel core would
    // take a microcode assist; they must give the bits the instruction gives, beside lanes
    // that multiply as usual, zeros, NaN and infinities.
    using B = xsimd::batch<float, pt::simd::default_arch>;
    namespace kd = pt::kernels::detail;
    constexpr std::size_t W = B::size;
    std::mt19937 g(5);
    std::uniform_int_distribution<std::uint32_t> sub_bits(1, (1u << 23) - 1);
    std::uniform_real_distribution<float> unit(0, 1);
    auto bits = [](float v)
    {
        std::uint32_t b;
        std::memcpy(&b, &v, sizeof b);
        return b;
    };
    auto from_bits = [](std::uint32_t b)
    {
        float v;
        std::memcpy(&v, &b, sizeof v);
        return v;
    };
    auto same = [&](float got, float want) { return bits(got) == bits(want) || (std::isnan(got) && std::isnan(want)); };
    alignas(64) float v[W], out[W];
    // (a NaN f, the sum of a slice with a NaN, gives NaN whatever v, even a negative one:
    // such a slice's exponentials may be garbage)
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (const float f : {1.0f, 0.99993f, 0.5f, 0.3f, 1e-3f, 1e-10f, 1e-28f, 1.5f, 3.0f, 1e6f, nan})
    {
        const kd::normaliser<B> scale(B(f), true);
        for (int r = 0; r < 4000; ++r)
        {
            for (std::size_t i = 0; i < W; ++i)
            {
                const std::uint32_t kind = g() % 8;
                v[i] = f != f && i % 2 ? -from_bits(sub_bits(g) << (g() % 8))
                       : kind < 3      ? from_bits(sub_bits(g))                                     // subnormal
                       : kind < 6      ? std::ldexp(1 + unit(g), -126 + static_cast<int>(g() % 40)) // normal, small
                       : kind == 6     ? unit(g)
                                       : std::array<float, 4>{0.0f, std::numeric_limits<float>::quiet_NaN(),
                                                              std::numeric_limits<float>::infinity(), 1.0f}[g() % 4];
            }
            scale(B::load_aligned(v)).store_aligned(out);
            for (std::size_t i = 0; i < W; ++i)
            {
                INFO("v = ", v[i], ", f = ", f);
                CHECK(same(out[i], v[i] * f));
            }
        }
    }
    // exp_shifted's `corrected` form: x - m rounded, its error err, e (1 + err) by fma;
    // its e is `plain`'s exp(x - m).
    alignas(64) float x[W], m[W], e[W];
    std::uniform_real_distribution<float> below(-110, 0), top(64.5f, 200.0f);
    for (int r = 0; r < 20000; ++r)
    {
        for (std::size_t i = 0; i < W; ++i)
        {
            m[i] = top(g);
            x[i] = m[i] + below(g);
        }
        const B xb = B::load_aligned(x), mb = B::load_aligned(m);
        kd::exp_shifted<kd::shift::corrected>(xb, mb).store_aligned(out);
        kd::exp_shifted<kd::shift::plain>(xb, mb).store_aligned(e);
        for (std::size_t i = 0; i < W; ++i)
        {
            const float d = x[i] - m[i], bb = d - x[i], err = std::max((x[i] - (d - bb)) - (m[i] + bb), -1.0f);
            const float want =
                pt::simd::has_fma<pt::simd::default_arch>() ? std::fma(e[i], err, e[i]) : e[i] * err + e[i];
            INFO("x = ", x[i], ", m = ", m[i]);
            CHECK(same(out[i], want));
        }
    }
}

TEST_CASE_TEMPLATE("softmax along axis 0: far-out strips first, last and between ordinary ones, a NaN beside values "
                   "far below",
                   T, float, double)
{
    // A strip's first pass guesses that its slices lie within [-64, 64] (the first strip's
    // guess raises x to -87 so as to take no microcode assist far below), unless the strip
    // before reached beyond: then it finds its bounds first. Blocks of 64 columns, each a
    // whole number of strips on every ISA: far out (+-1000), ordinary with a NaN beside a
    // value of -200 (NaN must not be lost to the raise), spread into the subnormals (20
    // sigma, shifted by up to 160, one column NaN after 109), ordinary, far out again. Within 5 ULP of the formula
    // (NaN columns NaN), each block the bits of its columns taken alone.
    const pt::index_t rows = 200, cols = 5 * 64;
    pt::tensor<T> x(pt::dims{rows, cols});
    for (pt::index_t i = 0; i < rows; ++i)
        for (pt::index_t j = 0; j < cols; ++j)
        {
            const double v = std::sin(0.37 * static_cast<double>(i * cols + j)) * 3;
            const double w = std::sin(1.7 * static_cast<double>(i * cols + j) + 0.3);
            const pt::index_t kind = j / 64;
            x.data()[i * cols + j] = static_cast<T>(kind == 0 || kind == 4 ? 1000 * w : kind == 2 ? 60 * w + j : v);
        }
    x.data()[7 * cols + 64 + 5] = -200;
    x.data()[9 * cols + 64 + 5] = std::numeric_limits<T>::quiet_NaN();
    x.data()[0 * cols + 5] = std::numeric_limits<T>::quiet_NaN();
    // a value beyond 88 before a NaN, which the running maximum then drops: the slice's
    // bounds say within [-64, 64] (the other values are), its exponentials overflow (AVX2's
    // into garbage) in a strip whose results are checked for the subnormal range, and
    // every result must still be NaN
    for (pt::index_t i = 0; i < rows; ++i)
        x.data()[i * cols + 128 + 5] = static_cast<T>(std::sin(0.37 * static_cast<double>(i)) * 3);
    x.data()[2 * cols + 128 + 5] = 109;
    x.data()[9 * cols + 128 + 5] = std::numeric_limits<T>::quiet_NaN();
    const auto s = pt::softmax(x, 0), ls = pt::log_softmax(x, 0);
    for (pt::index_t b = 0; b < 5; ++b)
    {
        pt::tensor<T> part(pt::dims{rows, 64});
        for (pt::index_t i = 0; i < rows; ++i)
            std::copy(x.data() + i * cols + b * 64, x.data() + i * cols + b * 64 + 64, part.data() + i * 64);
        const auto alone = pt::softmax(part, 0);
        for (pt::index_t i = 0; i < rows; ++i)
        {
            INFO("block ", b, ", row ", i);
            const T* a = alone.data() + i * 64;
            const T* w = s.data() + i * cols + b * 64;
            CHECK(std::equal(a, a + 64, w, [](T p, T q) { return p == q || (std::isnan(p) && std::isnan(q)); }));
        }
    }
    for (pt::index_t j = 0; j < cols; ++j)
    {
        INFO("column ", j);
        if (j == 5 || j == 64 + 5 || j == 128 + 5)
        {
            for (pt::index_t i = 0; i < rows; ++i)
                CHECK((std::isnan(s.data()[i * cols + j]) && std::isnan(ls.data()[i * cols + j])));
            continue;
        }
        check_softmax_slice(x.data() + j, s.data() + j, ls.data() + j, rows, cols);
    }
}
