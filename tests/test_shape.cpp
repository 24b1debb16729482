#include <doctest/doctest.h>

#include <vector>

#include <pyperf_tensor/core/shape.hpp>

using namespace pyperf_tensor;

TEST_CASE("dims stores up to PYPERF_TENSOR_MAX_RANK extents inline")
{
    dims d{2, 3, 4};
    CHECK(d.size() == 3);
    CHECK(d[1] == 3);
    CHECK(size_of(d) == 24);
    CHECK(dims(std::vector<int>{5, 6}) == dims{5, 6});
    dims copy = d;
    copy[0] = 7;
    CHECK(d[0] == 2);
    CHECK(copy != d);
    CHECK_THROWS_AS(dims::zeros(PYPERF_TENSOR_MAX_RANK + 1), argument_error);
}

TEST_CASE("shapes print as NumPy prints them")
{
    CHECK(to_string(dims{}) == "()");
    CHECK(to_string(dims{4}) == "(4,)");
    CHECK(to_string(dims{2, 3}) == "(2, 3)");
}

TEST_CASE("contiguous strides")
{
    CHECK(c_strides(dims{2, 3, 4}) == dims{12, 4, 1});
    CHECK(f_strides(dims{2, 3, 4}) == dims{1, 2, 6});
    CHECK(c_strides(dims{0, 3}) == dims{3, 1});
}

TEST_CASE("broadcasting follows NumPy")
{
    CHECK(broadcast_shapes(dims{2, 3}, dims{3}) == dims{2, 3});
    CHECK(broadcast_shapes(dims{4, 1}, dims{1, 5}) == dims{4, 5});
    CHECK(broadcast_shapes(dims{}, dims{2, 2}) == dims{2, 2});
    CHECK(broadcast_shapes(dims{0, 1}, dims{1, 3}) == dims{0, 3});
    CHECK(broadcast_shapes(dims{1}, dims{0}) == dims{0});
    CHECK_THROWS_WITH_AS(broadcast_shapes(dims{2, 3}, dims{4}),
                         "operands could not be broadcast together with shapes (2, 3) (4,)", shape_error);
}
