"""``yobo verify``: prove from git history that each office wrote only its own files.

A 居宅 and its 包括 share one repository (shared/architecture.md §1: each party writes
only its own files, and a path tells who may change it).  For every commit in a range
this reports, each with a stable code:

- ``path-other-party``: a path written outside the author's party (``kinds.owner_of``);
- ``staff-other-party``: a staff registration for a party made by the other party — that
  registration is then not trusted, and ``author-unproven`` marks its commits;
- ``author-unregistered`` / ``author-unproven``: an author who is no registered staff
  member, or whose party rests on a registration nobody of that party made;
- ``step-party`` / ``step-paths`` / ``step-case``: a ``Yobo-Step`` trailer whose step the
  author's party may not perform, that does not match the paths changed, or a
  ``Yobo-Case`` naming another case than the one written;
- ``digest-rewritten``: a ``plan_digest`` recorded in a consent, review, meeting or
  submission changed after it was written (the records are write-once, so a plan edited
  after consent cannot be hidden by recomputing the digest);
- ``plan-changed-after-consent``: a plan edited so that its digest no longer matches the
  consent already recorded (軽微な変更 are reverted first: ``model.plan_digest``);
- ``signature-bad`` / ``signature-other-staff`` / ``signature-missing``: git's SSH
  signature check against the registered keys; a missing one only where ``yobo.yaml``
  says ``require_signatures: true``;
- ``merge-commit``: ``yobo sync`` rebases, so a merge is a hand operation whose content
  cannot be attributed to one author.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import casebook as layout
from ..kinds import owner_of
from ..errors import DocumentError, InputError
from ..loader import build_config
from ..model import Config, Staff, plan_digest
from ..vocab import OFFICE_KINDS
from ..yamlio import load_fast
from . import history, signing

#: Where the last commit verified without findings is remembered (data-only JSON).
STATE_FILE = "verified.json"

#: Records that hold a ``plan_digest`` and are written once.
DIGEST_KINDS = ("consent", "review", "evaluation-review", "meeting", "submission")

#: What each step writes and which party performs it (None: either, each in its own files).
#: Notes, custody records and scans may accompany any step (a step's own 経過記録 or
#: hand-over); their party is checked by path like every file.
STEP_RULES: dict[str, tuple[frozenset[str], str | None]] = {
    "init": (frozenset({"casebook"}), None),
    "staff-add": (frozenset({"staff", "casebook"}), None),
    "case-new": (frozenset({"case", "certification"}), "kyotaku"),
    "cert-add": (frozenset({"certification"}), "kyotaku"),
    "checklist-record": (frozenset({"checklist"}), "kyotaku"),
    "basic-info": (frozenset({"basic-info"}), "kyotaku"),
    "plan-draft": (frozenset({"plan"}), "kyotaku"),
    "plan-edit": (frozenset({"plan"}), "kyotaku"),
    "plan-amend": (frozenset({"plan"}), "kyotaku"),
    "plan-weekly": (frozenset({"weekly"}), "kyotaku"),
    "submit": (frozenset({"submission"}), "kyotaku"),  # every submit-<occasion>
    "review-plan": (frozenset({"review"}), "hokatsu"),
    "review-evaluation": (frozenset({"evaluation-review"}), "hokatsu"),
    "meeting": (frozenset({"meeting"}), "kyotaku"),
    "plan-agree": (frozenset({"consent"}), "kyotaku"),
    "plan-start": (frozenset({"service-start"}), "kyotaku"),
    "monitor": (frozenset({"monitoring"}), "kyotaku"),
    "note": (frozenset({"note"}), None),
    "evaluate": (frozenset({"evaluation"}), "kyotaku"),
    "case-close": (frozenset({"case"}), "kyotaku"),
    "attach": (frozenset({"custody"}), None),
    "contract": (frozenset({"custody"}), None),
}
SIDE_KINDS = frozenset({"note", "custody", "scan"})

@dataclass(frozen=True)
class Finding:
    commit: str
    author: str
    code: str
    message: str
    path: str | None = None

    def to_json(self) -> dict:
        return {"commit": self.commit, "author": self.author, "code": self.code, "path": self.path,
                "message": self.message}

    def line(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.commit[:10]} {self.author}{where}: [{self.code}] {self.message}"


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    checked: int
    tip: str | None
    since: str | None

    def to_json(self) -> dict:
        return {"tip": self.tip, "since": self.since, "checked": self.checked,
                "findings": [f.to_json() for f in self.findings]}


def config_at(root: Path, rev: str, blobs: history.Blobs) -> Config:
    """yobo.yaml and the staff files as committed at ``rev`` (not the work tree)."""
    text = blobs.read(f"{rev}:{layout.CONFIG_FILE}")
    if text is None:
        raise InputError(f"{rev[:10]} に {layout.CONFIG_FILE} がありません（ケースブックのリポジトリではありません）")
    staff = []
    for rel in history.tree_paths(root, rev, f"{layout.STAFF_DIR}/"):
        if layout.STAFF_FILE.match(rel):
            body = blobs.read(f"{rev}:{rel}")
            try:
                staff.append((rel, load_fast(body or "", rel)))
            except DocumentError:
                continue  # unreadable: the registration is simply not there
    try:
        data = load_fast(text, layout.CONFIG_FILE)
        return build_config(data, tuple((r, d) for r, d in staff if _staff_ok(r, d)))
    except (DocumentError, KeyError, TypeError, ValueError, AttributeError):
        raise InputError(f"{rev[:10]} の {layout.CONFIG_FILE} を読めません（yobo validate で確かめてください）") from None


def _staff_ok(rel: str, data) -> bool:
    from ..loader import build_staff

    try:
        build_staff(rel, data)
        return True
    except (KeyError, TypeError, ValueError, AttributeError):
        return False


def _require_at(blobs: history.Blobs, rev: str | None) -> bool:
    if rev is None:
        return False
    text = blobs.read(f"{rev}:{layout.CONFIG_FILE}")
    try:
        return bool(text and (load_fast(text, layout.CONFIG_FILE) or {}).get("require_signatures"))
    except (DocumentError, AttributeError):
        return False


def _parties_at(root: Path, rev: str | None, office_kind: str) -> set[str]:
    """Parties with a staff file at ``rev`` (the keeping office always has its own staff)."""
    if rev is None:
        return {office_kind}
    found = {office_kind}
    for rel in history.tree_paths(root, rev, f"{layout.STAFF_DIR}/"):
        hit = layout.STAFF_FILE.match(rel)
        if hit:
            found.add(hit.group(1))
    return found


def _digest_of(text: str | None, rel: str) -> str | None:
    if not text:
        return None
    try:
        data = load_fast(text, rel)
    except DocumentError:
        return None
    return data.get("plan_digest") if isinstance(data, dict) else None


def _party_label(party: str | None) -> str:
    return OFFICE_KINDS.get(party, party or "不明")


class _Checker:
    def __init__(self, root: Path, config: Config, blobs: history.Blobs, require: bool):
        self.root = root
        self.config = config
        self.blobs = blobs
        self.require = require
        self.by_name: dict[str, Staff] = {}
        for s in config.staff:
            self.by_name.setdefault(s.name, s)
        #: staff ids whose registration was made by the other party (seen in this walk)
        self.forged: set[str] = set()
        #: parties that already have a registered staff member (set by ``verify``)
        self.parties: set[str] = set()
        self.findings: list[Finding] = []

    def add(self, commit: history.Commit, code: str, message: str, path: str | None = None) -> None:
        self.findings.append(Finding(commit.id, commit.author, code, message, path))

    def party_of(self, commit: history.Commit) -> str | None:
        """The author's party as far as history proves it, or None (with a finding)."""
        if not commit.parents:
            return self.config.office_kind  # the casebook's first commit makes the office itself
        staff = self.by_name.get(commit.author)
        if staff is None:
            self.add(commit, "author-unregistered", f"作成者 '{commit.author}' は職員に登録されていません")
            return None
        if staff.id and staff.id in self.forged:
            self.add(commit, "author-unproven", f"作成者 '{commit.author}' の登録は{_party_label(staff.party)}"
                     "以外の事業所が行ったもので、所属を確かめられません")
            return None
        if staff.id is None and staff.party != self.config.office_kind:
            # Listed by the keeping office in yobo.yaml: the other party never confirmed it.
            self.add(commit, "author-unproven", f"作成者 '{commit.author}'（{_party_label(staff.party)}）は "
                     f"{layout.CONFIG_FILE} に{_party_label(self.config.office_kind)}が登録した職員です。"
                     f"{_party_label(staff.party)}が自分で yobo staff add で登録してください")
            return None
        return staff.party

    def check(self, commit: history.Commit) -> None:
        if len(commit.parents) > 1:
            self.add(commit, "merge-commit", "マージコミットは作成者ごとの記録として確かめられません"
                     "（yobo sync はリベースで取り込みます）")
            return
        party = self.party_of(commit)
        kinds: list[str] = []
        cases: set[str] = set()
        for touch in commit.touches:
            kind, owner = owner_of(touch.path, self.config.office_kind)
            if kind is None:
                continue
            kinds.append(kind)
            if touch.path.startswith(f"{layout.CASES_DIR}/"):
                cases.add(touch.path.split("/")[2])
            if kind == "staff" and touch.status == "A":
                if self._check_registration(commit, touch, owner, party):
                    continue
            if party is not None and owner is not None and owner != party:
                self.add(commit, "path-other-party", f"{_party_label(owner)}のファイルを{_party_label(party)}の"
                         "職員が変更しています", touch.path)
            if touch.status == "M" and kind in DIGEST_KINDS:
                self._check_rewritten(commit, touch)
            if touch.status in "AM" and kind == "plan":
                self._check_plan(commit, touch)
        if commit.step:
            self._check_step(commit, party, kinds, cases)
        if self.signatures_on:
            self._check_signature(commit)
        if any(t.path == layout.CONFIG_FILE for t in commit.touches):
            self.require = _require_at(self.blobs, commit.id)

    signatures_on = False

    def _check_registration(self, commit, touch, owner, party) -> bool:
        """A new staff file: made by its own party.  A person may register themself only
        as the first of their party (the other office joining the casebook), and not
        from a machine where a staff member of the other party runs git."""
        staff_id = layout.STAFF_FILE.match(touch.path).group(2)
        data = None
        try:
            data = load_fast(self.blobs.read(touch.new) or "", touch.path)
        except DocumentError:
            pass
        name = data.get("name") if isinstance(data, dict) else None
        other = self.by_name.get(commit.committer)
        problem = None
        if party is not None and owner != party:
            problem = f"{_party_label(owner)}の職員の登録を{_party_label(party)}の職員が行っています"
        elif name == commit.author and other is not None and other.party != owner and commit.committer != name:
            problem = (f"{_party_label(owner)}の職員の登録を、{_party_label(other.party)}の職員 '{commit.committer}' の"
                       "git で本人名義にして行っています")
        elif name == commit.author and owner in self.parties:
            problem = (f"{_party_label(owner)}にはすでに職員がいます。二人目からは{_party_label(owner)}の"
                       "登録済みの職員が yobo staff add で登録してください（本人による登録は最初の一人だけ）")
        self.parties.add(owner)
        if problem:
            self.forged.add(staff_id)
            self.add(commit, "staff-other-party", problem, touch.path)
            return True
        return False

    def _check_step(self, commit: history.Commit, party: str | None, kinds: list[str], cases: set[str]) -> None:
        step = commit.step.split(",")[0].strip()
        rule = STEP_RULES.get("submit" if step.startswith("submit-") else step)
        if rule is None:
            return  # a step this version does not know: its paths were checked by party above
        wanted, who = rule
        if who is not None and party is not None and party != who:
            self.add(commit, "step-party", f"手順 {step} は{_party_label(who)}の職員が行うものですが、"
                     f"作成者は{_party_label(party)}の職員です")
        if not kinds or not set(kinds) & wanted or set(kinds) - wanted - SIDE_KINDS:
            shown = "、".join(sorted(set(kinds))) or "なし"
            self.add(commit, "step-paths", f"手順 {step} の記録ではない変更です（変更した文書の種類: {shown}）")
        if commit.case and cases and cases != {commit.case}:
            self.add(commit, "step-case", f"Yobo-Case: {commit.case} と変更したケース（{'、'.join(sorted(cases))}）"
                     "が違います")

    def _check_rewritten(self, commit, touch) -> None:
        before = _digest_of(self.blobs.read(touch.old), touch.path)
        after = _digest_of(self.blobs.read(touch.new), touch.path)
        if before != after:
            self.add(commit, "digest-rewritten", f"記録済みの計画のダイジェストが {before} から {after} に"
                     "書き換えられています（同意・確認の後の計画の変更を隠せます）", touch.path)

    def _check_plan(self, commit, touch) -> None:
        if not commit.parents:
            return
        consent_rel = touch.path.rsplit("/", 1)[0] + "/consent.yaml"
        recorded = _digest_of(self.blobs.read(f"{commit.parents[0]}:{consent_rel}"), consent_rel)
        if recorded is None:
            return
        text = self.blobs.read(touch.new)
        try:
            current = plan_digest(load_fast(text or "", touch.path))
        except (DocumentError, AttributeError, TypeError, KeyError):
            return
        if current != recorded:
            self.add(commit, "plan-changed-after-consent", f"同意済みの計画が変更されています（同意時 {recorded}、"
                     f"変更後 {current}）。軽微な変更は yobo plan amend、それ以外は新しい計画で", touch.path)

    def _check_signature(self, commit) -> None:
        staff = self.by_name.get(commit.author)
        if commit.signature == "G":
            expected = signing.principal(staff.id, staff.party) if staff and staff.id else None
            if commit.signer != expected:
                self.add(commit, "signature-other-staff", f"署名した鍵（{commit.signer}）は作成者 "
                         f"'{commit.author}' に登録された鍵ではありません")
        elif commit.signature == "N":
            if self.require:
                self.add(commit, "signature-missing", "署名がありません（yobo.yaml で署名が必須です）")
        else:
            reason = {"U": "登録されていない鍵の署名です", "B": "署名が正しくありません",
                      "E": "署名を確かめられません（ssh-keygen が必要です）"}.get(commit.signature, "署名の鍵が無効です")
            self.add(commit, "signature-bad", reason)


