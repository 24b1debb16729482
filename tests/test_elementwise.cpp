#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <type_traits>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <pyperf_tensor/ops/elementwise.hpp>

using namespace pyperf_tensor;

namespace
{
    template <class T>
    using wrap_t = kernels::detail::arith_t<T>;

    // Reference: a plain scalar loop over the broadcast index space.
    template <class T, std::size_t N, class F>
    tensor<T> reference(const std::array<view<const T>, N>& in, F f, dims shape = {})
    {
        for (const auto& v : in)
            shape = broadcast_shapes(shape, v.shape());
        auto out = tensor<T>::uninitialized(shape);
        std::array<dims, N> strides;
        for (std::size_t k = 0; k < N; ++k)
            strides[k] = detail::broadcast_strides(in[k], shape);
        const dims cs = c_strides(shape);
        for (index_t flat = 0; flat < out.size(); ++flat)
        {
            std::array<T, N> args;
            for (std::size_t k = 0; k < N; ++k)
            {
                index_t off = 0;
                for (std::size_t d = 0; d < shape.size(); ++d)
                    off += (flat / cs[d]) % shape[d] * strides[k][d];
                args[k] = in[k].data()[off];
            }
            out.data()[flat] = std::apply(f, args);
        }
        return out;
    }

    template <class T>
    tensor<T> iota_tensor(const dims& shape, T start = T(1))
    {
        auto t = tensor<T>::uninitialized(shape);
        for (index_t i = 0; i < t.size(); ++i)
            t.data()[i] = static_cast<T>(start + static_cast<T>(i % 97) - static_cast<T>(40));
        return t;
    }

    template <class T>
    bool same(T a, T b)
    {
        if constexpr (std::is_floating_point<T>::value)
            return (std::isnan(a) && std::isnan(b)) || a == b;
        else
            return a == b;
    }

    // |got - want| <= n ULP of want (exact for infinities and NaN).
    template <class T>
    bool ulp_close(T got, T want, int n)
    {
        if (!std::isfinite(want))
            return same(got, want);
        const T ulp = std::nextafter(std::abs(want), std::numeric_limits<T>::infinity()) - std::abs(want);
        return std::abs(got - want) <= n * ulp;
    }

    // Equal, or within `ulps` ULP when given.
    template <class T>
    void check_equal(const tensor<T>& got, const tensor<T>& want, int ulps = 0)
    {
        REQUIRE(got.shape() == want.shape());
        for (index_t i = 0; i < got.size(); ++i)
        {
            if constexpr (std::is_floating_point<T>::value)
                if (ulps > 0)
                {
                    REQUIRE(ulp_close(got.data()[i], want.data()[i], ulps));
                    continue;
                }
            REQUIRE(same(got.data()[i], want.data()[i]));
        }
    }

    // Inputs of every layout the kernels distinguish, all of shape (rows, cols) once broadcast.
    template <class T>
    struct layouts
    {
        static constexpr index_t rows = 37, cols = 53;
        tensor<T> base = iota_tensor<T>(dims{2 * rows * cols + 7});
        view<const T> contiguous{base.data(), dims{rows, cols}};
        view<const T> transposed{base.data() + 3, dims{rows, cols}, dims{1, rows}};
        view<const T> stepped{base.data() + 1, dims{rows, cols}, dims{2 * cols, 2}};
        view<const T> reversed{base.data() + rows * cols - 1, dims{rows, cols}, dims{-cols, -1}};
        view<const T> row{base.data() + 5, dims{cols}};
        view<const T> column{base.data() + 9, dims{rows, 1}};
        std::vector<view<const T>> all() const { return {contiguous, transposed, stepped, reversed, row, column}; }
    };

    // A 2-d view's values in a contiguous tensor, copied element by element (not by the
    // kernels under test).
    template <class T>
    tensor<T> contiguous_copy(const view<const T>& v)
    {
        tensor<T> t(v.shape());
        for (index_t i = 0; i < v.shape()[0]; ++i)
            for (index_t j = 0; j < v.shape()[1]; ++j)
                t(i, j) = v(i, j);
        return t;
    }
} // namespace

TEST_CASE("tests run the ISA this executable was built for")
{
    CHECK(std::string(simd::isa_name<simd::default_arch>()) == PYPERF_TENSOR_TEST_ISA);
}

namespace
{
    // Every index once, as a full register, a partial one (Parts) or a scalar, each value
    // stored where it was computed: for every length and start alignment, both forms.
    template <bool Parts>
    void check_for_each_lane()
    {
        using B = xsimd::batch<float, simd::default_arch>;
        constexpr index_t W = B::size;
        std::vector<float> buf(8 * W + 64);
        for (index_t off = 0; off < W; ++off)
            for (index_t n = 0; n <= 5 * W + 3; ++n)
            {
                float* out = buf.data() + off;
                std::vector<int> seen(static_cast<std::size_t>(n), 0);
                std::fill(buf.begin(), buf.end(), -1.0f);
                auto lanes = [](auto tag) -> index_t
                {
                    using V = typename decltype(tag)::type;
                    if constexpr (simd::is_part<decltype(tag)>::value)
                        return tag.k;
                    else
                        return std::is_arithmetic<V>::value ? 1 : W;
                };
                simd::for_each_lane<simd::default_arch, Parts>(
                    n, out,
                    [&](index_t i, auto tag)
                    {
                        using V = typename decltype(tag)::type;
                        for (index_t j = 0; j < lanes(tag); ++j)
                            ++seen[static_cast<std::size_t>(i + j)];
                        if constexpr (std::is_arithmetic<V>::value)
                            return V(i);
                        else
                            return V(float(i)) + simd::iota<V>();
                    },
                    [&](index_t i, auto tag, auto v)
                    {
                        if constexpr (simd::is_part<decltype(tag)>::value)
                            simd::store_part(out + i, 1, tag.k, v);
                        else
                            simd::store(out + i, v);
                    });
                for (index_t i = 0; i < n; ++i)
                {
                    REQUIRE(seen[static_cast<std::size_t>(i)] == 1);
                    REQUIRE(out[i] == float(i));
                }
                REQUIRE(out[n] == -1.0f); // nothing written outside [0, n)
                if (off > 0)
                    REQUIRE(out[-1] == -1.0f);
                std::fill(seen.begin(), seen.end(), 0);
                simd::for_each_lane<simd::default_arch, Parts>(n, out,
                                                               [&](index_t i, auto tag)
                                                               {
                                                                   for (index_t j = 0; j < lanes(tag); ++j)
                                                                       ++seen[static_cast<std::size_t>(i + j)];
                                                               });
                for (index_t i = 0; i < n; ++i)
                    REQUIRE(seen[static_cast<std::size_t>(i)] == 1);
            }
    }
} // namespace

