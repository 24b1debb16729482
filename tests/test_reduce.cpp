#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <pyperf_tensor/ops/reduce.hpp>

namespace pt = pyperf_tensor;

TEST_CASE("sum, mean, max, argmax over all axes, one axis and keepdims")
{
    pt::tensor<float> a(pt::dims{3, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    CHECK(pt::sum(a).data()[0] == 78.0f);
    const auto s0 = pt::sum(a, 0);
    CHECK(s0.shape() == pt::dims{4});
    CHECK(s0.data()[3] == 24.0f);
    const auto s1 = pt::sum(a, -1, true);
    CHECK(s1.shape() == pt::dims{3, 1});
    CHECK(s1.data()[2] == 42.0f);
    CHECK(pt::mean(a).data()[0] == 6.5f);
    CHECK(pt::max(a, 1).data()[1] == 8.0f);
    CHECK(pt::argmax(a).data()[0] == 11);
    CHECK(pt::argmin(a, 0).data()[2] == 0);
    CHECK(pt::var(a, pt::all_axes, 1.0).data()[0] == doctest::Approx(13.0));
    CHECK(pt::stddev(a, 0).data()[0] == doctest::Approx(std::sqrt(32.0 / 3.0)));
}

TEST_CASE("integer sums are int64, integer means float64; prod wraps like NumPy")
{
    pt::tensor<std::int32_t> a(pt::dims{1000, 1000}, 3);
    const auto s = pt::sum(a);
    static_assert(std::is_same<std::decay_t<decltype(s.data()[0])>, std::int64_t>::value, "int64 sum");
    CHECK(s.data()[0] == 3000000);
    CHECK(pt::mean(a, 0).data()[17] == 3.0);
    pt::tensor<std::int64_t> big(pt::dims{2}, {std::numeric_limits<std::int64_t>::max(), 2});
    CHECK(pt::prod(big).data()[0] == -2); // two's complement wrap, as NumPy
}

TEST_CASE("views with any strides and xtensor containers reduce without copies")
{
    xt::xtensor<double, 2> x = {{1, 2, 3}, {4, 5, 6}};
    CHECK(pt::sum(x).data()[0] == 21.0);
    std::vector<double> buf{1, 2, 3, 4, 5, 6};
    pt::view<const double> t(buf.data(), pt::dims{3, 2}, pt::dims{1, 3}); // the transpose of a 2x3
    const auto s = pt::sum(t, 1);
    CHECK(s.data()[0] == 5.0);
    CHECK(s.data()[2] == 9.0);
    CHECK(pt::argmax(t).data()[0] == 5); // C-order position in the transposed view
    pt::tensor<double> out(pt::dims{2});
    pt::sum_into(out, t, 0);
    CHECK(out.data()[1] == 15.0);
}

TEST_CASE("NaN propagates; empty reductions follow NumPy; bad axes are errors")
{
    pt::tensor<float> a(pt::dims{4}, {1, std::nanf(""), 3, std::nanf("")});
    CHECK(std::isnan(pt::max(a).data()[0]));
    CHECK(std::isnan(pt::sum(a).data()[0]));
    CHECK(pt::argmin(a).data()[0] == 1);
    pt::tensor<float> e(pt::dims{0, 3});
    CHECK(pt::sum(e).data()[0] == 0.0f);
    CHECK(pt::prod(e).data()[0] == 1.0f);
    CHECK_THROWS_AS(pt::max(e, 0), pt::argument_error);
    CHECK(pt::max(e, 1).shape() == pt::dims{0});
    CHECK_THROWS_AS(pt::sum(a, 1), pt::axis_error);
    CHECK_THROWS_AS(pt::sum(e, {0, -2}), pt::argument_error);
    pt::tensor<float> wrong(pt::dims{2});
    CHECK_THROWS_AS(pt::sum_into(wrong, e, 0), pt::shape_error);
}

TEST_CASE("results do not depend on the thread count")
{
    pt::tensor<float> a(pt::dims{300, 2000});
    for (pt::index_t i = 0; i < a.size(); ++i)
        a.data()[i] = static_cast<float>(std::sin(static_cast<double>(i)) * 1e3);
    pt::set_num_threads(1);
    const float one = pt::sum(a).data()[0], one0 = pt::sum(a, 0).data()[123];
    pt::set_num_threads(3);
    CHECK(pt::sum(a).data()[0] == one);
    CHECK(pt::sum(a, 0).data()[123] == one0);
    pt::set_num_threads(2);
}

TEST_CASE("max, min, argmax, argmin find the first extremum or NaN anywhere in long runs")
{
    // Lengths around a register, the groups, a piece of 4096 and the join of two pieces;
    // the runs start one element past an aligned address, so the first batch overlaps.
    for (const pt::index_t n : {15, 16, 17, 100, 1000, 4095, 4097, 4112, 9000})
        for (const pt::index_t at : {pt::index_t{0}, n / 3, n - 17, n - 1})
        {
            if (at < 0)
                continue;
            pt::tensor<float> a(pt::dims{n + 1});
            for (pt::index_t i = 0; i <= n; ++i)
                a.data()[i] = static_cast<float>((i * 7919) % 1000);
            pt::view<const float> v(a.data() + 1, pt::dims{n});
            a.data()[1 + at] = 5000.0f;
            a.data()[1 + std::min(n - 1, at + 3)] = 5000.0f; // a later tie
            CHECK(pt::max(v).data()[0] == 5000.0f);
            CHECK(pt::argmax(v).data()[0] == at);
            a.data()[1 + at] = -5000.0f;
            a.data()[1 + std::min(n - 1, at + 3)] = -5000.0f;
            CHECK(pt::min(v).data()[0] == -5000.0f);
            CHECK(pt::argmin(v).data()[0] == at);
            a.data()[1 + at] = std::nanf("");
            CHECK(std::isnan(pt::max(v).data()[0]));
            CHECK(std::isnan(pt::min(v).data()[0]));
            CHECK(pt::argmax(v).data()[0] == at);
            CHECK(pt::argmin(v).data()[0] == at);
        }
}

TEST_CASE("max and min see a NaN in every position of a group")
{
    // The extremum loop checks the batches of a group of four in two pairs, each pair with
    // its own running mask: a NaN at every index of a run spanning several groups (and its
    // unaligned head and tail) must reach the result through either.
    const pt::index_t n = 300;
    pt::tensor<float> a(pt::dims{n + 1});
    for (pt::index_t i = 0; i <= n; ++i)
        a.data()[i] = static_cast<float>((i * 7919) % 1000);
    pt::view<const float> v(a.data() + 1, pt::dims{n});
    int missed = 0;
    for (pt::index_t at = 0; at < n; ++at)
    {
        const float keep = a.data()[1 + at];
        a.data()[1 + at] = std::nanf("");
        missed += !std::isnan(pt::max(v).data()[0]) + !std::isnan(pt::min(v).data()[0]);
        missed += pt::argmax(v).data()[0] != at;
        a.data()[1 + at] = keep;
    }
    CHECK(missed == 0);
}

TEST_CASE("argmax and argmin return indices beyond float32's 2^24 exactly")
{
    // The ops layer once passed indices through the input's type: 2^24 + 1 came back as 2^24.
    const pt::index_t n = (pt::index_t{1} << 24) + 3;
    pt::tensor<float> a(pt::dims{n});
    std::fill_n(a.data(), n, 0.0f);
    a.data()[n - 2] = -1.0f;
    CHECK(pt::argmin(a).data()[0] == n - 2);
    a.data()[n - 2] = 1.0f;
    CHECK(pt::argmax(a, 0).data()[0] == n - 2);
}
