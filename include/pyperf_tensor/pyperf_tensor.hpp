// pyperf_tensor: the one include most users need.
#pragma once

#include "config.hpp"
#include "core/axes.hpp"
#include "core/error.hpp"
#include "core/shape.hpp"
#include "core/tensor.hpp"
#include "core/view.hpp"
#include "ops/activation.hpp"
#include "ops/elementwise.hpp"
#include "ops/reduce.hpp"
#include "parallel/parallel_for.hpp"
#include "parallel/thread_pool.hpp"
#include "simd/arch.hpp"
#include "simd/dispatch.hpp"
#include "simd/loop.hpp"
#include "simd/math.hpp"