TEST_CASE("loop skeleton: every index once, values stored where computed")
{
    check_for_each_lane<false>();
    check_for_each_lane<true>();
}

TEST_CASE_TEMPLATE("in-register transpose", T, float, double, std::int32_t, std::int64_t)
{
    using B = xsimd::batch<T, simd::default_arch>;
    constexpr std::size_t W = B::size;
    if constexpr (simd::has_transpose<simd::default_arch, T>())
    {
        std::vector<T> data(W * W);
        std::iota(data.begin(), data.end(), T(0));
        B rows[W];
        for (std::size_t i = 0; i < W; ++i)
            rows[i] = B::load_unaligned(data.data() + i * W);
        simd::transpose<simd::default_arch>(rows);
        for (std::size_t i = 0; i < W; ++i)
        {
            rows[i].store_unaligned(data.data() + i * W);
            for (std::size_t j = 0; j < W; ++j)
                REQUIRE(data[i * W + j] == static_cast<T>(j * W + i));
        }
        // Transposed as loaded (on AVX-512, 32-bit lanes come in 256-bit halves), from
        // rows at any offset and a pitch that moves each row's offset.
        for (const std::size_t pitch : {W, W + 3, 4 * W + 8})
            for (std::size_t off = 0; off < W; ++off)
            {
                std::vector<T> src(off + W * pitch);
                std::iota(src.begin(), src.end(), T(1));
                simd::load_transposed<simd::default_arch>(rows, src.data() + off, static_cast<std::ptrdiff_t>(pitch));
                for (std::size_t i = 0; i < W; ++i)
                {
                    rows[i].store_unaligned(data.data());
                    for (std::size_t j = 0; j < W; ++j)
                        REQUIRE(data[j] == src[off + j * pitch + i]);
                }
            }
    }
}

TEST_CASE_TEMPLATE("kernel: every length and alignment, contiguous and broadcast, both store modes", T, float, double,
                   std::int32_t, std::int64_t)
{
    const auto kernel = &kernels::elementwise<simd::default_arch, kernels::add_op, T>;
    std::vector<T> a(300), b(300), out(300);
    std::iota(a.begin(), a.end(), T(1));
    std::iota(b.begin(), b.end(), T(100));
    for (auto mode : {kernels::store_mode::normal, kernels::store_mode::stream})
        for (index_t offset = 0; offset < 8; ++offset)
            for (index_t n = 0; n < 200; n += (n < 70 ? 1 : 13))
                for (index_t sb : {0, 1, 3})
                {
                    std::fill(out.begin(), out.end(), T(-1));
                    kernels::block<T, 2> blk{
                        {a.data() + offset, b.data()}, {1, sb}, {0, 0}, out.data() + offset, 1, 0, n, 1};
                    kernel(blk, mode);
                    for (index_t i = 0; i < n / (sb ? sb : 1); ++i)
                        REQUIRE(out[offset + i] == a[offset + i] + b[i * sb]);
                    REQUIRE(out[offset + n] == T(-1)); // nothing written past the end
                }
}

TEST_CASE_TEMPLATE("kernel: reversed rows, every length and alignment, both store modes", T, float, double,
                   std::int32_t, std::int64_t)
{
    // One reversed array input with scalars beside it is walked from the row's end when
    // streamed (the mirrored walk), else read backward; with a contiguous partner, strided.
    const auto add = &kernels::elementwise<simd::default_arch, kernels::add_op, T>;
    std::vector<T> a(300), b(300), out(300), want(300);
    std::iota(a.begin(), a.end(), T(1));
    std::iota(b.begin(), b.end(), T(100));
    for (auto mode : {kernels::store_mode::normal, kernels::store_mode::stream})
        for (index_t offset = 0; offset < 8; ++offset)
            for (index_t n = 0; n < 200; n += (n < 70 ? 1 : 13))
                for (index_t sb : {0, 1})
                {
                    INFO("mode ", int(mode), ", offset ", offset, ", n ", n, ", b stride ", sb);
                    std::fill(out.begin(), out.end(), T(-1));
                    const T* last = a.data() + 5 + n - 1; // a[5 + n - 1 - i] for element i
                    kernels::block<T, 2> blk{{last, b.data()}, {-1, sb}, {0, 0}, out.data() + offset, 1, 0, n, 1};
                    add(blk, mode);
                    for (index_t i = 0; i < n; ++i)
                        REQUIRE(out[offset + i] == T(last[-i] + b[i * sb]));
                    REQUIRE(out[offset + n] == T(-1)); // nothing written past the end
                    if (offset > 0)
                        REQUIRE(out[offset - 1] == T(-1)); // nor before the start
                }
    if constexpr (std::is_floating_point<T>::value)
    {
        // An approximate op: the same bits as on the contiguous copy.
        const auto exp = &kernels::elementwise<simd::default_arch, kernels::exp_op, T>;
        std::vector<T> x(300), forward(300);
        for (std::size_t i = 0; i < x.size(); ++i)
            x[i] = T(-90) + T(0.77) * static_cast<T>(i);
        for (auto mode : {kernels::store_mode::normal, kernels::store_mode::stream})
            for (index_t offset = 0; offset < 8; ++offset)
                for (index_t n = 0; n < 200; n += (n < 70 ? 1 : 13))
                {
                    INFO("exp, mode ", int(mode), ", offset ", offset, ", n ", n);
                    const T* last = x.data() + 3 + n - 1;
                    for (index_t i = 0; i < n; ++i)
                        forward[i] = last[-i];
                    kernels::block<T, 1> fw{{forward.data()}, {1}, {0}, want.data(), 1, 0, n, 1};
                    exp(fw, kernels::store_mode::normal);
                    std::fill(out.begin(), out.end(), T(-1));
                    kernels::block<T, 1> rv{{last}, {-1}, {0}, out.data() + offset, 1, 0, n, 1};
                    exp(rv, mode);
                    for (index_t i = 0; i < n; ++i)
                        REQUIRE(same(out[offset + i], want[i]));
                    REQUIRE(out[offset + n] == T(-1));
                }
    }
}

