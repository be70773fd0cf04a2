"""Validating the served OpenAPI document in tests, checking each part once per process.

The whole document takes seconds to validate and most tests read it only to see what a custom
field or object changed. Every schema and path already checked (by content) is remembered; a
later call validates a document made of what is new, with the schemas it refers to, so each
part of every document read is still validated, once.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from openapi_spec_validator import validate

_checked: set[str] = set()
PREFIX = "#/components/schemas/"


def _digest(kind: str, name: str, value: Any) -> str:
    text = json.dumps([kind, name, value], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _refs(value: Any) -> set[str]:
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith(PREFIX):
                found.add(ref.removeprefix(PREFIX))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def validate_document(document: dict[str, Any]) -> None:
    """Raise as ``openapi_spec_validator.validate`` would for any part not checked before."""
    components = document.get("components", {})
    schemas: dict[str, Any] = components.get("schemas", {})
    paths: dict[str, Any] = document.get("paths", {})
    digests = {("schema", n): _digest("schema", n, v) for n, v in schemas.items()}
    digests |= {("path", p): _digest("path", p, v) for p, v in paths.items()}
    new = {key for key, digest in digests.items() if digest not in _checked}
    new_paths = {name for kind, name in new if kind == "path"}
    needed = {name for kind, name in new if kind == "schema"}
    todo = [schemas[n] for n in needed] + [paths[p] for p in new_paths]
    while todo:
        for name in _refs(todo.pop()) - needed:
            if name in schemas:
                needed.add(name)
                todo.append(schemas[name])
    part = {key: value for key, value in document.items() if key not in ("paths", "components")}
    part["paths"] = {p: paths[p] for p in sorted(new_paths)}
    part["components"] = {**components, "schemas": {n: schemas[n] for n in sorted(needed)}}
    validate(part)
    _checked.update(digests[key] for key in new)
