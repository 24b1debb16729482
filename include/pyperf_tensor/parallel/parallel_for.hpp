// parallel_for: split [begin, end) into pieces of at least `grain` indices and run
// body(lo, hi) on each, across the pool. Below two grains everything stays on the
// calling thread (a 100x100 add never wakes the pool). With a seam, every piece but the
// first leaves its first `seam` indices to the calling thread after the others finish:
// for pieces that run side by side through memory (columns of every row), so that no
// cache line is written by two threads at once. With a phase (below 64), the pieces
// after the first start at begin + phase + a multiple of 64 indices (of a smaller power
// of 2 for fewer than two such pieces per thread): where the rows of a transposed input
// start register-aligned, so that no piece begins with a partial band.
// parallel_for_each: body(i) for every index, each handed to whichever thread is free
// next: for work whose cost differs a lot between indices (Mandelbrot rows).
#pragma once

#include <algorithm>
#include <cstddef>

#include "../core/shape.hpp"
#include "thread_pool.hpp"

namespace pyperf_tensor
{
    // Pieces per thread: more than one so a thread slowed by a noisy neighbour does not
    // hold everyone up; few enough that scheduling stays negligible.
    inline constexpr index_t pieces_per_thread = 4;

    // The threads parallel_for puts on n indices with this grain.
    inline index_t parallel_for_threads(index_t n, index_t grain)
    {
        return n >= 2 * std::max<index_t>(grain, 1) ? static_cast<index_t>(get_num_threads()) : 1;
    }

    template <class Body>
    void parallel_for(index_t begin, index_t end, index_t grain, Body&& body, index_t seam = 0, index_t phase = 0)
    {
        const index_t n = end - begin;
        if (n <= 0)
            return;
        if (phase < 0 || phase >= 64 || phase >= n)
            phase = 0;
        if (grain < 1)
            grain = 1;
        const index_t threads = parallel_for_threads(n, grain);
        if (threads <= 1)
        {
            body(begin, end);
            return;
        }
        // A whole number of pieces per thread, each at least a grain, so no thread is left
        // with one piece more than the others.
        index_t per_thread = n / (grain * threads);
        per_thread = per_thread < 1 ? 1 : per_thread > pieces_per_thread ? pieces_per_thread : per_thread;
        index_t pieces = threads * per_thread;
        // Piece boundaries on multiples of 64 indices keep SIMD bodies and cache lines whole
        // (and the elementwise engine's bands of rows). Below two such pieces per thread (a
        // few long rows), the largest power of 2 that still makes them: at 64 rows the
        // multiple of 64 made one piece, and add(x, row) on 64 rows of 10^5 took one
        // thread's time on two.
        index_t align = 64;
        while (align > 1 && n < 2 * align * threads)
            align /= 2;
        const index_t step = ((n + pieces - 1) / pieces + align - 1) / align * align;
        pieces = std::max<index_t>(1, (n - phase + step - 1) / step);
        auto piece_range = [&](index_t piece, index_t& lo, index_t& hi)
        {
            lo = piece == 0 ? begin : begin + phase + piece * step;
            hi = begin + phase + (piece + 1) * step < end ? begin + phase + (piece + 1) * step : end;
        };
        run_chunks(static_cast<std::size_t>(pieces),
                   [&](std::size_t piece)
                   {
                       index_t lo, hi;
                       piece_range(static_cast<index_t>(piece), lo, hi);
                       if (piece > 0)
                           lo = lo + seam < hi ? lo + seam : hi;
                       if (lo < hi)
                           body(lo, hi);
                   });
        for (index_t piece = 1; seam > 0 && piece < pieces; ++piece)
        {
            index_t lo, hi;
            piece_range(piece, lo, hi);
            body(lo, lo + seam < hi ? lo + seam : hi);
        }
    }

    template <class Body>
    void parallel_for_each(index_t begin, index_t end, Body&& body)
    {
        if (end > begin)
            run_chunks(static_cast<std::size_t>(end - begin),
                       [&](std::size_t i) { body(begin + static_cast<index_t>(i)); });
    }
} // namespace pyperf_tensor
