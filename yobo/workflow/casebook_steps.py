"""Steps on the casebook as a whole: ``init`` and ``staff add``."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .. import gitstore
from ..casebook import CACHE_DIR, CONFIG_FILE, new_case_id, staff_path
from ..errors import InputError
from ..loader import staff_files
from ..model import Config
from ..profiles import profile_names
from ..resources import data_dir
from ..schemas import installed_schemas, outdated_schema_copies
from .apply import Change, apply_change, check_change, require_own_repository
from .documents import render_new

GITIGNORE = f"# yobo の派生キャッシュ（いつ消してもよい）\n{CACHE_DIR}/\n"


@dataclass(frozen=True)
class InitRequest:
    path: Path
    office_name: str | None
    office_kind: str | None
    office_number: str | None
    profile: str
    staff: tuple[str, ...]
    sample: bool
    #: 郵便番号・所在地・電話 of the office, printed on the 届出書 and 申出書 (optional)
    office_postal_code: str | None = None
    office_address: str | None = None
    office_phone: str | None = None
    #: the day of the first commit (``--today``), recorded as its Yobo-Date
    today: date | None = None
    #: the day a 居宅 was designated for 介護予防支援 (seed 004; ``--designated-on``)
    designated_on: date | None = None


def schema_files() -> dict[str, str]:
    """yobo's schemas, copied into each casebook so editors validate without yobo."""
    return installed_schemas()


@dataclass(frozen=True)
class SchemasUpdate:
    """What ``yobo schemas update`` did: the commit (None when nothing was committed), the
    files it committed, and those only put back as the last commit holds them."""

    commit: str | None
    change: Change | None
    restored: tuple[str, ...]


def update_schemas(root: Path, author: gitstore.Identity, day: date | None = None) -> SchemasUpdate:
    """Make the casebook's schema copies the installed yobo's again (``yobo validate``
    says which differ: schema-outdated), in one commit.  A copy only edited in the working
    tree, whose committed text is already the installed one, is put back by git: there is
    nothing to commit for it."""
    require_own_repository(root)
    installed = installed_schemas()
    stale = sorted({problem.source.path for problem in outdated_schema_copies(root)})
    restored = [rel for rel in stale if gitstore.committed_text(root, rel) == installed[rel]]
    if restored:
        gitstore.restore_committed(root, restored)
    files = {rel: installed[rel] for rel in stale if rel not in restored}
    if not files:
        return SchemasUpdate(None, None, tuple(restored))
    change = Change(step="schemas-update", case_id=None, files=files, day=day)
    return SchemasUpdate(apply_change(root, change, author), change, tuple(restored))


def sample_files() -> dict[str, str]:
    """Every text file of the bundled sample casebook (its yobo.yaml included)."""
    base = data_dir("sample-casebook")
    files = {}
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(base).as_posix()
        if path.is_file() and not rel.startswith(("schemas/", f"{CACHE_DIR}/")):
            files[rel] = path.read_text(encoding="utf-8")
    return files


def plan_init(req: InitRequest) -> Change:
    """The files of a new casebook (validated, nothing written)."""
    if req.profile not in profile_names():
        raise InputError(f"プロファイル '{req.profile}' はありません（{'、'.join(profile_names())}）", field="--profile")
    if req.sample:
        files = sample_files()
    else:
        if not req.office_name:
            raise InputError("事業所名を指定してください", field="--office-name")
        if not req.office_kind:
            raise InputError("事業所の種別（kyotaku または hokatsu）を指定してください", field="--office-kind")
        if not req.staff:
            raise InputError("職員を1人以上登録してください（--staff 氏名）", field="--staff")
        office = {"name": req.office_name, "kind": req.office_kind}
        if req.office_number:
            office["number"] = req.office_number
        for key, value in (("postal_code", req.office_postal_code), ("address", req.office_address),
                           ("phone", req.office_phone)):
            if value:
                office[key] = value
        if req.designated_on:
            if req.office_kind != "kyotaku":
                raise InputError("介護予防支援の指定日は居宅介護支援事業所に記録します", field="--designated-on")
            office["designated_on"] = req.designated_on.isoformat()
        config = {"format": 1, "office": office, "profile": req.profile,
                  "staff": [{"name": name} for name in dict.fromkeys(req.staff)]}
        files = {CONFIG_FILE: render_new(CONFIG_FILE, "casebook", config)}
    files[".gitignore"] = GITIGNORE
    files.update(schema_files())
    change = Change(step="init", case_id=None, files=files, day=req.today)
    check_change(change)
    return change


def init_casebook(req: InitRequest, author: gitstore.Identity) -> str:
    """Create the folder, write the files, ``git init`` and make the first commit."""
    path = req.path
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise InputError(f"{path} は空のフォルダではありません（新しいフォルダを指定してください）", field="PATH")
    change = plan_init(req)
    created = not path.exists()
    try:
        # The casebook holds personal data: a new folder is the user's alone (0700);
        # the files in it follow the umask, as git's do.
        path.parent.mkdir(parents=True, exist_ok=True)
        if created:
            path.mkdir(mode=0o700)
        gitstore.init(path)
        return apply_change(path, change, author)
    except BaseException:
        # Leave nothing behind: the folder is new or was empty.
        if created:
            shutil.rmtree(path, ignore_errors=True)
        else:
            for child in path.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise


def plan_staff_add(root: Path, config: Config, name: str, email: str | None, party: str | None = None, *,
                   ssh_key: str | None = None, rng: random.Random | None = None,
                   day: date | None = None) -> Change:
    """A new ``staff/<party>/<opaque id>.yaml``: one file a person, so two offices
    registering staff on the same day never edit the same file (yobo.yaml's legacy
    ``staff:`` list is left as it is and still read)."""
    if config.staff_named(name):
        raise InputError(f"職員 '{name}' はすでに登録されています", field="NAME")
    require_own_repository(root)
    party = party or config.office_kind
    taken = {s.id for s in config.staff if s.id} | {p.rsplit("/", 1)[-1].removesuffix(".yaml")
                                                     for p in staff_files(root)}
    staff_id = new_case_id(taken, rng or random.Random())
    entry = {"name": name, "party": party}
    if email:
        entry["email"] = email
    if ssh_key:
        entry["ssh_key"] = ssh_key
    rel = staff_path(party, staff_id)
    return Change(step="staff-add", case_id=None, files={rel: render_new(rel, "staff", entry)}, day=day)