def verify(root: Path, revs: list[str], tip: str, *, since: str | None, work_dir: Path | None) -> Report:
    """Check the commits ``revs`` select, with staff and keys as registered at ``tip``."""
    with history.Blobs(root) as blobs:
        config = config_at(root, tip, blobs)
        signers_text = signing.allowed_signers(config.staff)
        signers_path = None
        tmp = None
        if signers_text or config.require_signatures:
            if work_dir is not None:
                work_dir.mkdir(parents=True, exist_ok=True)
                signers_path = work_dir / "allowed_signers"
                signers_path.write_text(signers_text, encoding="utf-8")
            else:
                fd, tmp = tempfile.mkstemp(prefix="yobo-signers-")
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(signers_text)
                signers_path = Path(tmp)
        try:
            commits = history.walk(root, revs, allowed_signers=signers_path)
            first_parent = commits[0].parents[0] if commits and commits[0].parents else None
            checker = _Checker(root, config, blobs, _require_at(blobs, first_parent))
            checker.signatures_on = signers_path is not None
            checker.parties = _parties_at(root, first_parent, config.office_kind)
            for commit in commits:
                checker.check(commit)
        finally:
            if tmp:
                os.unlink(tmp)
    return Report(tuple(checker.findings), len(commits), tip, since)


