#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <numeric>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <pyperf_tensor/parallel/parallel_for.hpp>

using namespace pyperf_tensor;

namespace
{
    struct threads_guard
    {
        explicit threads_guard(std::size_t n) : saved(get_num_threads()) { set_num_threads(n); }
        ~threads_guard() { set_num_threads(saved); }
        std::size_t saved;
    };
} // namespace

TEST_CASE("default thread count is positive and settable")
{
    CHECK(get_num_threads() >= 1);
    threads_guard g(3);
    CHECK(get_num_threads() == 3);
    CHECK_THROWS_AS(set_num_threads(0), argument_error);
    CHECK_THROWS_AS(set_num_threads(PYPERF_TENSOR_MAX_THREADS + 1), argument_error);
}

TEST_CASE("parallel_for covers every index exactly once, on several threads")
{
    threads_guard g(4);
    const index_t n = 1 << 20;
    std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
    std::mutex m;
    std::set<std::thread::id> ids;
    parallel_for(0, n, 1000,
                 [&](index_t lo, index_t hi)
                 {
                     for (index_t i = lo; i < hi; ++i)
                         hits[static_cast<std::size_t>(i)]++;
                     std::lock_guard<std::mutex> lock(m);
                     ids.insert(std::this_thread::get_id());
                 });
    for (auto& h : hits)
        REQUIRE(h.load() == 1);
    // Pieces are handed out dynamically; with 16 pieces at least the caller takes part.
    CHECK(ids.size() >= 1);
    CHECK(ids.size() <= 4);
}

TEST_CASE("parallel_for with a seam: every index once, calls that overlap in time a seam apart")
{
    struct call
    {
        index_t lo, hi;
        int enter, exit;
    };
    for (const std::size_t threads : {2, 3, 4})
        for (const index_t n : {0, 1, 63, 200, 1000, 4097, 100000})
            for (const index_t seam : {0, 1, 32, 64, 1000})
            {
                threads_guard g(threads);
                std::vector<int> hits(static_cast<std::size_t>(n));
                std::atomic<int> clock{0};
                std::mutex m;
                std::vector<call> calls;
                parallel_for(
                    0, n, 16,
                    [&](index_t lo, index_t hi)
                    {
                        const int enter = clock++;
                        std::this_thread::sleep_for(std::chrono::microseconds(200));
                        const int exit = clock++;
                        std::lock_guard<std::mutex> lock(m);
                        for (index_t i = lo; i < hi; ++i)
                            hits[static_cast<std::size_t>(i)]++;
                        calls.push_back({lo, hi, enter, exit});
                    },
                    seam);
                for (const int h : hits)
                    REQUIRE(h == 1);
                for (const call& c : calls)
                    CHECK(c.lo < c.hi); // no empty calls
                for (const call& a : calls)
                    for (const call& b : calls)
                        if (&a != &b && a.enter < b.exit && b.enter < a.exit) // ran at the same time
                            CHECK((a.hi + seam <= b.lo || b.hi + seam <= a.lo));
            }
}

TEST_CASE("parallel_for with a phase: every index once, pieces after the first start at phase + multiples of 64 (of "
          "less below two such pieces per thread)")
{
    for (const std::size_t threads : {2, 3})
        for (const index_t begin : {0, 5})
            for (const index_t n : {1, 63, 200, 1000, 4097})
                for (const index_t phase : {0, 1, 12, 63, 64, -1})
                {
                    threads_guard g(threads);
                    std::vector<int> hits(static_cast<std::size_t>(n));
                    std::mutex m;
                    std::vector<index_t> starts;
                    parallel_for(
                        begin, begin + n, 16,
                        [&](index_t lo, index_t hi)
                        {
                            std::lock_guard<std::mutex> lock(m);
                            CHECK(lo < hi);
                            for (index_t i = lo; i < hi; ++i)
                                hits[static_cast<std::size_t>(i - begin)]++;
                            starts.push_back(lo);
                        },
                        0, phase);
                    for (const int h : hits)
                        REQUIRE(h == 1);
                    const index_t used = phase >= 0 && phase < 64 && phase < n ? phase : 0; // else ignored
                    index_t align = 64; // halved while below two pieces per thread
                    while (align > 1 && n < 2 * align * static_cast<index_t>(threads))
                        align /= 2;
                    for (const index_t lo : starts)
                        if (lo != begin)
                            CHECK((lo - begin - used) % align == 0);
                    if (n >= 1000)
                        CHECK(starts.size() > 1);
                }
}

