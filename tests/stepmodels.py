"""Model values for the step unit tests (tests/test_steps_*.py): a case, its plan and
records built inline, a Context for a 居宅 or 包括 staff member, and the document a
Change writes read back — no casebook on disk, no git."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from yobo.model import (Case, Certification, Config, Consent, Evaluation, Meeting, Person, Plan, Review, Staff,
                        Submission)
from yobo.profiles import load_profile
from yobo.workflow.apply import Change
from yobo.workflow.context import Context
from yobo.yamlio import load_fast

TODAY = date(2026, 11, 30)
CASE_ID = "ABC123"
FOLDER = f"cases/AB/{CASE_ID}"
KYOTAKU = Staff("山田花子")
HOKATSU = Staff("中央包括 佐藤", party="hokatsu")
CONFIG = Config("テスト居宅", "kyotaku", "1234567890", "national", (KYOTAKU, HOKATSU))


def cert(start="2026-04-01", end="2027-03-31", level="shien1", status="certified") -> Certification:
    return Certification(f"{FOLDER}/certifications/{start}.yaml", level, status, date.fromisoformat(start),
                         date.fromisoformat(end) if end else None)


def case(*, mode="itaku", route="yobo-shien", certs=None, **parts) -> Case:
    """An open case with one certification (2026-04-01〜2027-03-31) unless given."""
    base = Case(CASE_ID, FOLDER, "active", date(2026, 4, 1), Person("0000000001", "佐藤 一郎", "サトウ イチロウ",
                                                                     date(1940, 1, 1), "male"),
                route, mode, "中央包括" if mode == "itaku" else None, KYOTAKU.name,
                tuple(certs) if certs is not None else (cert(),))
    return replace(base, **parts)


def plan(number=1, *, start="2026-12-01", end="2027-03-31", digest="d1", data=None, **records) -> Plan:
    pid = f"P{number}"
    body = {"id": pid, "first_created_on": "2026-11-20", "route": "yobo-shien", "goals": [], **(data or {})}
    return Plan(pid, f"{FOLDER}/plans/{pid}", body, date.fromisoformat(start), date.fromisoformat(end),
                date(2026, 11, 20), digest, **records)


def meeting(day="2026-11-22", digest="d1", attended=False) -> Meeting:
    return Meeting(f"{FOLDER}/plans/P1/meetings/{day}.yaml", date.fromisoformat(day), digest, attended)


def review(day="2026-11-23", digest="d1", target="plan") -> Review:
    return Review(f"{FOLDER}/plans/P1/reviews/{day}.hokatsu.yaml", target, date.fromisoformat(day), "佐藤", "", digest)


def consent(day="2026-11-26", digest="d1") -> Consent:
    return Consent(f"{FOLDER}/plans/P1/consent.yaml", date.fromisoformat(day), "本人", digest)


def evaluation(day="2027-03-25", decision="continue") -> Evaluation:
    return Evaluation(f"{FOLDER}/plans/P1/evaluation.yaml", date.fromisoformat(day), decision, None, {})


def submission(occasion="draft", day="2026-11-21", plan_id="P1", digest="d1") -> Submission:
    return Submission(f"{FOLDER}/submissions/{day}-{occasion}.yaml", date.fromisoformat(day), occasion, plan_id,
                      digest if occasion == "draft" else None, ())


def agreed_plan(**more) -> Plan:
    """P1 through 原案提出, 包括確認, 担当者会議 and 同意 (not started)."""
    return plan(meetings=(meeting(),), reviews=(review(),), consent=consent(), **more)


def ctx(the_case: Case, *, actor: Staff = KYOTAKU, today: date = TODAY, profile: str = "national",
        config: Config = CONFIG) -> Context:
    return Context(config=replace(config, profile=profile), profile=load_profile(profile), case=the_case, today=today,
                   actor=actor)


def written(change: Change, part: str = "") -> tuple[str, dict]:
    """(path, data) of the one YAML document ``change`` writes (whose path contains ``part``)."""
    found = [(p, t) for p, t in change.files.items() if part in p and p.endswith(".yaml")]
    assert len(found) == 1, list(change.files)
    path, text = found[0]
    return path, load_fast(text, path)
