// Shapes and strides: a fixed-capacity small vector (no heap traffic on the call path),
// NumPy broadcasting, and the formatting used in error messages.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <string>
#include <type_traits>

#include "../config.hpp"
#include "error.hpp"

namespace pyperf_tensor
{
    using index_t = std::ptrdiff_t;

    // Up to PYPERF_TENSOR_MAX_RANK extents or strides, stored inline.
    class dims
    {
      public:
        // Storage is not zeroed: views and shapes are built on every call, and zeroing 32
        // slots of each showed up in the per-call cost of small operations.
        static constexpr std::size_t capacity = PYPERF_TENSOR_MAX_RANK;

        dims() noexcept {}
        dims(const dims& other) noexcept { *this = other; }
        dims& operator=(const dims& other) noexcept
        {
            n_ = other.n_;
            for (std::size_t i = 0; i < n_; ++i)
                v_[i] = other.v_[i];
            return *this;
        }
        dims(std::initializer_list<index_t> values) { assign(values.begin(), values.end()); }
        template <class It>
        dims(It first, It last)
        {
            assign(first, last);
        }
        // Any container of integers (std::vector, std::array, xtensor shapes).
        template <class C, class = decltype(std::declval<const C&>().begin())>
        explicit dims(const C& c)
        {
            assign(c.begin(), c.end());
        }
        // rank zeros
        static dims zeros(std::size_t rank)
        {
            dims d;
            d.resize(rank);
            return d;
        }

        std::size_t size() const noexcept { return n_; }
        bool empty() const noexcept { return n_ == 0; }
        index_t& operator[](std::size_t i) noexcept { return v_[i]; }
        index_t operator[](std::size_t i) const noexcept { return v_[i]; }
        const index_t* begin() const noexcept { return v_.data(); }
        const index_t* end() const noexcept { return v_.data() + n_; }
        index_t* begin() noexcept { return v_.data(); }
        index_t* end() noexcept { return v_.data() + n_; }

        void resize(std::size_t n)
        {
            check_rank(n);
            for (std::size_t i = n_; i < n; ++i)
                v_[i] = 0;
            n_ = n;
        }
        void push_back(index_t value)
        {
            check_rank(n_ + 1);
            v_[n_++] = value;
        }

        friend bool operator==(const dims& a, const dims& b) noexcept
        {
            if (a.n_ != b.n_)
                return false;
            for (std::size_t i = 0; i < a.n_; ++i)
                if (a.v_[i] != b.v_[i])
                    return false;
            return true;
        }
        friend bool operator!=(const dims& a, const dims& b) noexcept { return !(a == b); }

      private:
        template <class It>
        void assign(It first, It last)
        {
            n_ = 0;
            using category = typename std::iterator_traits<It>::iterator_category;
            if constexpr (std::is_base_of<std::random_access_iterator_tag, category>::value)
                check_rank(static_cast<std::size_t>(last - first)); // the whole rank in the message
            for (; first != last; ++first)
                push_back(static_cast<index_t>(*first));
        }
        static void check_rank(std::size_t n)
        {
            if (n > capacity)
                throw argument_error("rank " + std::to_string(n) + " exceeds PYPERF_TENSOR_MAX_RANK ("
                                     + std::to_string(capacity) + ")");
        }

        std::array<index_t, capacity> v_; // only [0, n_) is meaningful; left uninitialised on purpose
        std::size_t n_ = 0;
    };

    // "(2, 3)", "(4,)", "()" as NumPy prints shapes.
    inline std::string to_string(const dims& d)
    {
        std::string s = "(";
        for (std::size_t i = 0; i < d.size(); ++i)
        {
            if (i)
                s += ", ";
            s += std::to_string(d[i]);
        }
        if (d.size() == 1)
            s += ",";
        return s + ")";
    }

    inline index_t size_of(const dims& shape) noexcept
    {
        index_t n = 1;
        for (index_t e : shape)
            n *= e;
        return n;
    }

    // Strides (in elements) of a C-contiguous array of this shape.
    inline dims c_strides(const dims& shape)
    {
        dims s = dims::zeros(shape.size());
        index_t step = 1;
        for (std::size_t i = shape.size(); i-- > 0;)
        {
            s[i] = step;
            step *= shape[i] > 0 ? shape[i] : 1;
        }
        return s;
    }

    // Strides (in elements) of a Fortran-contiguous array of this shape.
    inline dims f_strides(const dims& shape)
    {
        dims s = dims::zeros(shape.size());
        index_t step = 1;
        for (std::size_t i = 0; i < shape.size(); ++i)
        {
            s[i] = step;
            step *= shape[i] > 0 ? shape[i] : 1;
        }
        return s;
    }

    // NumPy broadcasting: align right, extents must match or be 1.
    inline bool try_broadcast(const dims& a, const dims& b, dims& result)
    {
        const std::size_t rank = a.size() > b.size() ? a.size() : b.size();
        result = dims::zeros(rank);
        for (std::size_t i = 0; i < rank; ++i)
        {
            const index_t ea = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
            const index_t eb = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
            if (ea != eb && ea != 1 && eb != 1)
                return false;
            result[i] = ea == 1 ? eb : ea;
        }
        return true;
    }

    // The broadcast shape of any number of shapes; the error names them all.
    template <class It>
    dims broadcast_shapes(It first, It last)
    {
        dims result;
        for (It it = first; it != last; ++it)
        {
            dims next;
            if (!try_broadcast(it == first ? *it : result, *it, next))
            {
                std::string all;
                for (It s = first; s != last; ++s)
                    all += " " + to_string(*s);
                throw shape_error("operands could not be broadcast together with shapes" + all);
            }
            result = next;
        }
        return result;
    }
    inline dims broadcast_shapes(std::initializer_list<dims> shapes)
    {
        return broadcast_shapes(shapes.begin(), shapes.end());
    }
    inline dims broadcast_shapes(const dims& a, const dims& b) { return broadcast_shapes({a, b}); }
} // namespace pyperf_tensor
