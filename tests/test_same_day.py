"""Corrections on the same day: the last recorded wins in every reader.

Architecture §3 "Order": events of a case are ordered by sequence, not by date or
file name.  A second ``checklist record`` or ``info set`` on one day is saved as
``…-2.yaml``; plain path order put it *before* the first ('-' < '.'), so show,
render, plan draft and the due list kept using the first, wrong version.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from pathlib import Path

from conftest import basic_info, new_case
from yobo.casebook import case_dir
from yobo.loader import load_case
from yobo.model import Checklist, Doc, latest, natural_path, record_order
from yobo.yamlio import load_fast

DAY = "2026-11-10"
# 運動器 (No.6–10: 6–8 score on "no", 9–10 on "yes"): 5/5 in the first, 0/5 in the corrected one
FIRST = "yyyyy" + "nnnyy" + "n" + "-" + "nnn" + "nn" + "nnn" + "nnnnn"
SECOND = "yyyyy" + "yyynn" + "n" + "-" + "nnn" + "nn" + "nnn" + "nnnnn"

def run(cli, *args):
    result = cli(*args, env={"YOBO_TODAY": DAY})
    assert result.code == 0, (args, result.stderr)
    return result.stdout


def test_natural_path_puts_a_same_day_version_after_its_base():
    names = ["checklists/2026-11-10-10.yaml", "checklists/2026-11-10-2.yaml", "checklists/2026-11-10.yaml"]
    assert sorted(names, key=natural_path) == ["checklists/2026-11-10.yaml", "checklists/2026-11-10-2.yaml",
                                               "checklists/2026-11-10-10.yaml"]
    assert natural_path("reviews/2026-11-10.hokatsu.yaml") < natural_path("reviews/2026-11-10-2.hokatsu.yaml")


def test_seq_wins_over_date_and_older_files_come_first():
    day = date(2026, 11, 10)
    old = Checklist("c/2026-11-12.yaml", date(2026, 11, 12), "", None, None)  # no seq: written before it existed
    back_dated = Checklist("c/2026-11-01.yaml", date(2026, 11, 1), "", None, None, seq=4)
    newer = Checklist("c/2026-11-10.yaml", day, "", None, None, seq=3)
    assert latest([old, newer, back_dated]) is back_dated  # the last recorded, though dated earlier
    assert latest([old, Checklist("c/2026-11-10.yaml", day, "", None, None)]) is old
    # two offices taking the same number on their own clones: still one order, the same everywhere
    a = Doc("notes/2026-11-10-hokatsu-1.yaml", {"date": "2026-11-10"}, seq=7)
    b = Doc("notes/2026-11-10-kyotaku-1.yaml", {"date": "2026-11-10"}, seq=7)
    key = lambda d: record_order(d.seq, day, d.path)  # noqa: E731
    assert sorted([b, a], key=key) == sorted([a, b], key=key)


def test_two_corrections_on_one_day_win_everywhere(cli, casebook: Path, tmp_path: Path):
    root = casebook
    case = new_case(cli, root, cert_from="2026-10-01", cert_to="2027-09-30")
    c = ("-C", str(root))

    # 基本チェックリスト twice on one day
    run(cli, "checklist", "record", case, "--date", DAY, "--answers", FIRST, "--height-cm", "150", "--weight-kg", "50", *c)
    run(cli, "checklist", "record", case, "--date", DAY, "--answers", SECOND, "--height-cm", "150", "--weight-kg", "50", *c)
    assert json.loads(run(cli, "checklist", "show", case, "--json", *c))["motor"] == 0
    rendered = run(cli, "render", case, "checklist", *c)
    assert run(cli, "render", case, "checklist", "--date", DAY, *c) == rendered
    assert "| 運動器（No.6〜） | 0/5 |" in rendered

    # 利用者基本情報 twice on one day (a corrected address and disease)
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text(basic_info(address="旧住所1-1", disease="高血圧症"), encoding="utf-8")
    second.write_text(basic_info(address="新住所2-2", disease="変形性膝関節症"), encoding="utf-8")
    run(cli, "info", "set", case, "--file", str(first), "--date", DAY, *c)
    run(cli, "info", "set", case, "--file", str(second), "--date", DAY, *c)
    shown = json.loads(run(cli, "info", "show", case, "--json", *c))
    assert shown["address"] == "新住所2-2" and shown["path"].endswith("basic-info/2026-11-10-2.yaml")
    assert "新住所2-2" in run(cli, "info", "show", case, *c)
    basic = run(cli, "render", case, "basic-info", *c)
    assert "新住所2-2" in basic and "旧住所1-1" not in basic
    assert run(cli, "render", case, "basic-info", "--date", DAY, *c) == basic
    request = run(cli, "render", case, "request", *c)
    assert "新住所2-2" in request and "旧住所1-1" not in request

    # plan draft carries the corrected checklist and history over
    run(cli, "plan", "draft", case, "--start", "2026-12-01", "--end", "2027-05-31", "--date", DAY, *c)
    folder = root / f"cases/{case[:2]}/{case}"
    plan_path = folder / "plans/P1/plan.yaml"
    plan = load_fast(plan_path.read_text(encoding="utf-8"), "plan")
    assert plan["checklist"]["scores"]["motor"] == "0/5"
    assert plan["health_notes"].startswith("変形性膝関節症")

    # a plan edited twice on the same day: the second text is the plan everywhere, the due list included
    text = plan_path.read_text(encoding="utf-8")
    too_long = tmp_path / "long.yaml"
    too_long.write_text(text.replace("end: '2027-05-31'", "end: '2027-12-31'").replace(
        "end: 2027-05-31", "end: 2027-12-31").replace("overall_policy: ''", "overall_policy: 一回目"),
        encoding="utf-8")
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(text.replace("overall_policy: ''", "overall_policy: 二回目"), encoding="utf-8")
    run(cli, "plan", "edit", case, "--file", str(too_long), *c)
    due = json.loads(run(cli, "monitor", "due", "--case", case, "--json", *c))
    assert "plan-period" in {item["code"] for item in due}
    run(cli, "plan", "edit", case, "--file", str(fixed), *c)
    shown = json.loads(run(cli, "plan", "show", case, "--json", *c))
    assert shown["data"]["overall_policy"] == "二回目" and shown["period"]["end"] == "2027-05-31"
    assert "二回目" in run(cli, "render", case, "plan", *c)
    due = json.loads(run(cli, "monitor", "due", "--case", case, "--json", *c))
    assert "plan-period" not in {item["code"] for item in due}

    # the records say their order: each new one one more than the last
    seqs = [load_fast(p.read_text(encoding="utf-8"), p.name)["seq"]
            for p in sorted((folder / "checklists").iterdir()) + sorted((folder / "basic-info").iterdir())]
    assert sorted(seqs) == [1, 2, 3, 4]



def test_two_offices_taking_the_same_seq_on_their_clones_merge_into_one_order(cli, casebook: Path, tmp_path: Path):
    """The 居宅 and the 包括 each write a note on the same day on their own clone: both take
    the same ``seq`` (neither has seen the other's), the pull merges without a conflict (each
    writes only files named for it) and every clone reads the same order."""
    root = casebook
    case = new_case(cli, root)
    assert cli("staff", "add", "包括 花子", "--party", "hokatsu", "-C", str(root)).code == 0
    clone = tmp_path / "hokatsu"
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid"}

    def git(*args: str, cwd: Path) -> None:
        subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **env})

    git("clone", "-q", str(root), str(clone), cwd=tmp_path)
    run(cli, "note", "add", case, "--text", "居宅の記録", "-C", str(root))
    run(cli, "note", "add", case, "--text", "包括の記録", "--as", "包括 花子", "-C", str(clone))
    git("pull", "-q", "--no-rebase", "--no-edit", str(root), cwd=clone)
    git("pull", "-q", "--no-rebase", "--no-edit", str(clone), cwd=root)
    orders = []
    for where in (root, clone):
        found, problems, _ = load_case(where, case, case_dir(case))
        assert problems == []
        assert len({n.seq for n in found.notes}) == 1  # the same number on both sides
        orders.append([n.path.rsplit("/", 1)[-1] for n in found.notes])
    assert orders[0] == orders[1]  # each name ends in its author's token (shared-repository naming)
    assert [o[:len(DAY) + 11] for o in orders[0]] == [f"{DAY}-hokatsu-1-", f"{DAY}-kyotaku-1-"]
    # the next record on either side comes after both
    run(cli, "note", "add", case, "--text", "次の記録", "-C", str(root))
    found, _, _ = load_case(root, case, case_dir(case))
    assert f"/{DAY}-kyotaku-2-" in found.notes[-1].path and found.notes[-1].seq == found.notes[0].seq + 1