TEST_CASE_TEMPLATE("kernel: rows of one array at stride 2, every length and alignment, both store modes", T, float,
                   double, std::int32_t, std::int64_t)
{
    // One array input at stride 2 with scalars beside it: clip's rows have a walk of their
    // own (even); add's, with a scalar or a contiguous partner, are strided.
    const auto add = &kernels::elementwise<simd::default_arch, kernels::add_op, T>;
    const auto clip = &kernels::elementwise<simd::default_arch, kernels::clip_op, T>;
    std::vector<T> a(500), b(300), out(300);
    std::iota(a.begin(), a.end(), T(1));
    std::iota(b.begin(), b.end(), T(100));
    const T lo = T(40), hi = T(250);
    for (auto mode : {kernels::store_mode::normal, kernels::store_mode::stream})
        for (index_t offset = 0; offset < 8; ++offset)
            for (index_t n = 0; n < 200; n += (n < 70 ? 1 : 13))
            {
                const T* first = a.data() + offset % 3; // a[first + 2 i] for element i
                for (index_t sb : {0, 1})
                {
                    INFO("add, mode ", int(mode), ", offset ", offset, ", n ", n, ", b stride ", sb);
                    std::fill(out.begin(), out.end(), T(-1));
                    kernels::block<T, 2> blk{{first, b.data()}, {2, sb}, {0, 0}, out.data() + offset, 1, 0, n, 1};
                    add(blk, mode);
                    for (index_t i = 0; i < n; ++i)
                        REQUIRE(out[offset + i] == T(first[2 * i] + b[i * sb]));
                    REQUIRE(out[offset + n] == T(-1)); // nothing written past the end
                    if (offset > 0)
                        REQUIRE(out[offset - 1] == T(-1)); // nor before the start
                }
                INFO("clip, mode ", int(mode), ", offset ", offset, ", n ", n);
                std::fill(out.begin(), out.end(), T(-1));
                kernels::block<T, 3> blk{{first, &lo, &hi}, {2, 0, 0}, {0, 0, 0}, out.data() + offset, 1, 0, n, 1};
                clip(blk, mode);
                for (index_t i = 0; i < n; ++i)
                    REQUIRE(out[offset + i] == std::min(std::max(first[2 * i], lo), hi));
                REQUIRE(out[offset + n] == T(-1));
                if (offset > 0)
                    REQUIRE(out[offset - 1] == T(-1));
            }
}

TEST_CASE_TEMPLATE("partial registers of strided runs: every length, the other lanes filled", T, float, double,
                   std::int32_t, std::int64_t)
{
    using B = xsimd::batch<T, simd::default_arch>;
    constexpr index_t W = static_cast<index_t>(B::size);
    std::vector<T> data(4 * W);
    std::iota(data.begin(), data.end(), T(1));
    for (index_t s : {1, -1, 2, 3, -2})
        for (index_t k = 1; k < W; ++k)
        {
            // The run ends at the buffer's edge, so a load past it would read outside.
            const T* p = s > 0 ? data.data() + 4 * W - 1 - (k - 1) * s : data.data() + (k - 1) * -s;
            alignas(64) T lanes[W];
            simd::load_part<B>(p, s, k, T(-7)).store_aligned(lanes);
            for (index_t i = 0; i < W; ++i)
                REQUIRE(lanes[i] == (i < k ? p[i * s] : T(-7)));
        }
}

TEST_CASE_TEMPLATE("strided rows of an approximate op: heads and tails are partial registers, same bits", T, float,
                   double)
{
    const auto kernel = &kernels::elementwise<simd::default_arch, kernels::exp_op, T>;
    std::vector<T> a(700), packed(200), want(216), out(216);
    for (std::size_t i = 0; i < a.size(); ++i)
        a[i] = static_cast<T>(std::sin(0.37 * static_cast<double>(i)) * 20);
    for (index_t s : {-1, 2, 3})
        for (index_t offset = 0; offset < 9; ++offset)
            for (index_t n = 1; n < 200; n += (n < 40 ? 1 : 11))
            {
                const T* first = s < 0 ? a.data() + 650 : a.data() + 3;
                for (index_t i = 0; i < n; ++i)
                    packed[i] = first[i * s];
                kernels::block<T, 1> contiguous{{packed.data()}, {1}, {0}, want.data() + offset, 1, 0, n, 1};
                kernel(contiguous, kernels::store_mode::normal);
                std::fill(out.begin(), out.end(), T(-1));
                kernels::block<T, 1> strided{{first}, {s}, {0}, out.data() + offset, 1, 0, n, 1};
                kernel(strided, kernels::store_mode::normal);
                for (index_t i = 0; i < n; ++i)
                    REQUIRE(same(out[offset + i], want[offset + i]));
                REQUIRE(out[offset + n] == T(-1));
            }
}

TEST_CASE_TEMPLATE("every op on every layout matches a scalar loop", T, float, double, std::int32_t, std::int64_t)
{
    const layouts<T> in;
    tensor<T> out(dims{in.rows, in.cols});
    auto check_unary = [&](auto op, auto f)
    {
        using Op = decltype(op);
        if constexpr (Op::template supports<T>)
            for (const auto& x : in.all())
            {
                if (x.shape() != out.shape())
                    continue;
                apply_into<Op>(out, x);
                check_equal(out, reference<T, 1>({x}, f, out.shape()));
            }
    };
    auto check_binary = [&](auto op, auto f, int ulps = 0)
    {
        using Op = decltype(op);
        if constexpr (Op::template supports<T>)
            for (const auto& x : in.all())
                for (const auto& y : in.all())
                {
                    if (broadcast_shapes(x.shape(), y.shape()) != out.shape())
                        continue;
                    apply_into<Op>(out, x, y);
                    check_equal(out, reference<T, 2>({x, y}, f, out.shape()), ulps);
                }
    };
    auto check_ternary = [&](auto op, auto f)
    {
        using Op = decltype(op);
        if constexpr (Op::template supports<T>)
            for (const auto& x : in.all())
                for (const auto& y : in.all())
                {
                    apply_into<Op>(out, in.transposed, x, y);
                    check_equal(out, reference<T, 3>({in.transposed, x, y}, f, out.shape()));
                }
    };
    using U = wrap_t<T>;
    check_binary(kernels::add_op{}, [](T a, T b) { return T(U(a) + U(b)); });
    check_binary(kernels::sub_op{}, [](T a, T b) { return T(U(a) - U(b)); });
    check_binary(kernels::mul_op{}, [](T a, T b) { return T(U(a) * U(b)); });
    check_binary(kernels::div_op{}, [](T a, T b) { return a / b; });
    check_binary(kernels::maximum_op{}, [](T a, T b) { return a >= b ? a : b; });
    check_binary(kernels::minimum_op{}, [](T a, T b) { return a <= b ? a : b; });
    // pow is within 1 ULP of libm's (both nearly always correctly rounded).
    check_binary(kernels::pow_op{}, [](T a, T b) { return static_cast<T>(std::pow(a, b)); }, 1);
    check_unary(kernels::neg_op{}, [](T a) { return T(U(0) - U(a)); });
    check_unary(kernels::abs_op{}, [](T a) { return a < 0 ? T(U(0) - U(a)) : a; });
    check_unary(kernels::sqrt_op{}, [](T a) { return static_cast<T>(std::sqrt(a)); });
    check_unary(kernels::square_op{}, [](T a) { return T(U(a) * U(a)); });
    check_unary(kernels::reciprocal_op{}, [](T a) { return T(1) / a; });
    check_ternary(kernels::clip_op{}, [](T x, T lo, T hi) { return std::min(std::max(x, lo), hi); });
    if constexpr (std::is_floating_point<T>::value)
    {
        // Exact where the ISA has FMA; a*b+c rounded twice with SSE2.
        if (simd::has_fma<simd::default_arch>())
            check_ternary(kernels::fma_op{}, [](T a, T b, T c) { return std::fma(a, b, c); });
        else
            check_ternary(kernels::fma_op{}, [](T a, T b, T c) { return a * b + c; });
    }
}

