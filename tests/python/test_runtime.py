"""Threads, ISA selection, environment variables, GIL release, fork safety, no hidden allocations."""

import multiprocessing
import os
import subprocess
import sys
import threading
import time
import tracemalloc

import numpy as np
import pytest

import pyperf_tensor as pt


def run_python(code, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PYPERF_TENSOR_")}
    full_env.update(env)
    return subprocess.run([sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=120)


def test_simd_info_reports_the_selected_and_available_isas():
    info = pt.simd_info()
    assert info["selected"] in ("sse2", "avx2", "avx512")
    assert info["available"][0] == "sse2"
    assert set(info["available"]) <= {"sse2", "avx2", "avx512"}
    assert info["selected"] in info["available"]


@pytest.mark.parametrize("isa", pt.simd_info()["available"])
def test_environment_forces_each_available_isa(isa):
    r = run_python("import pyperf_tensor as pt, numpy as np;"
                   "print(pt.simd_info()['selected']);"
                   "assert pt.add(np.arange(100.0), 1.0)[99] == 100.0", PYPERF_TENSOR_ARCH=isa)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == isa


def test_default_isa_is_the_best_available():
    r = run_python("import pyperf_tensor as pt; i = pt.simd_info(); print(i['selected'] == i['available'][-1])")
    assert r.stdout.strip() == "True", r.stderr


@pytest.mark.parametrize("value, message", [("avx1024", "unknown ISA 'avx1024'"), ("AVX2", "unknown ISA")])
def test_bad_isa_in_environment_fails_import_with_a_clear_message(value, message):
    r = run_python("import pyperf_tensor", PYPERF_TENSOR_ARCH=value)
    assert r.returncode != 0
    assert "ImportError" in r.stderr and message in r.stderr


def test_thread_count_from_environment():
    r = run_python("import pyperf_tensor as pt; print(pt.get_num_threads())", PYPERF_TENSOR_NUM_THREADS="3")
    assert r.stdout.strip() == "3", r.stderr


def test_default_thread_count_is_the_usable_cores():
    r = run_python("import pyperf_tensor as pt, os; print(pt.get_num_threads() == len(os.sched_getaffinity(0)))")
    assert r.stdout.strip() == "True", r.stderr


@pytest.mark.parametrize("value", ["0", "two", "-1", "99999"])
def test_bad_thread_count_in_environment_fails_import_clearly(value):
    r = run_python("import pyperf_tensor", PYPERF_TENSOR_NUM_THREADS=value)
    assert r.returncode != 0
    assert "ImportError" in r.stderr and f"PYPERF_TENSOR_NUM_THREADS='{value}'" in r.stderr


def test_set_num_threads(threads):
    threads(3)
    assert pt.get_num_threads() == 3
    threads(1)
    assert pt.get_num_threads() == 1
    for bad in (0, -2, 10**6):
        with pytest.raises(ValueError, match="number of threads"):
            pt.set_num_threads(bad)
    with pytest.raises(TypeError):
        pt.set_num_threads("2")


def test_gil_is_released_while_computing(threads):
    """Another Python thread runs while one long add is in C++ (it could not if the GIL were held)."""
    threads(1)
    a = np.ones(16_000_000, np.float32)
    out = np.empty_like(a)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())

    windows = []
    t = threading.Thread(target=ticker)
    t.start()
    try:
        for _ in range(10):
            start = time.perf_counter()
            pt.add(a, a, out=out)
            windows.append((start, time.perf_counter()))
    finally:
        stop.set()
        t.join()
    inside = sum(1 for s, e in windows for x in ticks if s < x < e)
    assert inside > 0
    assert out[0] == 2.0


def test_concurrent_python_threads_get_correct_results(threads):
    threads(2)
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(300_000) for _ in range(4)]
    results = [None] * 4

    def work(i):
        for _ in range(5):
            results[i] = pt.add(arrays[i], arrays[i])

    workers = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for a, r in zip(arrays, results):
        np.testing.assert_array_equal(r, a + a)


def _child_adds(queue):
    a = np.arange(1_000_000, dtype=np.float64)
    queue.put(bool(np.array_equal(pt.add(a, a), a + a)))


def test_pool_works_in_a_forked_child(threads):
    threads(2)
    a = np.ones(1_000_000)
    pt.add(a, a)  # the parent's pool is running
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_adds, args=(queue,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert queue.get(timeout=5) is True


def test_out_and_in_place_allocate_nothing(threads):
    threads(2)
    a = np.ones((1000, 1000), np.float32)
    b = np.ones((1000, 1000), np.float32)
    out = np.empty_like(a)
    pt.add(a, b, out=out)  # warm up (pool creation)
    tracemalloc.start()
    try:
        for _ in range(5):
            pt.add(a, b, out=out)
            pt.add(a, 1.0, out=a)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4096  # NumPy reports its buffers to tracemalloc: a 4 MB result would show


def test_package_surface():
    import importlib.resources
    import re
    assert set(pt.__all__) >= {"add", "simd_info", "set_num_threads", "get_num_threads", "__version__"}
    for name in pt.__all__:
        assert hasattr(pt, name)
    header = os.path.join(os.path.dirname(__file__), "..", "..", "include", "pyperf_tensor", "config.hpp")
    version = re.search(r'PYPERF_TENSOR_VERSION_STRING "([^"]+)"', open(header).read()).group(1)
    assert pt.__version__ == version
    files = importlib.resources.files("pyperf_tensor")
    assert files.joinpath("py.typed").is_file()
    assert files.joinpath("_core.pyi").is_file()