TEST_CASE("parallel_for_each hands out every index once; uneven work is shared")
{
    threads_guard g(2);
    const index_t n = 64;
    std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
    std::mutex m;
    std::set<std::thread::id> ids;
    parallel_for_each(10, 10 + n,
                      [&](index_t i)
                      {
                          hits[static_cast<std::size_t>(i - 10)]++;
                          if (i == 10) // one slow index: the other thread takes the rest meanwhile
                              std::this_thread::sleep_for(std::chrono::milliseconds(50));
                          std::lock_guard<std::mutex> lock(m);
                          ids.insert(std::this_thread::get_id());
                      });
    for (auto& h : hits)
        REQUIRE(h.load() == 1);
    CHECK(ids.size() <= 2);
    parallel_for_each(5, 5, [](index_t) { FAIL("empty range ran"); });
    CHECK_THROWS_AS(parallel_for_each(0, 8,
                                      [](index_t i)
                                      {
                                          if (i == 3)
                                              throw argument_error("boom");
                                      }),
                    argument_error);
}

TEST_CASE("a few indices above two grains (a few long rows) still make a piece for every thread")
{
    for (const std::size_t threads : {2, 4})
        for (const index_t n : {8, 64, 100, 127, 200, 1000})
        {
            threads_guard g(threads);
            std::mutex m;
            std::vector<index_t> sizes;
            parallel_for(0, n, 1,
                         [&](index_t lo, index_t hi)
                         {
                             std::lock_guard<std::mutex> lock(m);
                             sizes.push_back(hi - lo);
                         });
            INFO(threads, " threads, ", n, " indices");
            CHECK(sizes.size() >= threads);
            // no piece holds more than half the indices
            CHECK(*std::max_element(sizes.begin(), sizes.end()) <= std::max<index_t>(n / 2, 1));
            CHECK(std::accumulate(sizes.begin(), sizes.end(), index_t{0}) == n);
        }
}

TEST_CASE("work below two grains stays on the calling thread")
{
    threads_guard g(4);
    std::thread::id seen;
    int calls = 0;
    parallel_for(0, 100, 64,
                 [&](index_t lo, index_t hi)
                 {
                     seen = std::this_thread::get_id();
                     ++calls;
                     CHECK(lo == 0);
                     CHECK(hi == 100);
                 });
    CHECK(calls == 1);
    CHECK(static_cast<bool>(seen == std::this_thread::get_id()));
}

TEST_CASE("nested parallel_for runs inline instead of deadlocking")
{
    threads_guard g(2);
    std::atomic<index_t> total{0};
    parallel_for(0, 8, 1,
                 [&](index_t lo, index_t hi)
                 {
                     for (index_t i = lo; i < hi; ++i)
                         parallel_for(0, 1000, 1, [&](index_t a, index_t b) { total += b - a; });
                 });
    CHECK(total.load() == 8000);
}

TEST_CASE("concurrent callers share the pool safely")
{
    threads_guard g(2);
    std::vector<std::thread> callers;
    std::atomic<index_t> total{0};
    for (int t = 0; t < 4; ++t)
        callers.emplace_back(
            [&]
            {
                for (int rep = 0; rep < 50; ++rep)
                    parallel_for(0, 10000, 100, [&](index_t a, index_t b) { total += b - a; });
            });
    for (auto& c : callers)
        c.join();
    CHECK(total.load() == 4 * 50 * 10000);
}

TEST_CASE("an exception in a piece reaches the caller")
{
    threads_guard g(2);
    CHECK_THROWS_AS(parallel_for(0, 100000, 10,
                                 [&](index_t lo, index_t)
                                 {
                                     if (lo == 0)
                                         throw std::runtime_error("boom");
                                 }),
                    std::runtime_error);
    // The pool still works afterwards.
    std::atomic<index_t> total{0};
    parallel_for(0, 100000, 10, [&](index_t a, index_t b) { total += b - a; });
    CHECK(total.load() == 100000);
}
