#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <pyperf_tensor/ops/elementwise.hpp>

using namespace pyperf_tensor;

namespace
{
    // Reference: a plain scalar loop over the broadcast index space.
    template <class T>
    tensor<T> reference_add(view<const T> a, view<const T> b)
    {
        const dims shape = broadcast_shapes(a.shape(), b.shape());
        auto out = tensor<T>::uninitialized(shape);
        const auto sa = detail::broadcast_strides(a, shape), sb = detail::broadcast_strides(b, shape);
        const dims cs = c_strides(shape);
        for (index_t flat = 0; flat < out.size(); ++flat)
        {
            index_t oa = 0, ob = 0;
            for (std::size_t d = 0; d < shape.size(); ++d)
            {
                const index_t i = (flat / cs[d]) % shape[d];
                oa += i * sa[d];
                ob += i * sb[d];
            }
            using U = kernels::detail::arith_t<T>;
            out.data()[flat] = static_cast<T>(static_cast<U>(a.data()[oa]) + static_cast<U>(b.data()[ob]));
        }
        return out;
    }

    template <class T>
    tensor<T> iota_tensor(const dims& shape, T start = T(1))
    {
        auto t = tensor<T>::uninitialized(shape);
        for (index_t i = 0; i < t.size(); ++i)
            t.data()[i] = static_cast<T>(start + static_cast<T>(i % 1000));
        return t;
    }

    template <class T>
    void check_equal(const tensor<T>& got, const tensor<T>& want)
    {
        REQUIRE(got.shape() == want.shape());
        for (index_t i = 0; i < got.size(); ++i)
            REQUIRE(got.data()[i] == want.data()[i]);
    }
} // namespace

TEST_CASE("tests run the ISA this executable was built for")
{
    CHECK(std::string(simd::isa_name<simd::default_arch>()) == PYPERF_TENSOR_TEST_ISA);
}

TEST_CASE_TEMPLATE("binary kernel: every length and alignment, contiguous and scalar-broadcast", T, float, double,
                   std::int32_t, std::int64_t)
{
    const auto kernel = &kernels::binary<simd::default_arch, kernels::add_op, T>;
    std::vector<T> a(300), b(300), out(300);
    std::iota(a.begin(), a.end(), T(1));
    std::iota(b.begin(), b.end(), T(100));
    for (auto mode : {kernels::store_mode::normal, kernels::store_mode::stream})
        for (index_t offset = 0; offset < 8; ++offset)
            for (index_t n = 0; n < 200; n += (n < 70 ? 1 : 13))
            {
                std::fill(out.begin(), out.end(), T(-1));
                kernel(a.data() + offset, 1, b.data(), 1, out.data() + offset, 1, n, mode);
                for (index_t i = 0; i < n; ++i)
                    REQUIRE(out[offset + i] == a[offset + i] + b[i]);
                REQUIRE(out[offset + n] == T(-1)); // nothing written past the end
                kernel(a.data(), 0, b.data() + offset, 1, out.data() + offset, 1, n, mode);
                for (index_t i = 0; i < n; ++i)
                    REQUIRE(out[offset + i] == a[0] + b[offset + i]);
            }
    // Strided output.
    kernel(a.data(), 2, b.data(), 3, out.data(), 2, 50, kernels::store_mode::normal);
    for (index_t i = 0; i < 50; ++i)
        REQUIRE(out[2 * i] == a[2 * i] + b[3 * i]);
}

TEST_CASE_TEMPLATE("add: out-of-place, into, in place; broadcasting", T, float, double, std::int32_t, std::int64_t)
{
    const auto a = iota_tensor<T>(dims{5, 7});
    const auto row = iota_tensor<T>(dims{7}, T(10));
    const auto col = iota_tensor<T>(dims{5, 1}, T(20));

    check_equal(add(a, row), reference_add<T>(a.as_view(), row.as_view()));
    check_equal(add(col, row), reference_add<T>(col.as_view(), row.as_view()));

    auto out = tensor<T>(dims{5, 7});
    add_into(out, a, col);
    check_equal(out, reference_add<T>(a.as_view(), col.as_view()));

    auto inplace = a;
    add_(inplace, row);
    check_equal(inplace, reference_add<T>(a.as_view(), row.as_view()));

    // Scalars adopt the tensor's type.
    auto plus_two = add(a, 2);
    for (index_t i = 0; i < a.size(); ++i)
        REQUIRE(plus_two.data()[i] == a.data()[i] + T(2));
}

