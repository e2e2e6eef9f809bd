"""numba.njit as the adapters use it: compiled once and cached on disk, releasing the GIL (so a
background thread's kernel runs beside the main thread's), without bounds checks.

Import it only from modules loaded when their work starts: `import numba` takes half a second.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def jit(fn: F) -> F:
    return cast(F, numba.njit(cache=True, nogil=True, boundscheck=False)(fn))


def jit_inline(fn: F) -> F:
    """jit for a small helper that other kernels call in their inner loops: numba compiles it into each
    caller (as a call, a helper run once per word cost the loop a third of its time)."""
    return cast(F, numba.njit(cache=True, nogil=True, boundscheck=False, inline="always")(fn))