TEST_CASE_TEMPLATE("transposed inputs into outputs off register alignment", T, float, double)
{
    // The band path's first chunk ends where the output's registers are aligned; the
    // direct tile paths write partial tiles at the row ends. Every offset, a pitch that
    // keeps the rows' offsets equal and one that does not.
    constexpr auto W = static_cast<index_t>(xsimd::batch<T, simd::default_arch>::size);
    const layouts<T> in;
    const tensor<T> y = iota_tensor<T>(dims{in.rows, in.cols}, T(7));
    for (const index_t pitch : {in.cols + 2 * W - in.cols % W, in.cols + 3})
        for (index_t off = 0; off < W; ++off)
        {
            tensor<T> buffer(dims{in.rows * pitch + W});
            const view<T> out(buffer.data() + off, dims{in.rows, in.cols}, dims{pitch, 1});
            auto each = [&](auto f)
            {
                for (index_t i = 0; i < in.rows; ++i)
                    for (index_t j = 0; j < in.cols; ++j)
                        REQUIRE(same(out(i, j), f(i, j)));
            };
            INFO("pitch ", pitch, ", output offset ", off);
            neg_into(out, in.transposed);
            each([&](index_t i, index_t j) { return T(-in.transposed(i, j)); });
            add_into(out, in.transposed, y);
            each([&](index_t i, index_t j) { return T(in.transposed(i, j) + y(i, j)); });
            const tensor<T> e = exp(contiguous_copy(in.transposed));
            exp_into(out, in.transposed);
            each([&](index_t i, index_t j) { return e(i, j); });
            // Approximate ops run once per register of each tile (a loop, not W copies),
            // on one tile while the next is transposed; the transposed input is either
            // operand of pow.
            const tensor<T> l = log(contiguous_copy(in.transposed));
            log_into(out, in.transposed);
            each([&](index_t i, index_t j) { return l(i, j); });
            const tensor<T> p = pow(T(1.03), contiguous_copy(in.transposed));
            pow_into(out, T(1.03), in.transposed);
            each([&](index_t i, index_t j) { return p(i, j); });
            const tensor<T> q = pow(contiguous_copy(in.transposed), T(1.5));
            pow_into(out, in.transposed, T(1.5));
            each([&](index_t i, index_t j) { return q(i, j); });
            const tensor<T> u = pow(contiguous_copy(in.transposed), y); // beside rows of y
            pow_into(out, in.transposed, y);
            each([&](index_t i, index_t j) { return u(i, j); });
        }
}

TEST_CASE_TEMPLATE("pow with one whole exponent: the same bits in every walk", T, float, double)
{
    // Transposed tiles, reversed and strided rows and strided outputs take the shortcut that
    // contiguous rows take (simd::powi). The general pow misrounds about one result in a
    // thousand here; powi's differ from it in those, so a walk that fell back to it fails.
    const index_t rows = 203, cols = 151;
    tensor<T> x(dims{rows, cols});
    std::uint64_t state = 99;
    for (index_t i = 0; i < x.size(); ++i)
    {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        x.data()[i] = static_cast<T>(0.5 + static_cast<double>(state >> 11) * 0x1p-53);
    }
    const view<const T> xt(x.data(), dims{cols, rows}, dims{1, cols});
    const view<const T> reversed(x.data() + cols - 1, dims{rows, cols}, dims{cols, -1});
    for (const T e : {T(3), T(-3), T(7)})
    {
        INFO("exponent ", e);
        const tensor<T> want_t = pow(contiguous_copy(xt), e), want_r = pow(contiguous_copy(reversed), e);
        check_equal(pow(xt, e), want_t);
        check_equal(pow(reversed, e), want_r);
        tensor<T> wide(dims{cols, 2 * rows});
        pow_into(view<T>(wide.data(), dims{cols, rows}, dims{2 * rows, 2}), xt, e); // a strided output
        for (index_t i = 0; i < cols; ++i)
            for (index_t j = 0; j < rows; ++j)
                REQUIRE(wide.data()[i * 2 * rows + 2 * j] == want_t.data()[i * rows + j]);
    }
}

TEST_CASE_TEMPLATE("transposed inputs from beyond L2: prefetched bands of two tiles", T, float, double)
{
    // An input spanning more than 1 MiB has its tiles' lines (and the other inputs' rows)
    // asked for ahead. 611 columns spread 2W rows over distinct sets (bands of two tiles)
    // and leave a narrow last tile column; 531 rows a partial last band. One thread walks
    // every band, two split them.
    const index_t rows = 531, cols = 611;
    const tensor<T> base = iota_tensor<T>(dims{rows * cols + 5});
    const view<const T> xt(base.data() + 5, dims{rows, cols}, dims{1, rows});
    const tensor<T> x = contiguous_copy(xt), y = iota_tensor<T>(dims{rows, cols}, T(3));
    tensor<T> e(dims{rows, cols}); // exponents in [0, 1.5]: finite powers of x
    for (index_t i = 0; i < e.size(); ++i)
        e.data()[i] = T(i % 7) / 4;
    const std::size_t saved = get_num_threads();
    for (const std::size_t threads : {1, 2})
    {
        set_num_threads(threads);
        INFO(threads, " threads");
        tensor<T> got(dims{rows, cols});
        neg_into(got, xt);
        check_equal(got, neg(x));
        add_into(got, xt, y);
        check_equal(got, add(x, y));
        fma_into(got, xt, y, x);
        check_equal(got, fma(x, y, x));
        log_into(got, xt);
        check_equal(got, log(x));
        pow_into(got, xt, e);
        check_equal(got, pow(x, e));
    }
    set_num_threads(saved);
}

