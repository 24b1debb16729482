// Built, not run: header-only users may enable AVX-512F alone (-mavx512f -mfma, no DQ, BW or
// VL), and the headers must compile so. vandps/vorps on zmm are AVX512DQ, for one: an
// AVX-512 float32 exp helper that used them broke this build (stop 32).
#include <pyperf_tensor/pyperf_tensor.hpp>

namespace pt = pyperf_tensor;

template <class T>
void every_approximate_op(pt::tensor<T>& x)
{
    pt::exp_(x);
    pt::log_(x);
    pt::sigmoid_(x);
    pt::tanh_(x);
    pt::silu_(x);
    pt::gelu_(x);
    pt::gelu_(x, pt::gelu_approximation::tanh);
    pt::softmax_(x, 0);
    pt::log_softmax_(x, -1);
}

void header_avx512f(pt::tensor<float>& f, pt::tensor<double>& d)
{
    every_approximate_op(f);
    every_approximate_op(d);
}
