"""Turning step input into document text (ruamel round trip, schema comment first)."""

from __future__ import annotations

from ..kinds import KINDS
from ..yamlio import dump_round_trip, new_document

#: The first comment line under the schema reference, saying what the file is, by schema
#: (each kind's ``title`` in the registry, :mod:`yobo.kinds`).
TITLES = {kind.schema: kind.title for kind in reversed(KINDS)}


def schema_ref(rel: str, kind: str) -> str:
    """The schema path relative to the file, as yaml-language-server wants it."""
    return "../" * rel.count("/") + f"schemas/{kind}.schema.json"


def render_new(rel: str, kind: str, data: dict) -> str:
    """Text of a brand-new document of ``kind`` at ``rel``; keys keep ``data``'s order."""
    return dump_round_trip(new_document(data, schema_ref=schema_ref(rel, kind), title=TITLES[kind]))
