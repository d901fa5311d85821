"""``yobo verify`` and the remote's hook against the forgeries of issue 11, an honest
history passing, incremental runs, and SSH-signed steps."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import git
from test_sharing import HOKATSU, KYOTAKU, PLAN, Office, draft_to_consent, make_shared
from yobo.model import plan_digest
from yobo.yamlio import load_fast


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A shared casebook up to the user's consent of a 委託 plan the 包括 reviewed."""
    base = tmp_path_factory.mktemp("shared")
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        remote, kyotaku, hokatsu = make_shared(base)
        hokatsu.step("staff", "add", HOKATSU, "--party", "hokatsu")
        hokatsu.sync()
        kyotaku.sync()
        plan_file = base / "plan-input.yaml"
        plan_file.write_text(PLAN, encoding="utf-8")
        case, folder = draft_to_consent(kyotaku, hokatsu, plan_file)
        hokatsu.sync()
    return base, case, folder


@pytest.fixture
def shared(template, tmp_path):
    base, case, folder = template
    target = tmp_path / "copy"
    shutil.copytree(base, target, symlinks=True)
    for name in ("kyotaku", "hokatsu"):
        git(target / name, "remote", "set-url", "origin", str(target / "remote.git"))
    return target / "remote.git", Office(target / "kyotaku", KYOTAKU), Office(target / "hokatsu", HOKATSU), case, folder


def findings(office: Office, *args: str) -> list[dict]:
    run = office.yobo("verify", *args, "--json")
    assert run.code in (0, 1), run.stderr
    report = json.loads(run.stdout)
    assert (run.code == 1) == bool(report["findings"])
    return report["findings"]


def refused_by_hook(office: Office, remote: Path, code: str) -> None:
    before = git(remote, "rev-parse", "main")
    run = office.yobo("sync")
    assert run.code == 1, run.stdout
    assert "共有リモートが送信を拒否しました" in run.stderr and f"[{code}]" in run.stderr
    assert git(remote, "rev-parse", "main") == before


def test_an_honest_history_passes_and_is_remembered(shared):
    remote, kyotaku, hokatsu, case, folder = shared
    assert findings(kyotaku, "--all") == []
    assert json.loads((kyotaku.root / ".yobo" / "verified.json").read_text())["commit"] == \
        git(kyotaku.root, "rev-parse", "HEAD").strip()
    kyotaku.step("plan", "start", case, "--date", "2026-12-01", today="2026-12-01")
    report = json.loads(kyotaku.yobo("verify", "--json").stdout)
    assert report["checked"] == 1 and report["findings"] == []  # only what came since
    text = kyotaku.yobo("verify")
    assert text.code == 0 and "問題はありません" in text.stdout


def test_kyotaku_registering_a_fake_hokatsu_staff_member(shared):
    remote, kyotaku, hokatsu, case, folder = shared
    kyotaku.step("staff", "add", "偽の包括職員", "--party", "hokatsu")
    found = findings(kyotaku)
    assert [f["code"] for f in found] == ["staff-other-party"]
    assert found[0]["author"] == KYOTAKU and found[0]["path"].startswith("staff/hokatsu/")
    refused_by_hook(kyotaku, remote, "staff-other-party")


def test_a_fake_hokatsu_self_registration_from_a_kyotaku_machine(shared):
    remote, kyotaku, hokatsu, case, folder = shared
    # yobo itself refuses: the 包括 already has staff, so a 包括 member must register them
    run = kyotaku.yobo("staff", "add", "偽の包括職員", "--party", "hokatsu", who="偽の包括職員")
    assert run.code == 2
    # by hand, under the new person's name, on the 居宅's machine (git's user.name is the 居宅's)
    rel = "staff/hokatsu/ZZZZZZ.yaml"
    (kyotaku.root / "staff" / "hokatsu").mkdir(exist_ok=True)
    (kyotaku.root / rel).write_text("name: 偽の包括職員\nparty: hokatsu\n", encoding="utf-8")
    git(kyotaku.root, "add", rel)
    git(kyotaku.root, "commit", "-qm", "staff-add: casebook\n\nYobo-Step: staff-add", "--author", "偽の包括職員 <f@example.jp>")
    found = findings(kyotaku)
    assert [f["code"] for f in found] == ["staff-other-party"] and KYOTAKU in found[0]["message"]
    refused_by_hook(kyotaku, remote, "staff-other-party")


def test_kyotaku_hand_edit_of_the_hokatsu_review(shared):
    remote, kyotaku, hokatsu, case, folder = shared
    review = next((kyotaku.root / folder / "plans/P1/reviews").glob("*.hokatsu.yaml"))
    review.write_text(review.read_text(encoding="utf-8").replace("目標が具体的で妥当です", "問題ありません"),
                      encoding="utf-8")
    git(kyotaku.root, "commit", "-qam", "確認の修正")
    found = findings(kyotaku)
    assert [(f["code"], f["author"]) for f in found] == [("path-other-party", KYOTAKU)]
    assert found[0]["path"] == str(review.relative_to(kyotaku.root))
    refused_by_hook(kyotaku, remote, "path-other-party")