TEST_CASE_TEMPLATE("exp and log are accurate, subnormals included", T, float, double)
{
    // Values chosen across the ranges, including where xsimd 8.1 alone goes wrong.
    std::vector<T> xs;
    for (T x = -20; x < 20; x += T(0.37))
        xs.push_back(x);
    for (T x : {T(-87.5), T(-89.4), T(-100), T(-103), T(-700), T(-710), T(-740), T(85), T(88.7), T(700)})
        xs.push_back(x);
    tensor<T> x(dims{static_cast<index_t>(xs.size())});
    std::copy(xs.begin(), xs.end(), x.data());
    const auto e = exp(x);
    for (index_t i = 0; i < x.size(); ++i)
    {
        INFO("exp(", x.data()[i], ")");
        REQUIRE(ulp_close(e.data()[i], static_cast<T>(std::exp(x.data()[i])), 3));
    }
    std::vector<T> ys{
        std::numeric_limits<T>::denorm_min(), std::numeric_limits<T>::min() / 3, T(1e-30), T(0.5), T(1), T(2), T(1e30),
        std::numeric_limits<T>::max()};
    tensor<T> y(dims{static_cast<index_t>(ys.size())});
    std::copy(ys.begin(), ys.end(), y.data());
    const auto l = log(y);
    for (index_t i = 0; i < y.size(); ++i)
    {
        INFO("log(", y.data()[i], ")");
        REQUIRE(ulp_close(l.data()[i], static_cast<T>(std::log(y.data()[i])), 3));
    }
}

TEST_CASE_TEMPLATE("exp's overflowing, underflowing and subnormal lanes: within 1 ULP, in SIMD, beside unchanged lanes",
                   T, float, double)
{
    // A sweep from below the underflow to zero to above the overflow, and +-inf and NaN.
    const T lo = std::log(std::numeric_limits<T>::denorm_min()) - 2, hi = std::log(std::numeric_limits<T>::max()) + 2;
    const index_t n = 20011;
    tensor<T> x(dims{n + 3});
    for (index_t i = 0; i < n; ++i)
        x.data()[i] = lo + (hi - lo) * static_cast<T>(i) / static_cast<T>(n - 1);
    x.data()[n] = std::numeric_limits<T>::infinity();
    x.data()[n + 1] = -std::numeric_limits<T>::infinity();
    x.data()[n + 2] = std::numeric_limits<T>::quiet_NaN();
    const auto e = exp(x);
    for (index_t i = 0; i < x.size(); ++i)
    {
        const T got = e.data()[i], want = std::exp(x.data()[i]);
        INFO("exp(", x.data()[i], ") = ", got, ", libm ", want);
        // 1 ULP below the overflow threshold may round to the largest finite value or to inf
        REQUIRE((ulp_close(got, want, 1) || (std::isinf(want) && got == std::numeric_limits<T>::max())
                 || (want == std::numeric_limits<T>::max() && std::isinf(got))));
    }
    // Lanes with a normal result give the same bits whether or not their register also
    // holds an edge lane (results must not depend on where a row starts).
    const index_t m = 4096;
    tensor<T> alone(dims{m}), mixed(dims{2 * m});
    for (index_t i = 0; i < m; ++i)
    {
        alone.data()[i] = mixed.data()[2 * i] = T(-80) + T(160) * static_cast<T>(i) / T(m);
        mixed.data()[2 * i + 1] = i % 3 == 0   ? lo + T(1)
                                  : i % 3 == 1 ? hi
                                               : T(0.5) * (lo + std::log(std::numeric_limits<T>::min()));
    }
    const auto ea = exp(alone), em = exp(mixed);
    for (index_t i = 0; i < m; ++i)
    {
        INFO("exp(", alone.data()[i], ")");
        REQUIRE(ea.data()[i] == em.data()[2 * i]);
    }
}

