"""Where things are in a casebook: finding its root, case folders and case ids.

Case ids are opaque (shared/architecture.md §1): six characters of Crockford
base32, random, so that a 居宅 and a 包括 registering cases on the same day in
one shared repository never pick the same id, and no id says anything about
the person.  Case folders are sharded by the id's first two characters so a
commit never rewrites one huge ``cases/`` tree (perf-baseline.md §6).
"""

from __future__ import annotations

import hashlib
import os
import random
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import CaseNotFound, CasebookNotFound
from .landmarks import CACHE_DIR, CASES_DIR, CONFIG_FILE  # noqa: F401 - read from here by the rest of yobo
from .values import search_key

#: Crockford base32 without I, L, O, U: nothing to misread on paper.
ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_LENGTH = 6
ID_PATTERN = re.compile(rf"^[{ID_ALPHABET}]{{{ID_LENGTH}}}$")


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds ``yobo.yaml`` (like git)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise CasebookNotFound(
        f"{start} から上のフォルダにケースブック（{CONFIG_FILE}）がありません。"
        "--casebook か YOBO_CASEBOOK で指定するか、yobo init で作成してください"
    )


def open_root(path: Path) -> Path:
    """A casebook given explicitly: it must hold ``yobo.yaml`` itself."""
    if not (path / CONFIG_FILE).is_file():
        raise CasebookNotFound(f"{path} はケースブックではありません（{CONFIG_FILE} がありません）")
    return path.resolve()


def case_dir(case_id: str) -> str:
    """The casebook-relative folder of a case: ``cases/<first two>/<id>``."""
    return f"{CASES_DIR}/{case_id[:2]}/{case_id}"


def iter_case_dirs(root: Path):
    """Every ``cases/<shard>/<id>`` folder holding a ``case.yaml``, in id order."""
    base = root / CASES_DIR
    if not base.is_dir():
        return
    for shard in sorted(os.scandir(base), key=lambda e: e.name):
        if not shard.is_dir():
            continue
        for entry in sorted(os.scandir(shard.path), key=lambda e: e.name):
            if entry.is_dir() and os.path.isfile(os.path.join(entry.path, "case.yaml")):
                yield entry.name, f"{CASES_DIR}/{shard.name}/{entry.name}"


def new_case_id(existing: set[str], rng: random.Random) -> str:
    """A fresh random id not in ``existing``."""
    while True:
        candidate = "".join(rng.choice(ID_ALPHABET) for _ in range(ID_LENGTH))
        if candidate not in existing:
            return candidate


def resolve_case_id(ref: str, existing: list[str]) -> str:
    """The one case id that ``ref`` names: the whole id, or a unique prefix (like git)."""
    # An id copied from yobo's CSV carries the invisible U+2060 that keeps spreadsheets
    # from reading it as a number (export.py); it is no part of the id.
    wanted = ref.replace("\u2060", "").strip().upper()
    if not wanted:
        raise CaseNotFound("ケースIDを指定してください", field="CASE")
    if wanted in existing:
        return wanted
    matches = [c for c in existing if c.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise CaseNotFound(f"ケース '{ref}' はありません（yobo case list で確認できます）", field="CASE")
    shown = "、".join(matches[:5])
    raise CaseNotFound(f"'{ref}' に当てはまるケースが複数あります（{shown}…）。もっと長く指定してください", field="CASE")


#: An author token in a file name: the staff member's opaque id (:func:`author_token`), so two
#: staff members — or two offices — writing on the same day never create the same path.
TOKEN_RE = f"[{ID_ALPHABET}]{{{ID_LENGTH}}}"

#: Staff registered one file a person: ``staff/<party>/<opaque id>.yaml`` (no name in the
#: path), so two offices adding staff on the same day never edit the same file.
STAFF_DIR = "staff"
STAFF_FILE = re.compile(rf"^{STAFF_DIR}/(kyotaku|hokatsu)/({TOKEN_RE})\.yaml$")


def staff_path(party: str, staff_id: str) -> str:
    return f"{STAFF_DIR}/{party}/{staff_id}.yaml"


def author_token(staff_id: str | None, party: str, name: str) -> str:
    """The token naming a staff member's event files: their registration id, or (staff
    listed in yobo.yaml before per-person files) a digest of party and name in the id
    alphabet — stable, and not the name itself."""
    if staff_id:
        return staff_id
    number = int.from_bytes(hashlib.sha256(f"{party}\0{name}".encode("utf-8")).digest()[:8], "big")
    out = []
    for _ in range(ID_LENGTH):
        number, rest = divmod(number, len(ID_ALPHABET))
        out.append(ID_ALPHABET[rest])
    return "".join(out)


def resolve_case_ref(ref: str, existing: list[str], people: Callable[[], Iterable[tuple[str, str, str]]]) -> str:
    """The one case ``ref`` names: an id or unique id prefix (:func:`resolve_case_id`), else
    part of a name or kana (either width, hiragana or katakana) that matches exactly one
    case.  ``people()`` gives (id, name, kana) and is asked only when ``ref`` is no id."""
    wanted = ref.strip().upper()
    if not wanted or all(ch in ID_ALPHABET for ch in wanted):
        return resolve_case_id(ref, existing)
    key = search_key(ref)
    matches = [(case_id, name) for case_id, name, kana in people()
               if key in search_key(name) or key in search_key(kana)]
    if len(matches) == 1:
        return matches[0][0]
    if not matches:
        raise CaseNotFound(f"'{ref}' に当てはまるケース（ID・氏名・フリガナ）はありません（yobo case list --name で探せます）",
                           field="CASE")
    shown = "、".join(f"{case_id} {name}" for case_id, name in matches[:5]) + ("…" if len(matches) > 5 else "")
    raise CaseNotFound(f"'{ref}' に当てはまるケースが {len(matches)} 件あります（{shown}）。ケースIDで指定してください",
                       field="CASE")


#: A casebook-wide done mark (``yobo monitor done`` without ``--case``): one file a mark,
#: named by month, obligation and the marking office, so two offices never add the same path.
OFFICE_DONE_DIR = "done"
OFFICE_DONE_PATH = re.compile(
    r"^done/(?P<month>[0-9]{4}-[0-9]{2})/(?P<code>[a-z][a-z0-9-]*)--(?P<party>kyotaku|hokatsu)(-[0-9A-Za-z]+)?\.yaml$")
