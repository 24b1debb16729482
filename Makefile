# The two commands of the README, plus the benchmarks. Each target sets itself up
# (system packages, .venv, build) through scripts/setup.sh.
VENV   := .venv
PY     := $(VENV)/bin/python
BUILD  := build/cpp
JOBS   ?= 2
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: demo test test-cpp test-python bench bench-cpp setup examples clean

# Renders out/mandelbrot.png and prints the pure-Python-to-SIMD table (out/mandelbrot.md).
demo: setup examples
	$(PY) examples/mandelbrot/mandelbrot.py

test: setup test-cpp examples test-python

setup:
	scripts/setup.sh

# The examples' native modules, built against the source tree like a user project.
examples:
	cmake -S examples/mandelbrot -B build/mandelbrot -G Ninja -DCMAKE_BUILD_TYPE=Release \
	      -DPython_EXECUTABLE=$(CURDIR)/$(PY) -Dpybind11_DIR=$$($(PY) -m pybind11 --cmakedir)
	cmake --build build/mandelbrot -j $(JOBS)

# doctest once per ISA + the find_package / add_subdirectory / Conan consumers.
test-cpp:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DPYPERF_TENSOR_BUILD_TESTS=ON \
	      -DPYPERF_TENSOR_TEST_CONAN=ON
	cmake --build $(BUILD) -j $(JOBS)
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-python:
	$(PY) -m pytest -q tests/python

bench:
	scripts/setup.sh bench
	$(MAKE) bench-cpp
	$(PY) bench/python/run.py --out out/bench
	for f in out/bench/*.json; do $(PY) bench/python/summary.py $$f > $${f%.json}.summary.md; done

bench-cpp:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DPYPERF_TENSOR_BUILD_BENCH=ON
	cmake --build $(BUILD) -j $(JOBS)
	for isa in sse2 avx2 avx512; do for b in add peak; do $(BUILD)/bench/bench_$${b}_$$isa --benchmark_min_time=0.05; done; done

clean:
	rm -rf build out
