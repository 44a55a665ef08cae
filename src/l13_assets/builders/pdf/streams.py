"""How the printed outputs' PDF streams are encoded (shared by the cheatsheet and the practice sheets)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def binary_streams() -> Iterator[None]:
    """Compressed streams without reportlab's ASCII85 layer: a quarter smaller, and its pure-Python
    encoder cost more than the rest of writing the file. ``rl_config.useA85`` is read while the canvas
    writes, so it is set only around the pages."""
    from reportlab import rl_config

    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved
