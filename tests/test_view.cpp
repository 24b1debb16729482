#include <doctest/doctest.h>

#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

#include <pyperf_tensor/core/tensor.hpp>
#include <pyperf_tensor/core/view.hpp>

using namespace pyperf_tensor;

TEST_CASE("a view wraps external memory; writes reach the buffer")
{
    std::vector<float> buffer(12, 0.0f);
    view<float> v(buffer.data(), dims{3, 4});
    CHECK(v.strides() == dims{4, 1});
    CHECK(v.is_c_contiguous());
    v(2, 1) = 5.0f;
    CHECK(buffer[9] == 5.0f);
}

TEST_CASE("negative and zero strides")
{
    std::vector<int> buffer{0, 1, 2, 3, 4, 5};
    view<int> reversed(buffer.data() + 5, dims{6}, dims{-1});
    CHECK(reversed(0) == 5);
    CHECK(reversed(5) == 0);
    view<int> repeated(buffer.data() + 2, dims{3, 2}, dims{0, 1});
    CHECK(repeated(0, 1) == 3);
    CHECK(repeated(2, 1) == 3);
    CHECK_FALSE(repeated.is_c_contiguous());
}

TEST_CASE("bad view geometry is rejected")
{
    float x = 0;
    CHECK_THROWS_AS(view<float>(&x, dims{2, 2}, dims{1}), shape_error);
    CHECK_THROWS_AS(view<float>(&x, dims{-1}), shape_error);
}

TEST_CASE("views of tensors and xtensor containers share memory")
{
    tensor<double> t(dims{2, 3});
    view<double> tv = t;
    tv(1, 2) = 4.0;
    CHECK(t(1, 2) == 4.0);

    xt::xtensor<float, 2> xt2 = xt::zeros<float>({2, 3});
    view<float> v2 = xt2;
    CHECK(v2.shape() == dims{2, 3});
    v2(1, 1) = 3.0f;
    CHECK(xt2(1, 1) == 3.0f);

    xt::xarray<int> xa = xt::zeros<int>({4, 2});
    auto va = make_view(xa);
    va(3, 0) = 9;
    CHECK(xa(3, 0) == 9);

    const xt::xarray<int>& cxa = xa;
    view<const int> cva = make_view(cxa);
    CHECK(cva(3, 0) == 9);
}

TEST_CASE("views of xt::adapt results, including explicit strides")
{
    std::vector<float> buffer(6, 0.0f);
    auto adapted = xt::adapt(buffer.data(), buffer.size(), xt::no_ownership(), std::vector<std::size_t>{2, 3});
    view<float> v = adapted;
    v(1, 0) = 2.0f;
    CHECK(buffer[3] == 2.0f);

    // A transposed window described by explicit strides (column-major read of the buffer).
    auto transposed = xt::adapt(buffer.data(), buffer.size(), xt::no_ownership(), std::vector<std::size_t>{3, 2},
                                std::vector<std::ptrdiff_t>{1, 3});
    view<float> vt = transposed;
    CHECK(vt.strides() == dims{1, 3});
    CHECK(vt(0, 1) == 2.0f);
}
