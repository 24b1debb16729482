// add in C++: the kernel alone (one thread, data in cache) and the whole op (broadcasting
// engine + pool) at the standard sizes, with 1 and 2 threads. Reports bytes/s so the
// figures compare with the machine's bandwidth (../shared/LIMITS.md).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>

#include <pyperf_tensor/pyperf_tensor.hpp>

namespace pt = pyperf_tensor;

namespace
{

    void kernel_only(benchmark::State& state)
    {
        const auto n = static_cast<pt::index_t>(state.range(0));
        pt::tensor<float> a(pt::dims{n}, 1.0f), b(pt::dims{n}, 2.0f), out(pt::dims{n});
        const auto kernel = &pt::kernels::elementwise<pt::simd::default_arch, pt::kernels::add_op, float>;
        const pt::kernels::block<float, 2> block{{a.data(), b.data()}, {1, 1}, {0, 0}, out.data(), 1, 0, n, 1};
        for (auto _ : state)
        {
            kernel(block, pt::kernels::store_mode::normal);
            benchmark::DoNotOptimize(out.data());
            benchmark::ClobberMemory();
        }
        state.SetBytesProcessed(state.iterations() * 3 * n * static_cast<int64_t>(sizeof(float)));
    }

    void add_into(benchmark::State& state)
    {
        const auto n = static_cast<pt::index_t>(state.range(0));
        pt::set_num_threads(static_cast<std::size_t>(state.range(1)));
        pt::tensor<float> a(pt::dims{n, n}, 1.0f), b(pt::dims{n, n}, 2.0f), out(pt::dims{n, n});
        for (auto _ : state)
        {
            pt::add_into(out, a, b);
            benchmark::DoNotOptimize(out.data());
            benchmark::ClobberMemory();
        }
        state.SetBytesProcessed(state.iterations() * 3 * n * n * static_cast<int64_t>(sizeof(float)));
    }

    void add_row_broadcast(benchmark::State& state)
    {
        const auto n = static_cast<pt::index_t>(state.range(0));
        pt::set_num_threads(static_cast<std::size_t>(state.range(1)));
        pt::tensor<float> a(pt::dims{n, n}, 1.0f), row(pt::dims{n}, 2.0f), out(pt::dims{n, n});
        for (auto _ : state)
        {
            pt::add_into(out, a, row);
            benchmark::DoNotOptimize(out.data());
            benchmark::ClobberMemory();
        }
        state.SetBytesProcessed(state.iterations() * 2 * n * n * static_cast<int64_t>(sizeof(float)));
    }
} // namespace

BENCHMARK(kernel_only)->Arg(1024)->Arg(16 * 1024)->Arg(64 * 1024);
BENCHMARK(add_into)->ArgsProduct({{100, 500, 1000, 4000}, {1, 2}})->UseRealTime();
BENCHMARK(add_row_broadcast)->ArgsProduct({{1000}, {1, 2}})->UseRealTime();

int main(int argc, char** argv)
{
    const char* isa = pt::simd::isa_name<pt::simd::default_arch>();
    if (!pyperf_tensor::simd::cpu_supports(isa))
    {
        std::printf("skipped: this CPU cannot run %s\n", isa);
        return 0;
    }
    std::printf("add benchmarks, kernels compiled for %s\n", isa);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
