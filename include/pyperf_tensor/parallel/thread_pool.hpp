// The library's own thread pool (std::thread; no OpenMP, so no runtime clashes with other
// extensions in the same process). The calling thread works too: a pool of size n runs
// n - 1 workers. Workers spin briefly after a job, so back-to-back calls wake them in
// nanoseconds, then sleep on a condition variable.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

#include "../config.hpp"
#include "../core/error.hpp"

namespace pyperf_tensor
{
    namespace detail
    {
        inline void cpu_relax() noexcept
        {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#else
            std::this_thread::yield();
#endif
        }

        // A non-owning reference to a callable: no allocation per job.
        class chunk_fn
        {
          public:
            template <class F>
            explicit chunk_fn(F& f) noexcept
                : object_(&f), call_([](void* o, std::size_t i) { (*static_cast<F*>(o))(i); })
            {
            }
            void operator()(std::size_t i) const { call_(object_, i); }

          private:
            void* object_;
            void (*call_)(void*, std::size_t);
        };

        inline thread_local bool inside_pool_job = false;
    } // namespace detail

    // Cores this process may run on (honours taskset / cgroup CPU affinity).
    inline std::size_t usable_cores() noexcept
    {
#if defined(__linux__)
        cpu_set_t set;
        CPU_ZERO(&set);
        if (sched_getaffinity(0, sizeof(set), &set) == 0)
        {
            const int n = CPU_COUNT(&set);
            if (n > 0)
                return static_cast<std::size_t>(n);
        }
#endif
        const unsigned n = std::thread::hardware_concurrency();
        return n ? n : 1;
    }

    inline void check_thread_count(long long n)
    {
        if (n < 1 || n > PYPERF_TENSOR_MAX_THREADS)
            throw argument_error("number of threads must be between 1 and " + std::to_string(PYPERF_TENSOR_MAX_THREADS)
                                 + ", got " + std::to_string(n));
    }

    // The default thread count: PYPERF_TENSOR_NUM_THREADS if set, else usable_cores().
    inline std::size_t default_num_threads()
    {
        const char* env = std::getenv("PYPERF_TENSOR_NUM_THREADS");
        if (env == nullptr || *env == '\0')
            return usable_cores();
        char* end = nullptr;
        const long long n = std::strtoll(env, &end, 10);
        if (*end != '\0' || n < 1 || n > PYPERF_TENSOR_MAX_THREADS)
            throw argument_error("PYPERF_TENSOR_NUM_THREADS='" + std::string(env)
                                 + "' is not a whole number between 1 and "
                                 + std::to_string(PYPERF_TENSOR_MAX_THREADS));
        return static_cast<std::size_t>(n);
    }

    class thread_pool
    {
      public:
        explicit thread_pool(std::size_t num_threads)
        {
            check_thread_count(static_cast<long long>(num_threads));
            workers_.reserve(num_threads - 1);
            try
            {
                for (std::size_t i = 1; i < num_threads; ++i)
                    workers_.emplace_back([this] { worker_loop(); });
            }
            catch (...)
            {
                shutdown();
                throw;
            }
        }
        thread_pool(const thread_pool&) = delete;
        thread_pool& operator=(const thread_pool&) = delete;
        ~thread_pool() { shutdown(); }

        std::size_t size() const noexcept { return workers_.size() + 1; }

        // Runs fn(i) for every i in [0, num_chunks) on the pool and the calling thread,
        // and returns when all are done. Chunks are handed out dynamically. Returns false
        // without running anything when the pool is busy (another thread's job, or a
        // nested call from inside a job): the caller then runs the work itself.
        template <class F>
        bool try_run(std::size_t num_chunks, F&& fn)
        {
            if (detail::inside_pool_job || workers_.empty())
                return false;
            std::unique_lock<std::mutex> busy(run_mutex_, std::try_to_lock);
            if (!busy.owns_lock())
                return false;
            detail::chunk_fn job(fn);
            {
                std::lock_guard<std::mutex> lock(mutex_);
                job_ = &job;
                num_chunks_ = num_chunks;
                next_chunk_.store(0, std::memory_order_relaxed);
                workers_left_.store(workers_.size(), std::memory_order_relaxed);
                error_ = nullptr;
                generation_.fetch_add(1, std::memory_order_release);
            }
            wake_.notify_all();
            work_on_chunks();
            // Wait until every worker has let go of this job (they may still be reading it).
            for (int spin = 0; workers_left_.load(std::memory_order_acquire) != 0; ++spin)
            {
                if (spin < spin_limit)
                    detail::cpu_relax();
                else
                {
                    std::unique_lock<std::mutex> lock(mutex_);
                    done_.wait(lock, [this] { return workers_left_.load(std::memory_order_acquire) == 0; });
                }
            }
            if (error_)
                std::rethrow_exception(error_);
            return true;
        }

