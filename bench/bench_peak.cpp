// This core's float32 FMA peak, measured by the project rather than taken on trust: 12
// independent chains of simd::fma on full registers (more than enough to cover the FMA latency
// on every ISA), on one thread and on two pool threads at once. Reports FLOP/s (2 per lane per
// fma; SSE2 has no FMA and does a multiply and an add) and register-wide fmas per second, to
// compare with ../shared/LIMITS.md and with the kernels' instruction counts.
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cstdio>

#include <pyperf_tensor/pyperf_tensor.hpp>

namespace pt = pyperf_tensor;

namespace
{
    using A = pt::simd::default_arch;
    using B = xsimd::batch<float, A>;
    constexpr int chains = 12; // 3 per cycle of FMA latency at 4 cycles: more than any core issues
    constexpr int unroll = 64; // fmas per chain per call of run_chains

    // `rounds` x `unroll` dependent fmas on each of `chains` independent accumulators.
    float run_chains(std::int64_t rounds) noexcept
    {
        std::array<B, chains> acc;
        for (int k = 0; k < chains; ++k)
            acc[k] = B(1.0f + 1e-3f * static_cast<float>(k));
        const B m(0.999f), c(1e-4f); // a fixed point at 0.1: no overflow, no subnormals
        for (std::int64_t r = 0; r < rounds; ++r)
            for (int u = 0; u < unroll; ++u)
                for (int k = 0; k < chains; ++k)
                    acc[k] = pt::simd::fma(acc[k], m, c);
        B s(0.0f);
        for (const B& a : acc)
            s += a;
        return xsimd::hadd(s);
    }

    void fma_peak(benchmark::State& state)
    {
        const auto threads = static_cast<std::size_t>(state.range(0));
        pt::set_num_threads(threads);
        constexpr std::int64_t rounds = 4096;
        std::atomic<float> sink{0.0f};
        for (auto _ : state)
        {
            if (threads == 1)
                sink.store(run_chains(rounds), std::memory_order_relaxed);
            else
                pt::parallel_for_each(0, static_cast<pt::index_t>(threads),
                                      [&](pt::index_t) { sink.store(run_chains(rounds), std::memory_order_relaxed); });
        }
        benchmark::DoNotOptimize(sink.load());
        const double fmas =
            static_cast<double>(state.iterations()) * static_cast<double>(threads) * rounds * unroll * chains;
        state.counters["FLOP/s"] = benchmark::Counter(fmas * 2 * B::size, benchmark::Counter::kIsRate);
        state.counters["fma/s"] = benchmark::Counter(fmas, benchmark::Counter::kIsRate);
    }
} // namespace

BENCHMARK(fma_peak)->Arg(1)->Arg(2)->UseRealTime();

int main(int argc, char** argv)
{
    const char* isa = pt::simd::isa_name<A>();
    if (!pt::simd::cpu_supports(isa))
    {
        std::printf("skipped: this CPU cannot run %s\n", isa);
        return 0;
    }
    std::printf("float32 FMA peak, %s registers of %zu lanes, %d independent chains\n", isa, B::size, chains);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
