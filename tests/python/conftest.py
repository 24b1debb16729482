import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import pyperf_tensor as pt

# The ISA fixture is meant to hold for every generated example.
settings.register_profile("default", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile("default")

ISAS = pt.simd_info()["available"]
DTYPES = [np.float32, np.float64, np.int32, np.int64]


@pytest.fixture(params=ISAS)
def isa(request):
    """Runs the test once per ISA this CPU supports, forcing the kernels to it."""
    before = pt.simd_info()["selected"]
    pt._core._select_isa(request.param)
    assert pt.simd_info()["selected"] == request.param
    yield request.param
    pt._core._select_isa(before)


@pytest.fixture
def threads():
    """Restores the thread count a test changes."""
    before = pt.get_num_threads()
    yield pt.set_num_threads
    pt.set_num_threads(before)