      private:
        // ~0.3 ms of pause instructions on a 3.7 GHz Zen core before sleeping.
        static constexpr int spin_limit = 1 << 14;

        void work_on_chunks() noexcept
        {
            detail::inside_pool_job = true;
            for (;;)
            {
                const std::size_t i = next_chunk_.fetch_add(1, std::memory_order_relaxed);
                if (i >= num_chunks_)
                    break;
                try
                {
                    (*job_)(i);
                }
                catch (...)
                {
                    std::lock_guard<std::mutex> lock(mutex_);
                    if (!error_)
                        error_ = std::current_exception();
                }
            }
            detail::inside_pool_job = false;
        }

        void worker_loop() noexcept
        {
            std::uint64_t seen = 0;
            for (;;)
            {
                for (int spin = 0; generation_.load(std::memory_order_acquire) == seen && spin < spin_limit; ++spin)
                    detail::cpu_relax();
                {
                    std::unique_lock<std::mutex> lock(mutex_);
                    wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_acquire) != seen; });
                    if (stop_)
                        return;
                    seen = generation_.load(std::memory_order_acquire);
                }
                work_on_chunks();
                if (workers_left_.fetch_sub(1, std::memory_order_acq_rel) == 1)
                {
                    std::lock_guard<std::mutex> lock(mutex_);
                    done_.notify_one();
                }
            }
        }

        void shutdown() noexcept
        {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                stop_ = true;
            }
            wake_.notify_all();
            for (auto& t : workers_)
                if (t.joinable())
                    t.join();
            workers_.clear();
        }

        std::vector<std::thread> workers_;
        std::mutex run_mutex_; // one job at a time
        std::mutex mutex_;     // guards job setup, sleeping and stop_
        std::condition_variable wake_;
        std::condition_variable done_;
        std::atomic<std::uint64_t> generation_{0};
        std::atomic<std::size_t> next_chunk_{0};
        std::atomic<std::size_t> workers_left_{0};
        const detail::chunk_fn* job_ = nullptr;
        std::size_t num_chunks_ = 0;
        std::exception_ptr error_;
        bool stop_ = false;
    };

    namespace detail
    {
        // The process-wide pool, created on first parallel use (importing the library
        // starts no threads). After fork() the child cannot use the parent's threads:
        // it abandons the old pool (its threads do not exist there) and builds a new one.
        struct global_pool_state
        {
            std::mutex mutex;
            std::size_t num_threads = 0;       // 0: not decided yet
            std::shared_ptr<thread_pool> pool; // shared: set_num_threads may swap it mid-job
            std::atomic<bool> forked{false};

            static global_pool_state& instance()
            {
                static global_pool_state* state = []
                {
                    auto* s = new global_pool_state(); // never destroyed: workers may outlive static dtors
#if defined(__linux__)
                    // Hold the mutex across fork() so the child never inherits it locked.
                    pthread_atfork([] { instance().mutex.lock(); }, [] { instance().mutex.unlock(); },
                                   []
                                   {
                                       instance().forked.store(true);
                                       instance().mutex.unlock();
                                   });
#endif
                    return s;
                }();
                return *state;
            }
        };
    } // namespace detail

    inline std::size_t get_num_threads()
    {
        auto& s = detail::global_pool_state::instance();
        std::lock_guard<std::mutex> lock(s.mutex);
        if (s.num_threads == 0)
            s.num_threads = default_num_threads();
        return s.num_threads;
    }

    // Sets the number of threads used by every later operation (1 = no pool).
    inline void set_num_threads(std::size_t n)
    {
        check_thread_count(static_cast<long long>(n));
        auto& s = detail::global_pool_state::instance();
        std::lock_guard<std::mutex> lock(s.mutex);
        if (s.num_threads == n)
            return;
        s.num_threads = n;
        s.pool.reset(); // joins the old workers; a new pool is made on next use
    }

    // Runs a job of num_chunks chunks on the global pool, or on the calling thread when
    // one thread is configured or the pool is busy.
    template <class F>
    void run_chunks(std::size_t num_chunks, F&& fn)
    {
        auto& s = detail::global_pool_state::instance();
        std::shared_ptr<thread_pool> pool;
        if (num_chunks > 1 && !detail::inside_pool_job)
        {
            std::lock_guard<std::mutex> lock(s.mutex);
            if (s.forked.exchange(false))
                new std::shared_ptr<thread_pool>(std::move(s.pool)); // leaked: its threads do not exist in this child
            if (s.num_threads == 0)
                s.num_threads = default_num_threads();
            if (!s.pool && s.num_threads > 1)
                s.pool = std::make_shared<thread_pool>(s.num_threads);
            pool = s.pool;
        }
        if (pool && pool->try_run(num_chunks, fn))
            return;
        for (std::size_t i = 0; i < num_chunks; ++i)
            fn(i);
    }
} // namespace pyperf_tensor
