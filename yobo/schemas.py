"""JSON Schema (2020-12) validation that reports every problem at file:line.

Schemas live in the top-level ``schemas/`` folder, one per kind of document,
with Japanese ``title`` and ``description`` on every property: the messages
below are built from those titles, so a care manager reads 「被保険者番号」, not
``person.insured_no``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import Problem, Source
from .resources import data_dir
from .values import bad_char, describe_char, number_problem, printable, staff_name_problem
from .yamlio import locate_line


#: The casebook's copy of the schemas (``yobo init`` writes it): editors validate and
#: complete YAML with it; yobo itself always validates with its own installed schemas.
COPY_DIR = "schemas"


def installed_schemas() -> dict[str, str]:
    """This yobo's schemas as a casebook holds them: casebook-relative path -> text."""
    return {f"{COPY_DIR}/{p.name}": p.read_text(encoding="utf-8")
            for p in sorted(data_dir("schemas").glob("*.schema.json"))}


def outdated_schema_copies(root: Path) -> list[Problem]:
    """A ``schema-outdated`` warning for each schema the casebook lacks or holds in another
    version than the installed yobo's (after an upgrade, or a local edit).  Compared as
    JSON, so line endings (git on Windows) and indentation do not count."""
    from . import __version__

    problems = []
    for rel, text in installed_schemas().items():
        copy = root / rel
        if not copy.is_file():
            why = f"がありません。エディタで検査・補完するには yobo schemas update で作成してください"
        else:
            try:
                same = json.loads(copy.read_text(encoding="utf-8")) == json.loads(text)
            except (OSError, UnicodeDecodeError, ValueError):
                same = False
            if same:
                continue
            why = (f"がインストールされている yobo {__version__} のものと違います（エディタは古い内容で検査します。"
                   "yobo は自分のスキーマで検査します）。yobo schemas update で更新してください")
        problems.append(Problem(Source(rel, 1 if copy.is_file() else 0), "schema-outdated",
                                f"スキーマ {Path(rel).name} {why}", severity="warning"))
    return problems


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    return json.loads((data_dir("schemas") / f"{name}.schema.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _validator(kind: str):
    # jsonschema costs ~80 ms to import: only commands that validate pay for it.
    import jsonschema
    from referencing import Registry, Resource

    registry = Registry()
    for path in sorted(data_dir("schemas").glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        registry = registry.with_resource(path.name, Resource.from_contents(contents))
    schema = load_schema(kind)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


def _is_date(value) -> bool:
    """The ``date`` format as jsonschema checks it: ``YYYY-MM-DD`` naming a real day."""
    import re
    from datetime import date

    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


#: Prefix of defs.schema.json's definitions when copied into one kind's schema.
_DEFS_PREFIX = "defs__"


def _inlined(node: Any, *, in_defs: bool) -> Any:
    """A schema node made self-contained for a draft-07 compiler: references into
    defs.schema.json point at a local copy, and a ``$ref`` with sibling keywords (which
    2020-12 applies and draft-07 ignores) is wrapped in ``allOf`` so they still count."""
    if isinstance(node, list):
        return [_inlined(item, in_defs=in_defs) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in ("properties", "$defs") and isinstance(value, dict):
            out[key] = {name: _inlined(child, in_defs=in_defs) for name, child in value.items()}
        else:
            out[key] = _inlined(value, in_defs=in_defs) if key not in ("enum", "const") else value
    ref = out.get("$ref")
    if isinstance(ref, str):
        file, _, pointer = ref.partition("#")
        if file == "defs.schema.json" or (in_defs and not file):
            ref = f"#/$defs/{_DEFS_PREFIX}{pointer.rsplit('/', 1)[-1]}"
        siblings = {k: v for k, v in out.items() if k not in ("$ref", "title", "description", "default")}
        if siblings:
            return {**siblings, "allOf": [*siblings.pop("allOf", []), {"$ref": ref}],
                    **{k: out[k] for k in ("title", "description") if k in out}}
        out["$ref"] = ref
    return out


@lru_cache(maxsize=None)
def _compiled(kind: str):
    """A compiled validator of ``kind`` (fastjsonschema): it only says whether a document
    is valid, ~10× faster than jsonschema and without its ~100 ms import; a document it
    refuses is explained by jsonschema (:func:`_validator`), whose errors the Japanese
    messages are built from."""
    import fastjsonschema

    defs = load_schema("defs")
    schema = _inlined(load_schema(kind), in_defs=False)
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema.setdefault("$defs", {}).update({f"{_DEFS_PREFIX}{name}": _inlined(node, in_defs=True)
                                           for name, node in defs.get("$defs", {}).items()})
    return fastjsonschema.compile(schema, formats={"date": _is_date}, use_default=False)


def schema_errors(kind: str, data: Any) -> list:
    """jsonschema's errors for ``data``, asked only when the compiled validator refuses it."""
    import fastjsonschema

    try:
        _compiled(kind)(data)
        return []
    except fastjsonschema.JsonSchemaException:
        return list(_validator(kind).iter_errors(data))


def _title_at(kind: str, path: list) -> str:
    """The Japanese title of the property at ``path`` (falls back to the key)."""
    node = load_schema(kind)
    title = None
    for part in path:
        node = _deref(node, kind)
        if isinstance(part, int):
            node = node.get("items", {})
            continue
        node = node.get("properties", {}).get(part)
        if node is None:
            return str(part)
        title = node.get("title") or _deref(node, kind).get("title")
    return title or ""


def field_label(kind: str, path: list) -> str:
    """A field path said in Japanese with the schema's titles, list items numbered from 1:
    ``["goals", 0, "services", 0, "provider"]`` → 「目標1・支援計画1・事業所（利用先）」."""
    node = load_schema(kind)
    parts: list[str] = []
    for part in path:
        node = _deref(node, kind)
        if isinstance(part, int):
            node = node.get("items", {})
            if parts:
                item_title = _deref(node, kind).get("title") if node else None
                parts[-1] = f"{item_title or parts[-1]}{part + 1}"
            continue
        node = node.get("properties", {}).get(part)
        if node is None:
            parts.append(str(part))
            node = {}
            continue
        parts.append(node.get("title") or _deref(node, kind).get("title") or str(part))
    return "・".join(parts)


def _deref(node: dict, kind: str) -> dict:
    """``node`` with its ``$ref`` resolved: into defs.schema.json, or ``#/$defs/…`` of ``kind``'s own schema."""
    ref = node.get("$ref")
    if not ref:
        return node
    file, _, pointer = ref.partition("#")
    target = load_schema(file.removesuffix(".schema.json") if file else kind)
    for part in pointer.strip("/").split("/"):
        if part:
            target = target[part]
    return {**target, **{k: v for k, v in node.items() if k != "$ref"}}


def _field(path: list) -> str:
    return ".".join(str(p) for p in path) or "(文書全体)"


def where_in(kind: str, path: list) -> str:
    """A field said for a message: its Japanese title and its key path."""
    title = _title_at(kind, path)
    return f"{title}（{_field(path)}）" if title else _field(path)


def _message(kind: str, error) -> tuple[list, str]:
    """A Japanese message for one jsonschema error, and the path it is about."""
    path = list(error.absolute_path)
    v = error.validator
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        full = path + [missing]
        return path, f"{_title_at(kind, full)}（{_field(full)}）がありません"
    if v == "additionalProperties":
        extra = sorted({str(k) for k in error.instance} - set(error.schema.get("properties", {})))
        names = "、".join(extra)
        return path, f"{_field(path)} に知らない項目 {names} があります（綴りを確かめてください）"
    where = where_in(kind, path)
    value = printable(error.instance)
    if v == "enum":
        options = "、".join(str(o) for o in error.validator_value)
        return path, f"{where}: '{value}' は使えません（{options} のいずれか）"
    if v == "const":
        return path, f"{where}: {value!r} ではなく {error.validator_value!r} にしてください"
    if v == "type":
        kinds = {"string": "文字列", "integer": "整数", "number": "数値", "boolean": "true/false",
                 "object": "項目の並び", "array": "一覧", "null": "空"}
        want = error.validator_value
        want = "・".join(kinds.get(w, w) for w in want) if isinstance(want, list) else kinds.get(want, want)
        hint = "（数字だけの値は \"…\" で囲んでください）" if want == "文字列" and isinstance(error.instance, int) else ""
        return path, f"{where}: {want}で書いてください{hint}"
    if v in ("pattern", "format"):
        desc = _deref(_schema_node(kind, path), kind).get("description", "")
        if v == "format" and error.validator_value == "date":
            return path, f"{where}: '{value}' は存在しない日付です"
        return path, f"{where}: '{value}' の形式が正しくありません（{desc}）"
    if v == "minLength":
        return path, f"{where}: 空にはできません"
    if v in ("maxLength", "maxItems"):
        return path, f"{where}: 長すぎます（最大 {error.validator_value}）"
    if v == "minItems":
        return path, f"{where}: {error.validator_value} 件以上必要です"
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        return path, f"{where}: {value} は範囲外です（{v} {error.validator_value}）"
    return path, f"{where}: {printable(error.message, 80)}"


def _schema_node(kind: str, path: list) -> dict:
    node = load_schema(kind)
    for part in path:
        node = _deref(node, kind)
        node = node.get("items", {}) if isinstance(part, int) else node.get("properties", {}).get(part, {})
    return node


_CODES = {
    "required": "schema-required",
    "additionalProperties": "schema-unknown-field",
    "enum": "schema-enum",
    "const": "schema-enum",
    "type": "schema-type",
    "pattern": "schema-pattern",
    "format": "schema-format",
    "minLength": "schema-empty",
}


#: ``$defs`` in defs.schema.json whose values are one line: names and titles that print
#: on a terminal, in a commit and on a form.  Every other text may hold newlines and tabs.
LINE_DEFS = ("name", "staffName")


def _line_kind(node: dict) -> str | None:
    """``name`` or ``staffName`` when ``node`` refers to that one-line definition."""
    ref = node.get("$ref", "") if isinstance(node, dict) else ""
    for name in LINE_DEFS:
        if ref.endswith(f"#/$defs/{name}"):
            return name
    return None


def _child(node: dict, kind: str | None, part) -> dict:
    if not kind:
        return {}
    node = _deref(node, kind) if isinstance(node, dict) else {}
    if isinstance(part, int):
        return node.get("items", {})
    found = node.get("properties", {}).get(part)
    if found is None:
        extra = node.get("additionalProperties")
        return extra if isinstance(extra, dict) else {}
    return found


def value_problems(kind: str | None, data: Any) -> list[tuple[list, str, str]]:
    """(path, code, message) for every value no schema keyword can refuse.

    Enforced here, once, for every document yobo writes or ``yobo validate`` reads:
    control characters, ESC and bidi overrides in any text or key (a one-line name or
    title refuses newlines and tabs too — see :data:`LINE_DEFS`), path-like staff names,
    and numbers too large to be anything but a typing accident.
    """
    found: list[tuple[list, str, str]] = []

    def where(path: list) -> str:  # without a schema (a --file), the key path alone
        return where_in(kind, path) if kind else _field(path)

    def walk(value: Any, node: dict, path: list) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                key_text = str(key)
                ch = bad_char(key_text)
                if ch is not None:
                    found.append((path, "text-control-char",
                                  f"{where(path)}: 項目名に{describe_char(ch)}は使えません"))
                    continue
                walk(item, _child(node, kind, key_text), path + [key_text])
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, _child(node, kind, index), path + [index])
        elif isinstance(value, str):
            line = _line_kind(node)
            ch = bad_char(value, multiline=line is None)
            if ch is not None:
                found.append((path, "text-control-char", f"{where(path)}: {describe_char(ch)}は使えません"))
            elif line == "staffName" and staff_name_problem(value):
                found.append((path, "staff-name", f"{where(path)}: {staff_name_problem(value)}"))
        else:
            problem = number_problem(value)
            if problem:
                found.append((path, "number-too-large", f"{where(path)}: {problem}"))

    walk(data, load_schema(kind) if kind else {}, [])
    return found


def check_document(kind: str, data: Any, *, path: str, text: str) -> list[Problem]:
    """Every schema problem of one parsed document, located in ``text``."""
    problems = []
    flagged = set()
    for where, code, message in value_problems(kind, data):
        flagged.add(tuple(map(str, where)))
        problems.append(Problem(Source(path, locate_line(text, tuple(where))), code, message))
    errors = sorted(schema_errors(kind, data), key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    for error in errors:
        if tuple(map(str, error.absolute_path)) in flagged and error.validator in ("pattern", "maximum", "minimum",
                                                                                    "maxLength", "type"):
            continue  # already said above, more precisely
        where, message = _message(kind, error)
        if error.validator == "additionalProperties":
            extra = sorted({str(k) for k in error.instance} - set(error.schema.get("properties", {})))
            where = where + extra[:1]  # point at the unknown key itself
        line = locate_line(text, tuple(where))
        code = _CODES.get(error.validator, "schema-" + error.validator.lower())
        problems.append(Problem(Source(path, line), code, message))
    return sorted(set(problems))


def schema_default(kind: str, path: list[str]):
    """The ``default`` the schema of ``kind`` declares for the property at ``path`` (one
    place for a default: the schema an editor shows is the value yobo uses)."""
    node = load_schema(kind)
    for part in path:
        node = _deref(node, kind).get("properties", {})[part]
    return _deref(node, kind)["default"]


def number_range(kind: str, path: list[str]) -> tuple[float, float]:
    """(minimum, maximum) the schema of ``kind`` allows for the number at ``path``, so an
    option (``--height-cm``) is checked against the same bounds as the document."""
    node = _deref(_schema_node(kind, path), kind)
    return node["minimum"], node["maximum"]
