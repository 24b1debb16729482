from typing import Optional, TypedDict, Union

import numpy as np
import numpy.typing as npt

__version__: str

Operand = Union[npt.NDArray[np.generic], np.generic, int, float]

class SimdInfo(TypedDict):
    selected: str
    available: list[str]

def add(a: Operand, b: Operand, out: Optional[npt.NDArray[np.generic]] = None) -> npt.NDArray[np.generic]: ...
def simd_info() -> SimdInfo: ...
def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...
def _select_isa(name: str) -> None: ...