def test_recomputed_plan_digest_after_consent(shared):
    remote, kyotaku, hokatsu, case, folder = shared
    plan_rel = f"{folder}/plans/P1/plan.yaml"
    consent_rel = f"{folder}/plans/P1/consent.yaml"
    plan_path = kyotaku.root / plan_rel
    plan_path.write_text(plan_path.read_text(encoding="utf-8").replace("〇〇デイケア", "△△デイケア"), encoding="utf-8")
    new = plan_digest(load_fast(plan_path.read_text(encoding="utf-8"), plan_rel))
    consent = kyotaku.root / consent_rel
    old = load_fast(consent.read_text(encoding="utf-8"), consent_rel)["plan_digest"]
    consent.write_text(consent.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    git(kyotaku.root, "commit", "-qam", "計画の修正")
    consented = load_fast(consent.read_text(encoding="utf-8"), consent_rel)["plan_digest"]
    assert consented == plan_digest(load_fast(plan_path.read_text(encoding="utf-8"), plan_rel))  # consistent now …
    codes = sorted(f["code"] for f in findings(kyotaku))
    assert codes == ["digest-rewritten", "plan-changed-after-consent"]  # … the history does not
    refused_by_hook(kyotaku, remote, "digest-rewritten")


def test_a_hand_commit_with_review_plan_trailers(shared):
    remote, kyotaku, hokatsu, case, folder = shared
    rel = f"{folder}/plans/P1/reviews/2026-11-27.hokatsu.yaml"
    source = next((kyotaku.root / folder / "plans/P1/reviews").glob("*.hokatsu.yaml"))
    (kyotaku.root / rel).write_text(source.read_text(encoding="utf-8").replace("2026-11-23", "2026-11-27"),
                                    encoding="utf-8")
    git(kyotaku.root, "add", rel)
    git(kyotaku.root, "commit", "-qm", f"review-plan: {case}\n\n包括の原案確認\n\nYobo-Case: {case}\nYobo-Step: review-plan")
    codes = sorted(f["code"] for f in findings(kyotaku))
    assert codes == ["path-other-party", "step-party"]
    # and under the 包括's own name, from the 居宅's machine: not a registered 包括 staff member
    git(kyotaku.root, "commit", "-q", "--amend", "--no-edit", "--author", "包括 次郎 <x@example.jp>")
    assert [f["code"] for f in findings(kyotaku)] == ["author-unregistered"]
    refused_by_hook(kyotaku, remote, "author-unregistered")


def test_a_step_trailer_that_does_not_match_the_paths(shared):
    remote, kyotaku, hokatsu, case, folder = shared
    path = hokatsu.root / folder / "case.yaml"
    git(hokatsu.root, "commit", "-q", "--allow-empty", "-m", f"review-plan: {case}\n\nYobo-Case: {case}\nYobo-Step: review-plan")
    assert [f["code"] for f in findings(hokatsu)] == ["step-paths"]
    assert path.exists()


def _keygen(path: Path) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "山田花子@さくら居宅", "-f", str(path)],
                   check=True, capture_output=True)
    path.chmod(0o600)
    return path


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is needed for SSH signatures")
def test_signed_steps_and_required_signatures(shared, tmp_path):
    remote, kyotaku, hokatsu, case, folder = shared
    key = _keygen(tmp_path / "id_ed25519")
    other = _keygen(tmp_path / "other")
    kyotaku.step("staff", "add", "鈴木三郎", "--ssh-key", f"{key}.pub")
    [staff_file] = [p for p in (kyotaku.root / "staff" / "kyotaku").glob("*.yaml")
                    if "鈴木三郎" in p.read_text(encoding="utf-8")]
    text = staff_file.read_text(encoding="utf-8")
    assert "ssh_key: ssh-ed25519 " in text and "@" not in text.split("ssh_key:")[1]  # the comment is dropped
    config = kyotaku.root / "yobo.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "require_signatures: true\n", encoding="utf-8")
    git(kyotaku.root, "commit", "-qam", "署名を必須にする")
    assert findings(kyotaku) == []  # the setting's own commit is not yet under it

    os.environ["YOBO_SIGNING_KEY"] = str(key)
    try:
        kyotaku.step("note", "add", case, "--text", "署名つきの記録", who="鈴木三郎", today="2026-11-27")
    finally:
        del os.environ["YOBO_SIGNING_KEY"]
    assert "SSH SIGNATURE" in git(kyotaku.root, "cat-file", "commit", "HEAD")
    assert findings(kyotaku) == []

    kyotaku.step("note", "add", case, "--text", "署名のない記録", who="鈴木三郎", today="2026-11-27")
    assert [f["code"] for f in findings(kyotaku)] == ["signature-missing"]
    refused_by_hook(kyotaku, remote, "signature-missing")
    git(kyotaku.root, "reset", "-q", "--hard", "HEAD~1")

    # signed, but with a key nobody registered
    git(kyotaku.root, "-c", "gpg.format=ssh", "-c", f"user.signingKey={other}", "commit", "-q", "-S",
        "--allow-empty", "-m", "手作業", "--author", "鈴木三郎 <s@example.jp>")
    assert [f["code"] for f in findings(kyotaku)] == ["signature-bad"]


def test_verify_outside_a_casebook_and_a_bad_since(shared, tmp_path):
    remote, kyotaku, hokatsu, case, folder = shared
    run = kyotaku.yobo("verify", "--since", "no-such-commit")
    assert run.code == 2 and "--since" in run.stderr


def test_a_review_plan_trailer_on_the_evaluation_review_file(shared):
    remote, kyotaku, hokatsu, case, folder = shared
    rel = f"{folder}/plans/P1/evaluation-review.hokatsu.yaml"
    source = next((hokatsu.root / folder / "plans/P1/reviews").glob("*.hokatsu.yaml"))
    (hokatsu.root / rel).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    git(hokatsu.root, "add", rel)
    git(hokatsu.root, "commit", "-qm", f"review-plan: {case}\n\nYobo-Case: {case}\nYobo-Step: review-plan")
    assert [f["code"] for f in findings(hokatsu)] == ["step-paths"]  # the 包括's own file, but not this step's
