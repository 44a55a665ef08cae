"""The date every PDF carries, from the build's one parsed SOURCE_DATE_EPOCH.

reportlab reads SOURCE_DATE_EPOCH from the environment itself when a canvas is made (invariant mode: the
variable's time, else 2000-01-01). The build has already parsed the variable once (an empty value means
unset), so the canvas is made with the environment saying exactly that value, and nothing else decides.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def pdf_date(epoch: int | None) -> Iterator[None]:
    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)
    if epoch is not None:
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
        if saved is not None:
            os.environ["SOURCE_DATE_EPOCH"] = saved
