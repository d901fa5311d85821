"""軽微な変更 (seed 002 III): ``yobo plan amend`` changes an agreed plan in place, keeps the
old text for 見え消し, writes the 経過記録 entry, and leaves the consent valid."""

from __future__ import annotations

import re

from pathlib import Path

import pytest

from conftest import assert_one_line_error, git, snapshot
from yobo.model import content_digest, plan_digest
from yobo.yamlio import load_fast

CASE = "5MZ2RT"  # 小林 正男: plan P2 agreed 2026-03, running
PLAN = "cases/5M/5MZ2RT/plans/P2/plan.yaml"
FIELD = "goals[0].services[0].insured_service"
OLD = "運動器機能向上のプログラム"
NEW = "運動器機能向上と口腔機能向上のプログラム"


@pytest.fixture
def sample(tmp_path, cli) -> Path:
    root = tmp_path / "sample"
    run = cli("init", str(root), "--sample", env={"YOBO_STAFF": "田中美咲"})
    assert run.code == 0, run.stderr
    return root


def amend(cli, root, *extra, field=FIELD, new=NEW, kind="content-only"):
    return cli("plan", "amend", CASE, "-C", str(root), "--kind", kind, "--field", field, "--new", new,
               "--reason", "事業所のプログラム追加", "--consent-date", "2026-11-21", "--consent-method", "電話",
               "--date", "2026-11-21", *extra, env={"YOBO_STAFF": "田中美咲"})


def test_amend_keeps_old_text_writes_the_note_and_one_commit(sample, cli):
    before = git(sample, "rev-list", "--count", "HEAD")
    run = amend(cli, sample)
    assert run.code == 0, run.stderr
    assert int(git(sample, "rev-list", "--count", "HEAD")) == int(before) + 1
    assert git(sample, "log", "-1", "--format=%s%n%an").splitlines() == ["plan-amend: 5MZ2RT", "田中美咲"]
    changed = git(sample, "show", "--name-only", "--format=", "HEAD").split()
    assert changed[1:] == [PLAN]
    assert re.fullmatch(r"cases/5M/5MZ2RT/notes/2026-11-21-kyotaku-1-[0-9A-Z]{6}\.yaml", changed[0])

    data = load_fast((sample / PLAN).read_text(encoding="utf-8"), PLAN)
    assert data["goals"][0]["services"][0]["insured_service"] == NEW
    assert data["amendments"][-1] == {
        "date": "2026-11-21", "kind": "content-only", "field": FIELD, "old": OLD, "new": NEW,
        "reason": "事業所のプログラム追加", "consent_date": "2026-11-21", "consent_method": "電話"}
    note = load_fast((sample / changed[0]).read_text(encoding="utf-8"), changed[0])
    assert note["kind"] == "minor-change"
    for part in ("サービス内容のみ変更", f"変更前: {OLD}", f"変更後: {NEW}",
                 "理由: 事業所のプログラム追加", "同意: 2026-11-21（電話）"):
        assert part in note["text"]

    shown = cli("plan", "show", CASE, "-C", str(sample)).stdout
    assert f"軽微な変更: 2026-11-21 サービス内容のみ変更（目標1・支援計画1・介護保険サービス又は地域支援事業: {OLD} → {NEW}）" in shown

    # the consent recorded before the change still matches: nothing for validate to flag
    check = cli("validate", "-C", str(sample))
    assert check.code == 0, check.stdout + check.stderr


def test_digest_ignores_recorded_amendments_but_not_other_edits():
    plan = {"goals": [{"goal": "歩く", "services": [{"provider": "B"}]}],
            "amendments": [{"field": "goals[0].services[0].provider", "old": "A", "new": "B"}]}
    agreed = {"goals": [{"goal": "歩く", "services": [{"provider": "A"}]}]}
    assert plan_digest(plan) == content_digest(agreed)
    plan["goals"][0]["goal"] = "走る"  # an edit that is not a recorded amendment
    assert plan_digest(plan) != content_digest(agreed)
    assert plan_digest({"amendments": [{"field": "nothing[3]", "old": "x", "new": "y"}]}) != content_digest({})


def test_two_amendments_of_one_field_revert_in_order(sample, cli):
    assert amend(cli, sample).code == 0
    second = amend(cli, sample, new="口腔機能向上のプログラム")
    assert second.code == 0, second.stderr
    data = load_fast((sample / PLAN).read_text(encoding="utf-8"), PLAN)
    assert [a["old"] for a in data["amendments"] if a["field"] == FIELD] == [OLD, NEW]
    assert cli("validate", "-C", str(sample)).code == 0


def test_period_extension_must_extend_inside_the_plan_and_the_certification(sample, cli):
    # seed 002 III-1 (5): 短期目標の期間を延長する — a service's period, never the plan's
    field = "goals[0].services[0].to"
    before = snapshot(sample)
    assert_one_line_error(amend(cli, sample, field=field, new="2027-02-28", kind="period-extension"), "--new", "より後")
    assert_one_line_error(amend(cli, sample, field=field, new="2028-04-30", kind="period-extension"), "認定有効期間")
    assert_one_line_error(amend(cli, sample, field=field, new="2027-04-30", kind="period-extension"), "評価月")
    assert_one_line_error(amend(cli, sample, field="goals[0].goal", new="x", kind="period-extension"), "--field")
    assert_one_line_error(amend(cli, sample, field="period.end", new="2027-06-30", kind="period-extension"),
                          "--field", "計画期間（評価月）")
    assert snapshot(sample) == before
    # a service period ending before the plan does may be lengthened up to the plan's end
    text = (sample / PLAN).read_text(encoding="utf-8").replace("to: 2027-03-31", "to: 2026-12-31")
    (sample / PLAN).write_text(text, encoding="utf-8")
    git(sample, "-c", "user.name=test", "-c", "user.email=t@example.invalid", "commit", "-qam", "test: shorter period")
    ok = amend(cli, sample, field=field, new="2027-03-31", kind="period-extension")
    assert ok.code == 0, ok.stderr


@pytest.mark.parametrize("args,needles", [
    (dict(field="goals[9].goal"), ["--field", "goals[9].goal"]),
    (dict(field="goals[0]"), ["--field", "goals[…].services[…].insured_service"]),
    (dict(field="goals[0].goal"), ["--field", "対象外"]),
    (dict(field="person.name"), ["--field", "対象外"]),
    (dict(field="goals..x"), ["--field", "読めません"]),
    (dict(field="id"), ["--field", "対象ではありません"]),
    (dict(new=OLD), ["--new", "すでに"]),
    (dict(kind="rename"), ["--kind"]),
])
def test_bad_amendments_are_refused_and_nothing_is_written(sample, cli, args, needles):
    before = snapshot(sample)
    assert_one_line_error(amend(cli, sample, **args), *needles)
    assert snapshot(sample) == before


def test_a_plan_not_yet_agreed_is_changed_by_plan_edit_instead(sample, cli):
    before = snapshot(sample)
    run = cli("plan", "amend", "3QK7WA", "-C", str(sample), "--kind", "weekday", "--field", "goals[0].goal",
              "--new", "x", "--reason", "r", env={"YOBO_STAFF": "田中美咲"})
    assert_one_line_error(run, "yobo plan edit")
    assert snapshot(sample) == before
