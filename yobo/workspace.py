"""Several casebooks at once: a workspace (ワークスペース).

A 包括 entrusts cases to many 居宅, and a 居宅 works for several 包括 besides its own
指定 cases; with one repository per (包括, 居宅) pair (README「二つの事業所で共有する」),
each office sees several casebooks.  ``monitor due``, ``case list`` and ``sync`` take
them by repeating ``-C`` or from a workspace file, and label every row with the
casebook it came from.

The workspace file is YAML, a list of casebooks, each a ``path`` (``~`` is the home
folder; a relative path is read from the file's own folder) and an optional
``label`` (the name shown in the 「ケースブック」 column; default the folder's name)::

    # yobo ワークスペース
    - path: ~/yobo/sakura-chuo
      label: さくら居宅（中央包括）
    - path: /mnt/share/yobo/himawari-chuo.git-clone
      label: ひまわり居宅（中央包括）

A mistake in the file is bad input (exit 2, ``file:line: field: message``); a casebook
that cannot be opened when the list runs is a problem row of the list, never a crash.
This module reads no files: the CLI reads the workspace file and opens each casebook.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, Source
from .rules.due import TASK, UNREADABLE_DUE, Due

#: Keys a workspace entry may have.
ENTRY_KEYS = ("path", "label")

#: Code of the row a casebook that cannot be opened becomes (in every list it is in).
UNREADABLE_CASEBOOK = "unreadable-casebook"

#: Longest label (it is a column of a table and a calendar category).
LABEL_MAX = 60


@dataclass(frozen=True)
class Member:
    """One casebook of a workspace: its label and where it is."""

    label: str
    path: Path
    #: where it was named: ``file:line`` of the workspace entry, or ``-C``
    origin: str


def _line(text: str, where: tuple) -> int:
    from .yamlio import locate_line

    return locate_line(text, where)


def parse_workspace(data, text: str, path: Path, *, home: Path) -> list[Member]:
    """The casebooks a workspace file lists (its parsed ``data`` and ``text``), checked:
    a non-empty list of mappings with a ``path`` string and an optional one-line
    ``label``, no other key, no label or folder twice.  :class:`InputError` at the
    entry's line otherwise."""

    def bad(message: str, where: tuple, field: str) -> InputError:
        return InputError(message, source=Source(str(path), _line(text, where) or 1), field=field)

    if not isinstance(data, list) or not data:
        raise bad("ワークスペースはケースブックの並び（「- path: フォルダ」の行）で書いてください", (), "casebooks")
    base = path.parent
    members: list[Member] = []
    seen_labels: dict[str, int] = {}
    seen_paths: dict[Path, int] = {}
    for i, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise bad(f"{i + 1} 件目は「path: フォルダ」（と label: 名前）の形で書いてください", (i,), "path")
        unknown = sorted(str(k) for k in entry if k not in ENTRY_KEYS)
        if unknown:
            raise bad(f"知らない項目 {'、'.join(unknown)} があります（使える項目: {'、'.join(ENTRY_KEYS)}）",
                      (i, unknown[0]), unknown[0])
        raw = entry.get("path")
        if not isinstance(raw, str) or not raw.strip():
            raise bad(f"{i + 1} 件目にケースブックのフォルダ（path）がありません", (i, "path") if "path" in entry else (i,),
                      "path")
        folder = Path(raw.strip())
        folder = home / folder.relative_to("~") if folder.parts[:1] == ("~",) else folder
        folder = folder if folder.is_absolute() else base / folder
        label = entry.get("label")
        if label is None:
            label = folder.name
        elif not isinstance(label, str) or not label.strip() or "\n" in label or len(label.strip()) > LABEL_MAX:
            raise bad(f"label は1行の名前（{LABEL_MAX}文字まで）で書いてください", (i, "label"), "label")
        label = label.strip()
        line = _line(text, (i,)) or 1
        key = Path(*folder.parts)  # normalised for comparison (no resolve: the folder may be missing)
        if key in seen_paths:
            raise bad(f"{raw} は {seen_paths[key]} 行目と同じケースブックです", (i, "path"), "path")
        if label in seen_labels:
            raise bad(f"名前「{label}」が {seen_labels[label]} 行目と重なっています（label で別の名前を付けてください）",
                      (i, "label") if "label" in entry else (i,), "label")
        seen_labels[label] = seen_paths[key] = line
        members.append(Member(label, folder, f"{path}:{line}"))
    return members


def members_from_options(paths: list[Path]) -> list[Member]:
    """Casebooks given by repeating ``-C``: labelled with their folder's name (with the
    parent folder's as well where two share a name)."""
    names = [p.resolve().name or str(p) for p in paths]
    out = []
    for path, name in zip(paths, names):
        label = name if names.count(name) == 1 else f"{path.resolve().parent.name}/{name}"
        out.append(Member(label, path, "-C"))
    labels = [m.label for m in out]
    for member in out:
        if labels.count(member.label) > 1:
            raise InputError(f"{member.path} が二度指定されています", field="--casebook")
    return out


def unreadable_casebook(member: Member, message: str) -> Due:
    """The due list's row for a casebook that cannot be opened: overdue from the start
    (it may hide any deadline), ``source`` naming where it was listed and why."""
    return Due("", UNREADABLE_CASEBOOK, "ケースブックを開けません", UNREADABLE_DUE, UNREADABLE_DUE, "", "",
               f"{member.origin}: {member.path}: {message}", TASK, "", "")


def unreadable_case_row(member: Member, message: str) -> dict:
    """``case list``'s row for a casebook that cannot be opened (status ``unreadable``)."""
    return {"casebook": member.label, "id": None, "status": "unreadable", "name": None, "kana": None, "level": None,
            "route": None, "mode": None, "manager": None, "hokatsu": None, "office": None, "cert_from": None,
            "cert_to": None, "path": str(member.path), "problems": [f"{member.origin}: {message}"]}


def calendar_tag(label: str) -> str:
    """An ASCII tag of a casebook's label for calendar UIDs: the same obligation in two
    casebooks (an office-wide one has no case id) must stay two events."""
    return hashlib.sha256(label.encode("utf-8")).hexdigest()[:10]


def worst_exit(codes: list[int]) -> int:
    """The exit code of a run over several casebooks: the worst of theirs (3 internal
    error > 2 bad input > 1 problems found > 0)."""
    return max(codes, default=0)
