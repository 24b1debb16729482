// view<T>: a non-owning strided window on memory (pointer + shape + strides in elements).
// Negative and zero strides are allowed. It wraps raw memory, pyperf_tensor::tensor,
// and xtensor containers / xt::adapt results without copying: writes through a view
// reach the original buffer.
#pragma once

#include <type_traits>
#include <utility>

#include "shape.hpp"

namespace pyperf_tensor
{
    namespace detail
    {
        template <class E, class = void>
        struct has_data_offset : std::false_type
        {
        };
        template <class E>
        struct has_data_offset<E, std::void_t<decltype(std::declval<E&>().data_offset())>> : std::true_type
        {
        };
        template <class E, class = void>
        struct is_strided_container : std::false_type
        {
        };
        template <class E>
        struct is_strided_container<
            E, std::void_t<decltype(std::declval<E&>().data()), decltype(std::declval<E&>().shape()),
                           decltype(std::declval<E&>().strides())>> : std::true_type
        {
        };
    } // namespace detail

    template <class T>
    class view
    {
      public:
        using value_type = std::remove_const_t<T>;

        view() noexcept = default;
        // Strided memory: strides are in elements, not bytes.
        view(T* data, const dims& shape, const dims& strides) : data_(data), shape_(shape), strides_(strides)
        {
            if (shape.size() != strides.size())
                throw shape_error("view: shape " + to_string(shape) + " and strides " + to_string(strides)
                                  + " differ in rank");
            for (index_t e : shape)
                if (e < 0)
                    throw shape_error("view: negative extent in shape " + to_string(shape));
        }
        // C-contiguous memory.
        view(T* data, const dims& shape) : view(data, shape, c_strides(shape)) {}
        // Anything with data(), shape(), strides() in elements: pyperf_tensor::tensor,
        // xt::xtensor, xt::xarray, xt::adapt(...). The pointer is taken, never the data.
        template <class E, class = std::enable_if_t<detail::is_strided_container<std::remove_reference_t<E>>::value
                                                    && !std::is_same<std::decay_t<E>, view>::value>>
        view(E&& e) // NOLINT: implicit on purpose, so containers pass where views are expected
            : view(first_element(e), dims(e.shape()), dims(e.strides()))
        {
        }
        // view<float> -> view<const float>
        template <class U, class = std::enable_if_t<std::is_same<const U, T>::value && !std::is_same<U, T>::value>>
        view(const view<U>& other) noexcept : data_(other.data()), shape_(other.shape()), strides_(other.strides())
        {
        }

        T* data() const noexcept { return data_; }
        const dims& shape() const noexcept { return shape_; }
        const dims& strides() const noexcept { return strides_; }
        std::size_t rank() const noexcept { return shape_.size(); }
        index_t size() const noexcept { return size_of(shape_); }

        // Element at a multi-index (no bounds checks: this is the hot-path accessor).
        template <class... I>
        T& operator()(I... index) const noexcept
        {
            index_t offset = 0;
            std::size_t axis = 0;
            ((offset += static_cast<index_t>(index) * strides_[axis++]), ...);
            return data_[offset];
        }

        bool is_c_contiguous() const noexcept { return matches(c_strides(shape_)); }

      private:
        template <class E>
        static T* first_element(E& e)
        {
            if constexpr (detail::has_data_offset<E>::value)
                return e.data() + e.data_offset();
            else
                return e.data();
        }
        bool matches(const dims& expected) const noexcept
        {
            for (std::size_t i = 0; i < shape_.size(); ++i)
                if (shape_[i] > 1 && strides_[i] != expected[i])
                    return false;
            return true;
        }

        T* data_ = nullptr;
        dims shape_;
        dims strides_;
    };

    template <class E>
    view(E&) -> view<std::remove_pointer_t<decltype(std::declval<E&>().data())>>;

    // A view of any container (const containers give read-only views).
    template <class E>
    auto make_view(E& e)
    {
        return view<std::remove_pointer_t<decltype(e.data())>>(e);
    }
    template <class T>
    view<T> make_view(view<T> v) noexcept
    {
        return v;
    }
} // namespace pyperf_tensor
