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
        // One round of a spin-wait: a pause, and every 64th round a yield, so a spinning
        // thread gives its core to any other runnable thread (ours or another library's).
        inline void spin_pause(int round) noexcept
        {
            if (round % 64 == 63)
                std::this_thread::yield();
#if defined(__x86_64__) || defined(__i386__)
            else
                __builtin_ia32_pause();
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
            job_ = &job;
            num_chunks_ = num_chunks;
            next_chunk_.store(0, std::memory_order_relaxed);
            error_ = nullptr;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                generation_ += generation_step;
                state_.store(generation_ | open_bit, std::memory_order_release);
                if (sleeping_ > 0)
                    wake_.notify_all();
            }
            work_on_chunks();
            // Close the job: a worker that has not joined yet (descheduled, asleep) never
            // will, so the caller waits only for workers still inside a chunk. Waiting for
            // every worker to check in would stall whenever another runtime's spinning
            // threads (OpenMP in PyTorch, say) hold the other cores.
            std::uint64_t s = state_.fetch_and(~open_bit, std::memory_order_acq_rel) & ~open_bit;
            for (int spin = 0; (s & active_mask) != 0; ++spin)
            {
                detail::spin_pause(spin);
                s = state_.load(std::memory_order_acquire);
            }
            job_ = nullptr;
            if (error_)
                std::rethrow_exception(error_);
            return true;
        }

      private:
        // state_: generation (high bits) | open_bit | number of workers inside the job.
        static constexpr std::uint64_t active_mask = 0xffff;
        static constexpr std::uint64_t open_bit = 0x10000;
        static constexpr std::uint64_t generation_step = 0x20000;
        // A worker spins this many rounds (~50-100 us) after a job before sleeping, so
        // back-to-back calls find it awake; spinning yields the core regularly.
        static constexpr int spin_rounds = 1 << 12;

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
                    std::lock_guard<std::mutex> lock(error_mutex_);
                    if (!error_)
                        error_ = std::current_exception();
                }
            }
            detail::inside_pool_job = false;
        }

        // Joins the open job of generation `gen`, if it is still open.
        bool try_join(std::uint64_t gen) noexcept
        {
            std::uint64_t s = state_.load(std::memory_order_acquire);
            while ((s & ~(active_mask | open_bit)) == gen && (s & open_bit))
                if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel))
                    return true;
            return false;
        }

        void worker_loop() noexcept
        {
            std::uint64_t seen = 0;
            for (;;)
            {
                std::uint64_t gen = state_.load(std::memory_order_acquire) & ~(active_mask | open_bit);
                for (int spin = 0; gen == seen && spin < spin_rounds; ++spin)
                {
                    detail::spin_pause(spin);
                    gen = state_.load(std::memory_order_acquire) & ~(active_mask | open_bit);
                }
                if (gen == seen)
                {
                    std::unique_lock<std::mutex> lock(mutex_);
                    ++sleeping_;
                    wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
                    --sleeping_;
                    if (stop_)
                        return;
                    gen = generation_;
                }
                seen = gen;
                if (try_join(gen))
                {
                    work_on_chunks();
                    state_.fetch_sub(1, std::memory_order_acq_rel);
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
        std::mutex mutex_;     // guards generation_, sleeping_, stop_ (the sleep/wake handshake)
        std::condition_variable wake_;
        std::uint64_t generation_ = 0;
        int sleeping_ = 0;
        bool stop_ = false;
        std::atomic<std::uint64_t> state_{0};
        std::atomic<std::size_t> next_chunk_{0};
        const detail::chunk_fn* job_ = nullptr;
        std::size_t num_chunks_ = 0;
        std::mutex error_mutex_;
        std::exception_ptr error_;
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