TEST_CASE_TEMPLATE("pow: within 1 ULP, nearly always correctly rounded; exact results and C's special cases exactly", T,
                   float, double)
{
    constexpr bool f32 = std::is_same<T, float>::value;
    using L = std::numeric_limits<T>;
    // x over every binade (subnormals included) times y spanning results from 0 to inf,
    // and x near 1 with large |y| (where y log x needs log x to many more bits than T's).
    std::vector<T> xs, ys;
    for (T e = T(L::min_exponent - L::digits); e < T(L::max_exponent); e += T(0.731))
        for (T y : {T(-9.5), T(-3), T(-1), T(-0.5), T(1) / 3, T(0.5), T(1), T(2), T(3), T(7.25), T(1e-30), T(0)})
        {
            xs.push_back(std::exp2(e));
            ys.push_back(y);
        }
    for (T x = T(0.5); x < T(2); x += T(f32 ? 0.0009765625 : 0.000244140625 * 1.0009))
        for (T y : {T(-1000), T(-77.7), T(100.5), T(f32 ? 1000 : 1021.3)})
        {
            xs.push_back(x);
            ys.push_back(y);
        }
    const std::size_t n_swept = xs.size();
    // Results T holds exactly come out exactly: 2^k, 3^n, 10^n, x^1, x^0.
    for (int k = L::min_exponent - 1; k < L::max_exponent; k += 7)
        for (T y : {T(1), T(-1), T(0.5), T(2), T(3)})
            if (std::abs(k * y) < T(L::max_exponent - 1) && std::fmod(k * y, T(1)) == 0)
            {
                xs.push_back(std::ldexp(T(1), k));
                ys.push_back(y);
            }
    for (int n = 0; n <= (f32 ? 15 : 33); ++n) // 3^n < 2^digits; 10^n exact up to n = 10 / 22
        for (T x : {T(3), T(10), T(1) / 3, T(1234.5678), T(-0.75)})
        {
            xs.push_back(x);
            ys.push_back(T(x == T(3) || (x == T(10) && n <= (f32 ? 10 : 22)) ? n : n % 2));
        }
    const std::size_t n_exact = xs.size();
    const T nan = L::quiet_NaN(), inf = L::infinity();
    for (T x : {T(0), T(-0.0), inf, -inf, nan, T(-8), T(-1), T(1), T(-2.5), L::denorm_min()})
        for (T y : {T(0), T(-0.0), inf, -inf, nan, T(1) / 3, T(2), T(-1), T(0.5), T(3), T(-3), T(1e30)})
        {
            xs.push_back(x);
            ys.push_back(y);
        }
    tensor<T> x(dims{static_cast<index_t>(xs.size())}), y(dims{static_cast<index_t>(ys.size())});
    std::copy(xs.begin(), xs.end(), x.data());
    std::copy(ys.begin(), ys.end(), y.data());
    const auto r = pow(x, y);
    std::size_t rounded = 0;
    for (std::size_t i = 0; i < xs.size(); ++i)
    {
        INFO("pow(", xs[i], ", ", ys[i], ") = ", r.data()[i]);
        // The reference: float32 through glibc's double pow; float64 glibc's pow (within
        // 0.52 ULP; x87's powl is no reference here: its 64-bit significand gives up to
        // ~0.4 ULP of a double when |y log x| nears 700).
        const T want = f32 ? static_cast<T>(std::pow(double(xs[i]), double(ys[i]))) : T(std::pow(xs[i], ys[i]));
        if (i < n_swept)
        {
            REQUIRE(ulp_close(r.data()[i], want, 1));
            rounded += r.data()[i] == want;
        }
        else if (i < n_exact)
            REQUIRE(r.data()[i] == want);
        else
            REQUIRE(same(r.data()[i], std::pow(xs[i], ys[i])));
    }
    // Both sides round nearly always correctly, so they rarely differ (AVX2/AVX-512:
    // float64 39 of 58,984 here; against a 200-bit reference 3 of 40,000 random inputs
    // misrounded by ours, 38 by glibc, none by more than 0.5001 ULP). SSE2's float32 is
    // glibc's powf, which rounds 0.26% of the float32 sweep the other way.
    const bool simd_pow = sizeof(xsimd::batch<T, simd::default_arch>) >= 32;
    CHECK(rounded >= n_swept - n_swept / (f32 ? (simd_pow ? 1000 : 100) : 500));
}

TEST_CASE_TEMPLATE("pow with a whole exponent along a row: products by squaring, nearly always correctly rounded", T,
                   float, double)
{
    // pow(x, n) for a scalar n = +-3 .. +-64 takes simd::powi. The reference: x^|n| by
    // squaring in long double (a 64-bit significand: within ~|n| 2^-64 before the last
    // rounding, a thirty-second of a float64 ULP at n = 64, so for float64 the reference
    // itself misrounds now and then; tests/python/test_elementwise.py checks against exact
    // rationals), inverted for n < 0, rounded once to T.
    using L = std::numeric_limits<T>;
    auto reference = [](T x, int n)
    {
        long double b = x, r = 1;
        for (unsigned m = static_cast<unsigned>(std::abs(n)); m; m >>= 1, b *= b)
            if (m & 1)
                r *= b;
        return static_cast<T>(n < 0 ? 1 / r : r);
    };
    std::vector<T> xs;
    std::uint64_t state = 12345;
    for (int i = 0; i < 4000; ++i) // spread over every binade, both signs, and near 1
    {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        const double u = static_cast<double>(state >> 11) * 0x1p-53;
        xs.push_back(static_cast<T>(i % 4 == 0 ? 1 + (u - 0.5) / 64 : std::exp2((u - 0.5) * (L::max_exponent / 2))));
        if (i % 3 == 0)
            xs.back() = -xs.back();
    }
    const std::size_t n_random = xs.size();
    const T nan = L::quiet_NaN(), inf = L::infinity();
    for (T x : {T(0), T(-0.0), inf, -inf, nan, T(1), T(-1), T(2), T(-2), T(3), L::denorm_min(), -L::denorm_min(),
                L::min(), L::max(), -L::max(), T(0.5), std::sqrt(L::max()), std::sqrt(L::min())})
        xs.push_back(x);
    const auto size = static_cast<index_t>(xs.size());
    tensor<T> x(dims{size});
    std::copy(xs.begin(), xs.end(), x.data());
    for (int n : {3, -2, -3, 4, 5, -7, 10, 31, -33, 63, 64, -64})
    {
        const auto r = pow(x, T(n));
        // Every element the same bits wherever it starts in a register (scalar heads and
        // tails, partial registers).
        for (index_t shift : {1, 3, 7})
        {
            const auto part = pow(view<const T>(x.data() + shift, dims{size - shift}), T(n));
            for (index_t i = 0; i < size - shift; ++i)
                REQUIRE(same(part.data()[i], r.data()[i + shift]));
        }
        std::size_t rounded = 0, ordinary = 0;
        for (std::size_t i = 0; i < xs.size(); ++i)
        {
            INFO("pow(", xs[i], ", ", n, ") = ", r.data()[i]);
            const T want = reference(xs[i], n);
            if (i >= n_random || !std::isfinite(want) || std::abs(want) < L::min())
            {
                // C's special values, overflow and the subnormal range: as libm has them
                // (float32: libm's double pow rounded to float).
                const T c = static_cast<T>(std::pow(static_cast<double>(xs[i]), static_cast<double>(n)));
                REQUIRE(ulp_close(r.data()[i], c, 1));
                REQUIRE(std::signbit(r.data()[i]) == std::signbit(c));
                continue;
            }
            REQUIRE(ulp_close(r.data()[i], want, 1));
            rounded += r.data()[i] == want;
            ++ordinary;
        }
        INFO("n = ", n, ": ", ordinary - rounded, " of ", ordinary, " not correctly rounded");
        CHECK(ordinary > n_random / 4);
        CHECK(rounded >= ordinary - ordinary / (std::is_same<T, float>::value ? 1000 : 50));
    }
}

