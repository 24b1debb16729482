#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include <pyperf_tensor/simd/dispatch.hpp>
#include <pyperf_tensor/simd/loop.hpp>

using namespace pyperf_tensor;

namespace
{
    int one() { return 1; }
    int two() { return 2; }
    int three() { return 3; }

    struct env_guard
    {
        env_guard(const char* value)
        {
            const char* old = std::getenv("PYPERF_TENSOR_ARCH");
            had = old != nullptr;
            saved = had ? old : "";
            if (value)
                setenv("PYPERF_TENSOR_ARCH", value, 1);
            else
                unsetenv("PYPERF_TENSOR_ARCH");
        }
        ~env_guard()
        {
            if (had)
                setenv("PYPERF_TENSOR_ARCH", saved.c_str(), 1);
            else
                unsetenv("PYPERF_TENSOR_ARCH");
        }
        bool had;
        std::string saved;
    };
} // namespace

TEST_CASE("available_isas lists what the CPU runs, lowest first; chosen_isa is the best unless forced")
{
    const auto isas = simd::available_isas();
    REQUIRE(!isas.empty());
    CHECK(isas.front() == "sse2");
    {
        env_guard e(nullptr);
        CHECK(simd::chosen_isa() == isas.back());
    }
    {
        env_guard e("sse2");
        CHECK(simd::chosen_isa() == "sse2");
    }
    {
        env_guard e("avx1024");
        CHECK_THROWS_WITH_AS(simd::chosen_isa(), doctest::Contains("PYPERF_TENSOR_ARCH: unknown ISA 'avx1024'"),
                             argument_error);
    }
}

TEST_CASE("pick returns the entry of the chosen ISA and rejects the rest clearly")
{
    using fn = int (*)();
    const auto table = {std::pair<const char*, fn>{"sse2", &one}, std::pair<const char*, fn>{"avx2", &two},
                        std::pair<const char*, fn>{"avx512", &three}};
    CHECK(simd::pick<fn>(table, "sse2")() == 1);
    const auto isas = simd::available_isas();
    CHECK(simd::pick<fn>(table, isas.back())() == (isas.back() == "avx512" ? 3 : isas.back() == "avx2" ? 2 : 1));
    CHECK_THROWS_WITH_AS(simd::pick<fn>(table, "neon"), doctest::Contains("unknown ISA 'neon'"), argument_error);
    CHECK_THROWS_WITH_AS(simd::pick<fn>({{"avx2", &two}}, "sse2"),
                         doctest::Contains("no kernel compiled for ISA 'sse2'"), argument_error);
}

TEST_CASE("iota numbers the lanes")
{
    using B = xsimd::batch<float, simd::default_arch>;
    alignas(B::arch_type::alignment()) float lanes[B::size];
    simd::iota<B>().store_aligned(lanes);
    for (std::size_t i = 0; i < B::size; ++i)
        CHECK(lanes[i] == static_cast<float>(i));
}
