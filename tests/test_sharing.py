"""Two offices, one repository (issue 11): a bare remote with yobo's hook and three clones
— two 居宅 staff members and the 包括 — through the 委託 flow, writing on the same days,
with ``yobo sync`` between the steps: no conflict, no lost record, every author right."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import NEW_CASE, PLAN, Run, flags, git
from yobo.cli import app
from yobo.yamlio import load_fast

KYOTAKU = "山田花子"
KYOTAKU2 = "佐藤次郎"
HOKATSU = "包括太郎"

def invoke(*args: str, env: dict) -> Run:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


class Office:
    """One clone: a staff member at their own machine (git's user.name is theirs)."""

    def __init__(self, root: Path, who: str):
        self.root = root
        self.who = who

    def yobo(self, *args: str, today: str = "2026-11-20", who: str | None = None) -> Run:
        return invoke(*args, "-C", str(self.root), env={"YOBO_STAFF": who or self.who, "YOBO_TODAY": today})

    def step(self, *args: str, today: str = "2026-11-20", who: str | None = None) -> str:
        before = self.commits()
        run = self.yobo(*args, today=today, who=who)
        assert run.code == 0, (args, run.stderr)
        assert self.commits() == before + 1, args
        return run.stdout

    def sync(self) -> str:
        run = self.yobo("sync")
        assert run.code == 0, (self.who, run.stdout, run.stderr)
        assert git(self.root, "status", "--porcelain") == ""
        return run.stdout

    def commits(self) -> int:
        return int(git(self.root, "rev-list", "--count", "HEAD").strip())

    def read(self, rel: str) -> dict:
        return load_fast((self.root / rel).read_text(encoding="utf-8"), rel)


def clone(remote: Path, target: Path, who: str) -> Office:
    subprocess.run(["git", "clone", "-q", str(remote), str(target)], check=True, capture_output=True)
    git(target, "config", "user.name", who)
    git(target, "config", "user.email", "staff@example.jp")
    return Office(target, who)


def make_shared(base: Path) -> tuple[Path, Office, Office]:
    """The remote, the 居宅's first clone (it creates the casebook) and the 包括's clone,
    each office's first staff member registered by themself."""
    remote = base / "remote.git"
    made = invoke("remote", "init", str(remote), env={})
    assert made.code == 0, made.stderr
    assert (remote / "hooks" / "pre-receive").is_file()
    kyotaku_root = base / "kyotaku"
    made = invoke("init", str(kyotaku_root), "--office-name", "さくら居宅", "--office-kind", "kyotaku",
                  "--office-no", "1234567890", "--profile", "suzuka-kameyama", "--staff", KYOTAKU,
                  env={"YOBO_STAFF": KYOTAKU})
    assert made.code == 0, made.stderr
    git(kyotaku_root, "config", "user.name", KYOTAKU)
    git(kyotaku_root, "config", "user.email", "staff@example.jp")
    git(kyotaku_root, "branch", "-M", "main")
    git(kyotaku_root, "remote", "add", "origin", str(remote))
    kyotaku = Office(kyotaku_root, KYOTAKU)
    kyotaku.sync()
    hokatsu = clone(remote, base / "hokatsu", HOKATSU)
    return remote, kyotaku, hokatsu


def draft_to_consent(kyotaku: Office, hokatsu: Office, plan_file: Path) -> tuple[str, str]:
    """A 委託 case from registration to the user's consent, syncing between the offices."""
    out = kyotaku.step("case", "new", *flags(dict(NEW_CASE, **{"--cert-from": "2026-11-01",
                                                                "--cert-to": "2028-10-31"})), today="2026-11-10")
    case = out.strip().splitlines()[-1]
    kyotaku.step("plan", "draft", case, "--start", "2026-12-01", "--end", "2027-05-31", "--file", str(plan_file),
                 "--date", "2026-11-20", today="2026-11-20")
    kyotaku.step("submit", "hokatsu", case, "--occasion", "draft", "--date", "2026-11-21", today="2026-11-21")
    kyotaku.sync()
    hokatsu.sync()
    hokatsu.step("review", "plan", case, "--opinion", "目標が具体的で妥当です", "--date", "2026-11-23",
                 today="2026-11-23")
    hokatsu.sync()
    kyotaku.sync()
    kyotaku.step("meeting", "record", case, "--date", "2026-11-24", "--attendee", "佐藤 一郎:本人", today="2026-11-24")
    # the plan holds 通所リハ: the 主治医's instruction first (seed 002 I-1(3))
    kyotaku.step("doctor", "confirm", case, "--service", "通所リハビリテーション", "--method", "電話", "--doctor",
                 "〇〇 医師", "--date", "2026-11-25", today="2026-11-25")
    kyotaku.step("plan", "agree", case, "--signer", "佐藤 一郎", "--date", "2026-11-26", today="2026-11-26")
    kyotaku.sync()
    return case, f"cases/{case[:2]}/{case}"


@pytest.fixture
def plan_file(tmp_path):
    path = tmp_path / "plan-input.yaml"
    path.write_text(PLAN, encoding="utf-8")
    return path


def test_three_clones_through_the_itaku_flow_sync_without_conflict(tmp_path, plan_file):
    remote, kyotaku, hokatsu = make_shared(tmp_path)
    # Both offices register staff on the same day: one file a person, no conflict on yobo.yaml.
    hokatsu.step("staff", "add", HOKATSU, "--party", "hokatsu", "--email", "hokatsu@example.jp")
    kyotaku.step("staff", "add", KYOTAKU2)
    kyotaku.sync()
    hokatsu.sync()
    kyotaku2 = clone(remote, tmp_path / "kyotaku2", KYOTAKU2)

    case, folder = draft_to_consent(kyotaku, hokatsu, plan_file)
    kyotaku2.sync()
    kyotaku.step("plan", "start", case, "--date", "2026-12-01", today="2026-12-01")

    # Three people write notes on the same day, each in their own clone, before syncing.
    kyotaku.step("note", "add", case, "--date", "2026-12-10", "--text", "訪問した", today="2026-12-10")
    kyotaku2.step("note", "add", case, "--date", "2026-12-10", "--text", "電話で状況を確認した", today="2026-12-10")
    hokatsu.step("note", "add", case, "--date", "2026-12-10", "--text", "包括として状況を聞いた", today="2026-12-10")
    # Two 居宅 staff members record monitoring in the same month.
    for office in (kyotaku, kyotaku2, hokatsu):
        office.sync()
    kyotaku.step("monitor", "record", case, "--date", "2026-12-15", "--method", "visit", today="2026-12-15")
    kyotaku2.step("monitor", "record", case, "--date", "2026-12-20", "--method", "phone",
                  "--reason", "本人の入院のため訪問できず", today="2026-12-20")
    for office in (kyotaku2, kyotaku, hokatsu, kyotaku2):
        office.sync()

    status = json.loads(kyotaku.yobo("sync", "--status", "--json").stdout)
    assert status["ahead"] == 0 and status["behind"] == 0

    # All clones hold the same history: nothing lost, nothing doubled.
    heads = {git(o.root, "rev-parse", "HEAD").strip() for o in (kyotaku, kyotaku2, hokatsu)}
    assert len(heads) == 1
    assert git(remote, "rev-parse", "main").strip() in heads
    notes = sorted((kyotaku.root / folder / "notes").glob("*.yaml"))
    by_author = {kyotaku.read(str(p.relative_to(kyotaku.root)))["staff"]: p.name for p in notes}
    assert set(by_author) == {KYOTAKU, KYOTAKU2, HOKATSU}
    assert by_author[HOKATSU].startswith("2026-12-10-hokatsu-1-")
    records = []
    for path in sorted((kyotaku.root / folder / "monitoring").glob("*.yaml")):
        assert re.fullmatch(r"2026-12-[0-9A-Z]{6}\.yaml", path.name)
        records += [(r["date"], r["staff"]) for r in kyotaku.read(str(path.relative_to(kyotaku.root)))["records"]]
    assert sorted(records) == [("2026-12-15", KYOTAKU), ("2026-12-20", KYOTAKU2)]
    staff = json.loads(kyotaku.yobo("staff", "list", "--json").stdout)
    assert {(s["name"], s["party"]) for s in staff} == {(KYOTAKU, "kyotaku"), (KYOTAKU2, "kyotaku"),
                                                         (HOKATSU, "hokatsu")}

    # Every record's author is right: each commit's author matches the party of what it wrote.
    for office in (kyotaku, kyotaku2, hokatsu):
        run = office.yobo("verify", "--all", "--json")
        assert run.code == 0, run.stdout
        report = json.loads(run.stdout)
        assert report["findings"] == [] and report["checked"] == office.commits()
    review = next((kyotaku.root / folder / "plans/P1/reviews").glob("*.hokatsu.yaml"))
    author = git(kyotaku.root, "log", "-1", "--format=%an", "--", str(review.relative_to(kyotaku.root))).strip()
    assert author == HOKATSU


def test_a_conflicting_hand_edit_is_undone_and_explained(tmp_path):
    remote, kyotaku, hokatsu = make_shared(tmp_path)
    kyotaku2 = clone(remote, tmp_path / "kyotaku2", KYOTAKU)
    for office, text in ((kyotaku, "# 居宅の注記 A\n"), (kyotaku2, "# 居宅の注記 B\n")):
        path = office.root / "yobo.yaml"
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
        git(office.root, "commit", "-qam", "手作業の注記")
    kyotaku.sync()
    before = git(kyotaku2.root, "rev-parse", "HEAD")
    run = kyotaku2.yobo("sync")
    assert run.code == 1
    assert "yobo.yaml" in run.stderr and KYOTAKU in run.stderr and "もう一度 yobo sync" in run.stderr
    # never left inside a rebase: the clone is exactly as before
    assert git(kyotaku2.root, "rev-parse", "HEAD") == before
    assert not (kyotaku2.root / ".git" / "rebase-merge").exists()
    assert git(kyotaku2.root, "status", "--porcelain") == ""
    assert "注記 B" in (kyotaku2.root / "yobo.yaml").read_text(encoding="utf-8")
    # work not yet recorded is never carried along: sync says so and changes nothing
    path = kyotaku2.root / "yobo.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "# 書きかけ\n", encoding="utf-8")
    run = kyotaku2.yobo("sync")
    assert run.code == 2 and "記録されていない変更" in run.stderr and "yobo.yaml" in run.stderr
    assert git(kyotaku2.root, "rev-parse", "HEAD") == before


def test_sync_status_names_the_other_sides_steps(tmp_path):
    remote, kyotaku, hokatsu = make_shared(tmp_path)
    hokatsu.step("staff", "add", HOKATSU, "--party", "hokatsu")
    hokatsu.sync()
    run = kyotaku.yobo("sync", "--status")
    assert run.code == 0, run.stderr
    assert "1 件遅れています" in run.stdout and f"{HOKATSU}: 職員登録" in run.stdout
    data = json.loads(kyotaku.yobo("sync", "--status", "--json").stdout)
    assert data["behind"] == 1 and data["theirs"][0]["step"] == "staff-add"


def test_remote_init_refuses_a_folder_in_use(tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x", encoding="utf-8")
    run = invoke("remote", "init", str(tmp_path / "used"), env={})
    assert run.code == 2 and "空のフォルダ" in run.stderr


def test_staff_files_bad_input_is_one_line_and_nothing_written(tmp_path):
    root = tmp_path / "cb"
    env = {"YOBO_STAFF": KYOTAKU, "YOBO_TODAY": "2026-11-22"}
    assert invoke("init", str(root), "--office-name", "さくら居宅", "--office-kind", "kyotaku", "--profile", "national",
                  "--staff", KYOTAKU, env=env).code == 0
    not_a_key = tmp_path / "id_ed25519"
    not_a_key.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n", encoding="utf-8")
    before = git(root, "rev-parse", "HEAD")
    run = invoke("staff", "add", KYOTAKU2, "--ssh-key", str(not_a_key), "-C", str(root), env=env)
    assert run.code == 2 and run.stderr.count("\n") == 1 and "--ssh-key" in run.stderr and ".pub" in run.stderr
    assert git(root, "rev-parse", "HEAD") == before and not (root / "staff").exists()
    # a staff file whose party is not its folder's: named at file and line, by validate and by every command
    (root / "staff" / "hokatsu").mkdir(parents=True)
    (root / "staff" / "hokatsu" / "ABCDEF.yaml").write_text("name: 偽\nparty: kyotaku\n", encoding="utf-8")
    run = invoke("staff", "list", "-C", str(root), env=env)
    assert run.code == 2 and "staff/hokatsu/ABCDEF.yaml:2: [staff-party]" in run.stderr
    run = invoke("validate", "-C", str(root), env=env)
    assert run.code == 1 and "staff/hokatsu/ABCDEF.yaml:2" in run.stdout + run.stderr


def test_legacy_names_are_still_read(tmp_path):
    """Casebooks from before sharing keep ``notes/<date>-<party>-<n>.yaml`` and ``monitoring/<yyyy-mm>.yaml``."""
    from yobo.kinds import classify

    assert classify("notes/2026-07-10-kyotaku-1.yaml") == ("note", "kyotaku")
    assert classify("notes/2026-07-10-hokatsu-2-7K3QAB.yaml") == ("note", "hokatsu")
    assert classify("monitoring/2026-07.yaml") == ("monitoring", "kyotaku")
    assert classify("monitoring/2026-07-7K3QAB.yaml") == ("monitoring", "kyotaku")
    assert classify("custody/2026-07-10-hokatsu-1-7K3QAB.yaml") == ("custody", "hokatsu")
    assert classify("notes/2026-07-10-kyotaku-1-山田.yaml") is None  # never a name


def test_remote_init_from_a_casebook_kept_before_sharing(tmp_path):
    """The sample casebook holds 包括 reviews written in its first commit: its history cannot
    attribute them, so ``--from`` puts it in before the hook; what comes after is checked."""
    env = {"YOBO_STAFF": "田中美咲", "YOBO_TODAY": "2026-11-22"}
    old = tmp_path / "old"
    assert invoke("init", str(old), "--sample", env=env).code == 0
    assert invoke("verify", "-C", str(old), env=env).code == 1  # the first commit wrote both parties' files
    remote = tmp_path / "remote.git"
    run = invoke("remote", "init", str(remote), "--from", str(old), env=env)
    assert run.code == 0, run.stderr
    assert git(remote, "rev-parse", "main") == git(old, "rev-parse", "HEAD")
    git(old, "remote", "add", "origin", str(remote))
    git(old, "config", "user.name", "田中美咲")
    git(old, "config", "user.email", "tanaka@example.jp")
    review = next((old / "cases").glob("*/*/plans/*/reviews/*.hokatsu.yaml"))
    review.write_text(review.read_text(encoding="utf-8") + "# 居宅の手直し\n", encoding="utf-8")
    git(old, "commit", "-qam", "手直し")
    run = invoke("sync", "-C", str(old), env=env)
    assert run.code == 1 and "[path-other-party]" in run.stderr


def test_sync_retries_when_the_other_office_pushes_in_between(tmp_path, monkeypatch):
    from yobo.sharing import sync as syncing

    remote, kyotaku, hokatsu = make_shared(tmp_path)
    hokatsu.step("staff", "add", HOKATSU, "--party", "hokatsu")
    kyotaku.step("staff", "add", KYOTAKU2)
    real_fetch = syncing._fetch
    raced = []

    def fetch_then_lose_the_race(root, name):
        real_fetch(root, name)
        if root == kyotaku.root and not raced:
            raced.append(True)
            hokatsu.sync()  # the 包括 pushes after our fetch, before our push

    monkeypatch.setattr(syncing, "_fetch", fetch_then_lose_the_race)
    result = json.loads(kyotaku.yobo("sync", "--json").stdout)
    assert raced and result["retries"] == 1 and result["sent"] == 1 and result["received"] == 1
    assert result["received_steps"][0]["author"] == HOKATSU
    assert git(remote, "rev-parse", "main") == git(kyotaku.root, "rev-parse", "HEAD")
    assert kyotaku.yobo("verify", "--all").code == 0


def test_monitor_due_by_party_and_for_hokatsu_staff(tmp_path):
    """``--party`` keeps one office's work; a 包括 staff member given to ``--staff`` sees the
    包括's items (they name the center, not a person) instead of an empty list."""
    env = {"YOBO_STAFF": "田中美咲", "YOBO_TODAY": "2026-11-22"}
    root = tmp_path / "sample"
    assert invoke("init", str(root), "--sample", env=env).code == 0

    def due(*args):
        run = invoke("monitor", "due", "-C", str(root), "--within", "400", "--json", *args, env=env)
        assert run.code in (0, 1), run.stderr
        return json.loads(run.stdout)

    everything = due()
    hokatsu = due("--party", "hokatsu")
    assert hokatsu and {d["party"] for d in hokatsu} == {"hokatsu"}
    assert hokatsu == [d for d in everything if d["party"] == "hokatsu"]
    assert {d["party"] for d in due("--party", "kyotaku")} == {"kyotaku"}
    assert due("--staff", "青木 保健師") == hokatsu  # the sample's 包括 staff member
    # the 原案 of 3QK7WA sent on 2026-11-18 waits for the 包括 (README's sample table)
    [waiting] = [d for d in hokatsu if d["code"] == "draft-review"]
    assert waiting["case"] == "3QK7WA" and waiting["opens"] == "2026-11-18" and "2026-11-18 提出" in waiting["title"]
    assert "draft-review" not in {d["code"] for d in due("--party", "kyotaku")}
    bad = invoke("monitor", "due", "-C", str(root), "--party", "provider", env=env)
    assert bad.code == 2 and "--party" in bad.stderr