TEST_CASE_TEMPLATE("NaN and infinities behave as in NumPy", T, float, double)
{
    const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
    tensor<T> a(dims{4}, {nan, T(1), T(-1), T(0)});
    tensor<T> b(dims{4}, {T(0), nan, T(2), T(-0.0)});
    auto mx = maximum(a, b), mn = minimum(a, b);
    CHECK(std::isnan(mx(0)));
    CHECK(std::isnan(mx(1)));
    CHECK(mx(2) == T(2));
    CHECK(std::isnan(mn(0)));
    CHECK(std::isnan(mn(1)));
    CHECK(mn(2) == T(-1));
    CHECK(std::isnan(sqrt(a)(2)));
    CHECK(log(a)(3) == -inf);
    CHECK(std::isnan(log(a)(2)));
    CHECK(exp(tensor<T>(dims{1}, -inf))(0) == T(0));
    CHECK(exp(tensor<T>(dims{1}, inf))(0) == inf);
    CHECK(std::isnan(clip(a, T(0), T(1))(0)));
    CHECK(clip(a, T(0), T(0.5))(1) == T(0.5));
}

TEST_CASE_TEMPLATE("maximum, minimum and clip take NaN from either operand, in every layout", T, float, double)
{
    // Whole registers, transposed tiles and broadcast scalars (clip's bounds), with NaN in
    // every seventh element of the inputs and in a scalar bound.
    const T nan = std::numeric_limits<T>::quiet_NaN();
    layouts<T> in;
    for (index_t i = 3; i < in.base.size(); i += 7)
        in.base.data()[i] = nan;
    auto max_ref = [](T a, T b) { return std::isnan(a) || std::isnan(b) ? a + b : (a >= b ? a : b); };
    auto min_ref = [](T a, T b) { return std::isnan(a) || std::isnan(b) ? a + b : (a <= b ? a : b); };
    tensor<T> out(dims{in.rows, in.cols});
    for (const auto& x : in.all())
    {
        for (const auto& y : in.all())
        {
            if (broadcast_shapes(x.shape(), y.shape()) != out.shape())
                continue;
            apply_into<kernels::maximum_op>(out, x, y);
            check_equal(out, reference<T, 2>({x, y}, max_ref, out.shape()));
            apply_into<kernels::minimum_op>(out, x, y);
            check_equal(out, reference<T, 2>({x, y}, min_ref, out.shape()));
        }
        for (const T lo : {T(-3), nan})
            for (const T hi : {T(20), nan})
            {
                const view<const T> vlo(&lo, dims{}), vhi(&hi, dims{});
                apply_into<kernels::clip_op>(out, x, vlo, vhi);
                check_equal(out,
                            reference<T, 3>(
                                {x, vlo, vhi}, [&](T v, T a, T b) { return min_ref(max_ref(v, a), b); }, out.shape()));
            }
    }
}

TEST_CASE("out-of-place, into, in place; scalars adopt the tensor's type")
{
    tensor<float> a(dims{2, 3}, {1, 2, 3, 4, 5, 6});
    tensor<float> row(dims{3}, {10, 20, 30});
    CHECK(add(a, row)(1, 2) == 36.0f);
    CHECK(sub(2, a)(0, 1) == 0.0f);
    tensor<float> out(dims{2, 3});
    mul_into(out, a, row);
    CHECK(out(1, 0) == 40.0f);
    div_(a, 2);
    CHECK(a(1, 1) == 2.5f);
    fma_(a, row, 1.0f);
    CHECK(a(0, 0) == 6.0f);
}

TEST_CASE("add: 0-d and empty operands")
{
    tensor<float> s(dims{}, 1.5f), t(dims{}, 2.0f);
    CHECK(add(s, t)() == 3.5f);
    tensor<float> empty(dims{0, 3});
    CHECK(add(empty, tensor<float>(dims{3})).shape() == dims{0, 3});
}

TEST_CASE("integers wrap as in NumPy")
{
    tensor<std::int32_t> big(dims{3}, std::numeric_limits<std::int32_t>::max());
    CHECK(add(big, 1)(0) == std::numeric_limits<std::int32_t>::min());
    tensor<std::int64_t> low(dims{1}, std::numeric_limits<std::int64_t>::min());
    CHECK(abs(low)(0) == std::numeric_limits<std::int64_t>::min());
    CHECK(neg(low)(0) == std::numeric_limits<std::int64_t>::min());
}

TEST_CASE("aliasing gives NumPy's answer")
{
    // out is exactly an input: in place.
    auto a = iota_tensor<double>(dims{100});
    const auto want = reference<double, 2>({a.as_view(), a.as_view()}, [](double x, double y) { return x + y; });
    add_into(a, a, a);
    check_equal(a, want);

    // out overlaps an input shifted by one element: the input is read before any write.
    auto buf = iota_tensor<double>(dims{101});
    const view<const double> shifted(buf.data() + 1, dims{100});
    const tensor<double> shifted_copy = add(shifted, 0.0);
    const view<double> out(buf.data(), dims{100});
    add_into(out, shifted, shifted);
    for (index_t i = 0; i < 100; ++i)
        REQUIRE(out(i) == 2 * shifted_copy.data()[i]);

    // A broadcast row taken from the output itself; a transposed view of the output.
    auto m = iota_tensor<float>(dims{20, 20});
    const tensor<float> m0 = m;
    const view<const float> first_row(m.data(), dims{20});
    add_into(m, m0, first_row);
    for (index_t i = 0; i < 20; ++i)
        for (index_t j = 0; j < 20; ++j)
            REQUIRE(m(i, j) == m0(i, j) + m0(0, j));
    auto sq = iota_tensor<float>(dims{20, 20});
    const tensor<float> sq0 = sq;
    const view<const float> sq_t(sq.data(), dims{20, 20}, dims{1, 20});
    add_into(sq, sq, sq_t); // sq = sq + sq.T
    for (index_t i = 0; i < 20; ++i)
        for (index_t j = 0; j < 20; ++j)
            REQUIRE(sq(i, j) == sq0(i, j) + sq0(j, i));
}

