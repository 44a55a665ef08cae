"""The source's JSON Schema, generated from the pydantic models in ``model``.

Editors read it to complete and check the YAML while an author types (the source's first line names it for
yaml-language-server, which VS Code's YAML extension and Neovim use). It is committed beside the source as
``l13.schema.json``; ``tests/test_schema.py`` fails when it no longer matches the models, naming
``REFRESH``, the one command that rewrites it.
"""

from __future__ import annotations

import json
from typing import Any

SCHEMA_FILE = "l13.schema.json"
REFRESH = f"l13-assets schema --out source/{SCHEMA_FILE}"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema() -> dict[str, Any]:
    """The schema as data: pydantic's validation schema of ``Lesson``, with its dialect and a title."""
    from .model import Lesson

    generated = Lesson.model_json_schema(mode="validation")
    return {"$schema": DIALECT, **generated, "title": "l13-assets lesson source"}


def schema_text() -> str:
    """The schema as the committed file holds it: stable key order, UTF-8 (π, β as themselves), one newline."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