def load_state(cache: Path) -> str | None:
    try:
        data = json.loads((cache / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("commit") if isinstance(data, dict) else None
    return value if isinstance(value, str) and len(value) == 40 else None


def save_state(cache: Path, commit: str) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".{STATE_FILE}.tmp"
    tmp.write_text(json.dumps({"commit": commit}) + "\n", encoding="utf-8")
    os.replace(tmp, cache / STATE_FILE)


def verify_casebook(root: Path, *, since: str | None, all_: bool) -> Report:
    """``yobo verify`` in a work tree: from ``since`` (default: the last commit verified
    clean, remembered under ``.yobo/``) to HEAD; the tip is remembered when clean."""
    cache = root / layout.CACHE_DIR
    tip = history.rev_parse(root, "HEAD")
    if tip is None:
        return Report((), 0, None, None)
    base = None
    if since:
        base = history.rev_parse(root, since)
        if base is None:
            raise InputError(f"--since {since} というコミットはありません", field="--since")
    elif not all_:
        remembered = load_state(cache)
        if remembered:
            # After ``yobo sync`` rebased this clone's commits the remembered one may be gone
            # from the branch: start from where the two histories meet instead.
            common = history.run_git(root, "merge-base", remembered, tip, check=False).stdout.strip()
            base = common or None
    revs = [f"{base}..{tip}"] if base else [tip]
    report = verify(root, revs, tip, since=base, work_dir=cache)
    if not report.findings:
        save_state(cache, tip)
    return report


def verify_push(root: Path, updates: list[tuple[str, str, str]]) -> list[tuple[str, Report]]:
    """The ``pre-receive`` check: for each ``(old, new, ref)`` the commits the push adds."""
    out = []
    for old, new, ref in updates:
        if new == history.ZERO:
            continue  # a deleted ref adds nothing
        revs = [new, "--not", "--all"] if old == history.ZERO else [f"{old}..{new}"]
        out.append((ref, verify(root, revs, new, since=None if old == history.ZERO else old, work_dir=None)))
    return out
