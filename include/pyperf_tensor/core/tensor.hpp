// tensor<T>: an owning, C-contiguous, PYPERF_TENSOR_ALIGNMENT-aligned array.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

#include "view.hpp"

namespace pyperf_tensor
{
    template <class T>
    class tensor
    {
        static_assert(std::is_trivially_copyable<T>::value, "tensor holds trivially copyable values");

      public:
        using value_type = T;

        tensor() = default;
        // Zero-filled, like std::vector.
        explicit tensor(const dims& shape) : tensor(shape, T{}) {}
        tensor(const dims& shape, T fill) : tensor(uninitialized(shape))
        {
            // size() >= 0 (uninitialized() rejects negative extents); max() says so to GCC 12,
            // which otherwise warns of a negative memset bound.
            std::fill_n(data(), std::max<index_t>(size(), 0), fill);
        }
        tensor(const dims& shape, std::initializer_list<T> values) : tensor(uninitialized(shape))
        {
            if (static_cast<index_t>(values.size()) != size())
                throw shape_error("tensor: " + std::to_string(values.size()) + " values for shape " + to_string(shape));
            std::copy(values.begin(), values.end(), data());
        }
        // Storage left uninitialised: for outputs that are about to be written in full.
        static tensor uninitialized(const dims& shape)
        {
            for (const index_t e : shape)
                if (e < 0)
                    throw shape_error("tensor: negative extent in shape " + to_string(shape));
            tensor t;
            t.shape_ = shape;
            t.strides_ = c_strides(shape);
            const index_t n = size_of(shape);
            if (n > 0)
                t.storage_.reset(static_cast<T*>(::operator new(static_cast<std::size_t>(n) * sizeof(T),
                                                                std::align_val_t(PYPERF_TENSOR_ALIGNMENT))));
            return t;
        }

        tensor(const tensor& other) : tensor(uninitialized(other.shape_))
        {
            if (size() > 0)
                std::memcpy(data(), other.data(), static_cast<std::size_t>(size()) * sizeof(T));
        }
        tensor& operator=(const tensor& other)
        {
            if (this != &other)
                *this = tensor(other);
            return *this;
        }
        tensor(tensor&&) noexcept = default;
        tensor& operator=(tensor&&) noexcept = default;

        T* data() noexcept { return storage_.get(); }
        const T* data() const noexcept { return storage_.get(); }
        const dims& shape() const noexcept { return shape_; }
        const dims& strides() const noexcept { return strides_; }
        std::size_t rank() const noexcept { return shape_.size(); }
        index_t size() const noexcept { return size_of(shape_); }

        template <class... I>
        T& operator()(I... index) noexcept
        {
            return as_view()(index...);
        }
        template <class... I>
        const T& operator()(I... index) const noexcept
        {
            return as_view()(index...);
        }

        view<T> as_view() noexcept { return view<T>(data(), shape_, strides_); }
        view<const T> as_view() const noexcept { return view<const T>(data(), shape_, strides_); }

      private:
        struct aligned_delete
        {
            void operator()(T* p) const noexcept { ::operator delete(p, std::align_val_t(PYPERF_TENSOR_ALIGNMENT)); }
        };
        std::unique_ptr<T, aligned_delete> storage_;
        dims shape_;
        dims strides_;
    };
} // namespace pyperf_tensor
