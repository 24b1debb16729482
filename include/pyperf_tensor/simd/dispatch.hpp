// Run-time choice among code compiled once per ISA: the building block for your own
// kernels, and what the Python extension uses for its own.
//
// Compile a source once per ISA with CMake's pyperf_tensor_add_kernels(<target> <src>):
// each copy sees -DPYPERF_TENSOR_KERNEL_ISA=sse2|avx2|avx512 and that ISA's flags. Put
// everything ISA-specific in a namespace named by that macro (or template it on
// simd::PYPERF_TENSOR_KERNEL_ISA), so no inline function is compiled twice under one name
// with different flags (the linker would keep one copy: possibly the AVX-512 one). The
// code that chooses (and everything else) is built for baseline x86-64:
//
//   // kernels.hpp, included by every copy and by the chooser
//   #define DECLARE(isa) namespace isa { void render(const job&, int y, int* out) noexcept; }
//   PYPERF_TENSOR_FOR_EACH_ISA(DECLARE)
//   // kernels.cpp, compiled per ISA
//   namespace PYPERF_TENSOR_KERNEL_ISA { using arch = pyperf_tensor::simd::PYPERF_TENSOR_KERNEL_ISA; ... }
//   // chooser
//   #define ENTRY(isa) {#isa, &isa::render},
//   auto render = pyperf_tensor::simd::pick<void (*)(const job&, int, int*)
//   noexcept>({PYPERF_TENSOR_FOR_EACH_ISA(ENTRY)});
//
// examples/mandelbrot is a complete example.
#pragma once

#include <array>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "arch.hpp"

// X(sse2) X(avx2) X(avx512): the ISAs pyperf_tensor compiles for, lowest first.
#define PYPERF_TENSOR_FOR_EACH_ISA(X) X(sse2) X(avx2) X(avx512)

namespace pyperf_tensor::simd
{
    // Names of the ISAs pyperf_tensor compiles for, lowest first.
    inline constexpr std::array<const char*, 3> isa_names{"sse2", "avx2", "avx512"};

    // The ISAs this CPU and OS can run, lowest first.
    inline std::vector<std::string> available_isas()
    {
        std::vector<std::string> names;
        for (const char* name : isa_names)
            if (cpu_supports(name))
                names.emplace_back(name);
        return names;
    }

    // Checks that `isa` names an ISA this machine runs; argument_error otherwise.
    inline void check_isa(const std::string& isa)
    {
        bool known = false;
        for (const char* name : isa_names)
            known = known || isa == name;
        if (!known)
            throw argument_error("unknown ISA '" + isa + "' (expected sse2, avx2 or avx512)");
        if (!cpu_supports(isa.c_str()))
        {
            std::string have;
            for (const auto& a : available_isas())
                have += (have.empty() ? "" : ", ") + a;
            throw argument_error("ISA '" + isa + "' is not supported by this CPU (available: " + have + ")");
        }
    }

    // The ISA to run: PYPERF_TENSOR_ARCH when set (argument_error if this machine cannot
    // run it), else the best this machine can run.
    inline std::string chosen_isa()
    {
        const char* env = std::getenv("PYPERF_TENSOR_ARCH");
        if (env == nullptr || *env == '\0')
            return available_isas().back();
        try
        {
            check_isa(env);
        }
        catch (const argument_error& e)
        {
            throw argument_error(std::string("PYPERF_TENSOR_ARCH: ") + e.what());
        }
        return env;
    }

    // From one entry {isa name, value} per ISA, the value for `isa` (by default the
    // chosen one). argument_error if `isa` cannot run here or has no entry.
    template <class Fn>
    Fn pick(std::initializer_list<std::pair<const char*, Fn>> per_isa, const std::string& isa = chosen_isa())
    {
        check_isa(isa);
        for (const auto& entry : per_isa)
            if (isa == entry.first)
                return entry.second;
        throw argument_error("no kernel compiled for ISA '" + isa + "'");
    }
} // namespace pyperf_tensor::simd
