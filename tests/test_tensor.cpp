#include <doctest/doctest.h>

#include <cstdint>

#include <pyperf_tensor/core/tensor.hpp>

using namespace pyperf_tensor;

TEST_CASE_TEMPLATE("tensor owns aligned, C-contiguous storage", T, float, double, std::int32_t, std::int64_t)
{
    tensor<T> t(dims{3, 5});
    CHECK(t.size() == 15);
    CHECK(t.strides() == dims{5, 1});
    CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % PYPERF_TENSOR_ALIGNMENT == 0);
    for (index_t i = 0; i < t.size(); ++i)
        CHECK(t.data()[i] == T(0));
    t(2, 4) = T(7);
    CHECK(t.data()[14] == T(7));

    tensor<T> copy = t;
    CHECK(copy.data() != t.data());
    CHECK(copy(2, 4) == T(7));
    tensor<T> moved = std::move(copy);
    CHECK(moved(2, 4) == T(7));
}

TEST_CASE("tensor checks the value count and rejects negative extents")
{
    tensor<float> t(dims{2, 2}, {1, 2, 3, 4});
    CHECK(t(1, 0) == 3.0f);
    CHECK_THROWS_AS(tensor<float>(dims{2, 2}, {1, 2, 3}), shape_error);
    CHECK_THROWS_AS(tensor<float>(dims{-2, -3}), shape_error); // not a 6-element tensor
    CHECK_THROWS_AS(tensor<float>::uninitialized(dims{4, -1}), shape_error);
}

TEST_CASE("empty and 0-d tensors")
{
    tensor<double> empty(dims{0, 4});
    CHECK(empty.size() == 0);
    tensor<double> scalar(dims{}, 2.5);
    CHECK(scalar.size() == 1);
    CHECK(scalar() == 2.5);
}
