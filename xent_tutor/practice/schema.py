"""A small JSON Schema validator for the keywords the exercise schema uses, driven by the schema file.

xent keeps its dependencies few; jsonschema would bring four packages (one compiled) for the
twenty keywords below. An unknown keyword in the schema raises, so the schema cannot silently
outgrow this validator (a test runs it over the schema file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ANNOTATIONS = {"$schema", "$id", "title", "description", "$defs", "default", "examples"}
KEYWORDS = {
    "type", "const", "enum", "required", "properties", "additionalProperties", "propertyNames",
    "minProperties", "items", "minItems", "uniqueItems", "minLength", "pattern", "minimum",
    "maximum", "oneOf", "$ref",
}  # fmt: skip


@dataclass
class SchemaError:
    """One way the value breaks the schema: where (a path of keys and indices), which rule, its numbers."""

    path: tuple
    rule: str
    params: dict[str, Any] = field(default_factory=dict)


def _is(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, int | float)
    raise ValueError(f"unknown JSON Schema type {kind!r}")


def unknown_keywords(schema: Any) -> set[str]:
    """Keywords in `schema` (at any depth) this validator does not implement."""
    if isinstance(schema, list):
        return set().union(*map(unknown_keywords, schema)) if schema else set()
    if not isinstance(schema, dict):
        return set()
    found = set(schema) - KEYWORDS - ANNOTATIONS
    for key, sub in schema.items():
        if key in ("properties", "$defs"):
            found |= set().union(*map(unknown_keywords, sub.values())) if sub else set()
        elif key not in ("enum", "const", "required", "type", *ANNOTATIONS):
            found |= unknown_keywords(sub)
    return found


def validate(value: Any, schema: dict, root: dict | None = None, path: tuple = ()) -> list[SchemaError]:
    """Every way `value` breaks `schema` (empty when it is valid)."""
    root = root or schema
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return validate(value, target, root, path)
    if "const" in schema and value != schema["const"]:
        return [SchemaError(path, "const", {"expected": schema["const"]})]
    if "enum" in schema and value not in schema["enum"]:
        return [SchemaError(path, "enum", {"choices": ", ".join(map(str, schema["enum"]))})]
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(value, k) for k in kinds):
            return [SchemaError(path, "type", {"expected": " / ".join(kinds)})]
    if "oneOf" in schema:
        return _one_of(value, schema["oneOf"], root, path)
    errors: list[SchemaError] = []
    if isinstance(value, dict):
        errors += _object(value, schema, root, path)
    elif isinstance(value, list):
        errors += _array(value, schema, root, path)
    elif isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(SchemaError(path, "min_length", {"min": schema["minLength"]}))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(SchemaError(path, "pattern", {"pattern": schema["pattern"]}))
    elif _is(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(SchemaError(path, "minimum", {"min": schema["minimum"]}))
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(SchemaError(path, "maximum", {"max": schema["maximum"]}))
    return errors


def _object(value: dict, schema: dict, root: dict, path: tuple) -> list[SchemaError]:
    errors = [SchemaError(path, "required", {"field": k}) for k in schema.get("required", ()) if k not in value]
    if len(value) < schema.get("minProperties", 0):
        errors.append(SchemaError(path, "min_properties", {"min": schema["minProperties"]}))
    props = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, sub in value.items():
        if "propertyNames" in schema:
            errors += [
                SchemaError((*path, key), "name", e.params) for e in validate(key, schema["propertyNames"], root)
            ]
        if key in props:
            errors += validate(sub, props[key], root, (*path, key))
        elif extra is False:
            errors.append(SchemaError((*path, key), "unknown_field", {"field": key}))
        elif isinstance(extra, dict):
            errors += validate(sub, extra, root, (*path, key))
    return errors


def _array(value: list, schema: dict, root: dict, path: tuple) -> list[SchemaError]:
    errors = []
    if len(value) < schema.get("minItems", 0):
        errors.append(SchemaError(path, "min_items", {"min": schema["minItems"]}))
    if schema.get("uniqueItems"):
        seen: list = []
        for i, item in enumerate(value):
            if item in seen:
                errors.append(SchemaError((*path, i), "unique", {}))
            seen.append(item)
    if "items" in schema:
        for i, item in enumerate(value):
            errors += validate(item, schema["items"], root, (*path, i))
    return errors


def _one_of(value: Any, options: list, root: dict, path: tuple) -> list[SchemaError]:
    results = [validate(value, sub, root, path) for sub in options]
    passed = sum(not r for r in results)
    if passed == 1:
        return []
    if passed > 1:
        return [SchemaError(path, "one_of", {})]
    # None fits: report the branch that got furthest into the value (the deepest first error).
    return max(results, key=lambda r: len(r[0].path))