TEST_CASE_TEMPLATE("add: any strides (transposed, reversed, stepped, zero)", T, float, std::int64_t)
{
    auto base = iota_tensor<T>(dims{6, 8});
    const view<const T> full = base.as_view();
    const view<const T> transposed(base.data(), dims{8, 6}, dims{1, 8});
    const view<const T> reversed(base.data() + 47, dims{6, 8}, dims{-8, -1});
    const view<const T> stepped(base.data() + 1, dims{3, 4}, dims{16, 2});
    const view<const T> zero(base.data() + 3, dims{6, 8}, dims{0, 0});
    const auto other = iota_tensor<T>(dims{8, 6}, T(7));

    check_equal(add(transposed, other), reference_add<T>(transposed, other.as_view()));
    check_equal(add(reversed, full), reference_add<T>(reversed, full));
    check_equal(add(stepped, stepped), reference_add<T>(stepped, stepped));
    check_equal(add(zero, full), reference_add<T>(zero, full));

    // Strided, reversed output.
    auto target = tensor<T>(dims{6, 8});
    view<T> out_rev(target.data() + 47, dims{6, 8}, dims{-8, -1});
    add_into(out_rev, full, full);
    for (index_t i = 0; i < 6; ++i)
        for (index_t j = 0; j < 8; ++j)
            REQUIRE(out_rev(i, j) == T(2) * full(i, j));
}

TEST_CASE("add: 0-d and empty operands")
{
    tensor<float> s(dims{}, 1.5f), t(dims{}, 2.0f);
    CHECK(add(s, t)() == 3.5f);
    tensor<float> empty(dims{0, 3});
    CHECK(add(empty, tensor<float>(dims{3})).shape() == dims{0, 3});
}

TEST_CASE("add: integers wrap as in NumPy")
{
    tensor<std::int32_t> big(dims{3}, std::numeric_limits<std::int32_t>::max());
    auto r = add(big, 1);
    CHECK(r.data()[0] == std::numeric_limits<std::int32_t>::min());
}

TEST_CASE("add: aliasing gives NumPy's answer")
{
    // out is exactly an input: in place.
    auto a = iota_tensor<double>(dims{100});
    const auto want = reference_add<double>(a.as_view(), a.as_view());
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

    // A broadcast row taken from the output itself.
    auto m = iota_tensor<float>(dims{4, 5});
    const tensor<float> m0 = m;
    const view<const float> first_row(m.data(), dims{5});
    add_into(m, m0, first_row);
    for (index_t i = 0; i < 4; ++i)
        for (index_t j = 0; j < 5; ++j)
            REQUIRE(m(i, j) == m0(i, j) + m0(0, j));
}

TEST_CASE("add: large inputs use the pool and streaming stores with the same result")
{
    const index_t n = (index_t{9} << 20) / 4 + 3; // above the 8 MiB streaming threshold
    auto a = iota_tensor<float>(dims{n});
    auto b = iota_tensor<float>(dims{n}, 3.0f);
    const std::size_t saved = get_num_threads();
    set_num_threads(1);
    const auto one = add(a, b);
    set_num_threads(2);
    const auto two = add(a, b);
    set_num_threads(saved);
    check_equal(one, two);
    for (index_t i = 0; i < n; i += 997)
        REQUIRE(one.data()[i] == a.data()[i] + b.data()[i]);
}

TEST_CASE("add: xtensor containers in, pyperf_tensor out")
{
    xt::xtensor<double, 2> x = {{1, 2}, {3, 4}};
    xt::xtensor<double, 1> y = {10, 20};
    auto r = add(x, y);
    CHECK(r(1, 1) == 24.0);
    add_(x, y);
    CHECK(x(0, 1) == 22.0);
}

TEST_CASE("add: errors name the shapes")
{
    tensor<float> a(dims{2, 3}), b(dims{4});
    CHECK_THROWS_WITH_AS(add(a, b), "operands could not be broadcast together with shapes (2, 3) (4,)", shape_error);
    tensor<float> wrong(dims{3, 3});
    CHECK_THROWS_WITH_AS(add_into(wrong, a, a),
                         "output shape (3, 3) does not match the broadcast shape (2, 3) of the inputs", shape_error);
    view<float> overlapping(a.data(), dims{2, 3}, dims{0, 1});
    CHECK_THROWS_AS(add_into(overlapping, a, a), argument_error);
}