TEST_CASE("large inputs use the pool and streaming stores with the same result")
{
    const index_t n = (index_t{9} << 20) / 4 + 3; // above the 8 MiB streaming threshold
    auto a = iota_tensor<float>(dims{n});
    auto b = iota_tensor<float>(dims{n}, 3.0f);
    const std::size_t saved = get_num_threads();
    set_num_threads(1);
    const auto one = sub(a, b);
    set_num_threads(2);
    const auto two = sub(a, b);
    const view<const float> at(a.data(), dims{1024, 1024}, dims{1, 1024});
    const view<const float> bm(b.data(), dims{1024, 1024});
    const auto t2 = add(at, bm);
    // Transposed inputs whose rows span more than the limit, so that their tiles are
    // prefetched (add and log both go through the bands: their outputs are streamed).
    const index_t cols = 2300;
    const view<const float> af(a.data(), dims{1024, cols}, dims{1, 1024});
    const view<const float> bf(b.data(), dims{1024, cols});
    CHECK(kernels::detail::tiles_from_memory<float>(cols, 1024));
    CHECK_FALSE(kernels::detail::tiles_from_memory<float>(1024, 1024));
    const tensor<float> ac = contiguous_copy(af);
    // Outputs off register alignment too (the bands' first chunk).
    tensor<float> far_buffer(dims{2 * (1024 * cols + 16)});
    const view<float> far_sum(far_buffer.data() + 3, dims{1024, cols});
    const view<float> far_log1(far_buffer.data() + 1024 * cols + 16 + 5, dims{1024, cols});
    add_into(far_sum, af, bf);
    const auto far_log = log(af);
    set_num_threads(1);
    log_into(far_log1, af);
    set_num_threads(saved);
    check_equal(one, two);
    for (index_t i = 0; i < n; i += 997)
        REQUIRE(one.data()[i] == a.data()[i] - b.data()[i]);
    for (index_t i = 0; i < 1024; i += 31)
        for (index_t j = 0; j < 1024; j += 7)
            REQUIRE(t2(i, j) == at(i, j) + bm(i, j));
    for (index_t i = 0; i < 1024; ++i)
        for (index_t j = 0; j < cols; ++j)
            REQUIRE(far_sum(i, j) == ac(i, j) + bf(i, j));
    const auto want_log = log(ac);
    check_equal(far_log, want_log);
    for (index_t i = 0; i < 1024; ++i)
        for (index_t j = 0; j < cols; ++j)
            REQUIRE(same(far_log1(i, j), want_log(i, j)));
}

TEST_CASE("streaming stores: for large outputs, and on one thread for large inputs in line with the output")
{
    using kernels::store_mode;
    const std::size_t limit = detail::streaming_threshold_bytes();
    CHECK(limit > 0);
    CHECK(limit <= std::size_t{8} << 20);
    CHECK(detail::store_mode_for(limit, limit, 1, true) == store_mode::normal);
    CHECK(detail::store_mode_for(limit + 1, 0, 4, true) == store_mode::stream);
    CHECK(detail::store_mode_for(limit + 1, 0, 4, false) == store_mode::stream);        // 2+ threads: either way
    CHECK(detail::store_mode_for(limit / 2, limit + 1, 1, true) == store_mode::stream); // add(a, b), 1 thread
    CHECK(detail::store_mode_for(limit / 2, limit + 1, 1, false)
          == store_mode::normal); // inputs off the output's line offset
    CHECK(detail::store_mode_for(limit + 1, 0, 1, false) == store_mode::normal);
    CHECK(detail::store_mode_for(limit / 2, limit + 1, 2, true) == store_mode::normal); // the same, 2 threads
    CHECK(detail::store_mode_for(limit / 2, 4 * limit, 2, true) == store_mode::normal);

    // line_congruent: base addresses and strides modulo 64 bytes; scalars do not count.
    tensor<float> buf(dims{4096});
    const view<float> o(buf.data() + 16, dims{8, 32});                    // 64 bytes past the start
    const std::array<dims, 3> same{dims{32, 1}, dims{32, 1}, dims{0, 0}}; // out, a matrix, a scalar
    CHECK(detail::line_congruent<float, 2>(same, {buf.data() + 1024, buf.data()}, o));
    CHECK(!detail::line_congruent<float, 2>(same, {buf.data() + 1028, buf.data()}, o)); // 16 bytes off
    const std::array<dims, 3> row{dims{32, 1}, dims{0, 1}, dims{0, 0}};                 // a row broadcast down
    CHECK(detail::line_congruent<float, 2>(row, {buf.data() + 1024, buf.data()}, o));   // pitch 128 bytes
    const view<float> o30(buf.data() + 16, dims{8, 30}, dims{30, 1});                   // pitch 120 bytes
    const std::array<dims, 3> row30{dims{30, 1}, dims{0, 1}, dims{0, 0}};
    CHECK(!detail::line_congruent<float, 2>(row30, {buf.data() + 1024, buf.data()}, o30));

    // End to end on one thread: a sum whose inputs exceed the limit and whose output does
    // not, the arrays one element past register alignment: streamed when the inputs share
    // the output's offset, with ordinary stores when one does not; the same sums.
    const index_t n = static_cast<index_t>(limit / sizeof(float) / 2) + 1000;
    auto a = iota_tensor<float>(dims{n + 1});
    auto b = iota_tensor<float>(dims{n + 1}, 3.0f);
    tensor<float> out(dims{n + 1});
    const std::size_t saved = get_num_threads();
    set_num_threads(1);
    for (const index_t shift : {1, 0})
    {
        const view<const float> av(a.data() + 1, dims{n}), bv(b.data() + shift, dims{n});
        const view<float> ov(out.data() + 1, dims{n});
        add_into(ov, av, bv);
        for (index_t i = 0; i < n; ++i)
            REQUIRE(ov.data()[i] == av.data()[i] + bv.data()[i]);
    }
    set_num_threads(saved);
}

TEST_CASE("xtensor containers in, pyperf_tensor out")
{
    xt::xtensor<double, 2> x = {{1, 2}, {3, 4}};
    xt::xtensor<double, 1> y = {10, 20};
    auto r = add(x, y);
    CHECK(r(1, 1) == 24.0);
    add_(x, y);
    CHECK(x(0, 1) == 22.0);
    CHECK(maximum(x, 15.0)(0, 0) == 15.0);
}

TEST_CASE("errors name the shapes")
{
    tensor<float> a(dims{2, 3}), b(dims{4});
    CHECK_THROWS_WITH_AS(add(a, b), "operands could not be broadcast together with shapes (2, 3) (4,)", shape_error);
    CHECK_THROWS_WITH_AS(clip(a, b, 1.0f), "operands could not be broadcast together with shapes (2, 3) (4,) ()",
                         shape_error);
    tensor<float> wrong(dims{3, 3});
    CHECK_THROWS_WITH_AS(add_into(wrong, a, a),
                         "output shape (3, 3) does not match the broadcast shape (2, 3) of the inputs", shape_error);
    view<float> overlapping(a.data(), dims{2, 3}, dims{0, 1});
    CHECK_THROWS_AS(add_into(overlapping, a, a), argument_error);
}
