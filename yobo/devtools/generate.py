"""Realistic synthetic casebooks, for measuring yobo at the size of a municipality.

Each case gets what a case in the middle of its life has: case.yaml, one or two
certifications, 利用者基本情報, 基本チェックリスト, a plan with its 包括 review,
meeting, consent and start, a month of monitoring for most months, notes, and
for older cases an evaluated first plan.  Seeded, so a given size is always the
same casebook.  Written with the fast dumper (the round trip would take minutes
at 10,000 cases); every document is valid against its schema (tested).
"""

from __future__ import annotations

import random
import subprocess
from datetime import date, timedelta
from pathlib import Path

from ..calendar import add_months, day_in_month, month_end, month_index
from ..casebook import case_dir, new_case_id
from ..model import content_digest
from ..workflow.documents import TITLES, schema_ref
from ..workflow.casebook_steps import GITIGNORE, schema_files
from ..yamlio import SCHEMA_COMMENT, dump_fast

FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "松本", "井上"]
GIVEN = [("ハナ", "female"), ("トミ", "female"), ("キヨ", "female"), ("フミ", "female"), ("正男", "male"),
         ("茂", "male"), ("勝", "male"), ("一郎", "male"), ("和子", "female"), ("清", "male")]
KANA = {"佐藤": "サトウ", "鈴木": "スズキ", "高橋": "タカハシ", "田中": "タナカ", "伊藤": "イトウ", "渡辺": "ワタナベ",
        "山本": "ヤマモト", "中村": "ナカムラ", "小林": "コバヤシ", "加藤": "カトウ", "吉田": "ヨシダ", "山田": "ヤマダ",
        "松本": "マツモト", "井上": "イノウエ", "ハナ": "ハナ", "トミ": "トミ", "キヨ": "キヨ", "フミ": "フミ",
        "正男": "マサオ", "茂": "シゲル", "勝": "マサル", "一郎": "イチロウ", "和子": "カズコ", "清": "キヨシ"}
SENTENCES = [
    "本人は住み慣れた自宅での生活を続けたいと希望している。", "膝の痛みがあり、長い距離の歩行に不安がある。",
    "長女が週に一度訪問し、買い物を手伝っている。", "通所リハビリを休まず利用している。",
    "体重は安定しており、食事は自分で用意している。", "転倒への不安から外出の回数が減っている。",
]
STAFF = ["山田花子", "佐藤次郎", "鈴木三郎", "高橋四郎", "田中五月", "伊藤六花"]


def _write(root: Path, rel: str, kind: str, data: dict) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"{SCHEMA_COMMENT}{schema_ref(rel, kind)}\n{TITLES[kind]}"
    path.write_text(dump_fast(data, header=header), encoding="utf-8")


def generate(root: Path, count: int, *, today: date, seed: int = 1, commit: bool = True,
             progress=None) -> list[str]:
    """Write a casebook of ``count`` cases at ``root`` (a new folder); returns the case ids.
    ``progress(done, total)`` is called after each case (and once more when git has
    committed them: the commit is counted as one more step)."""
    rng = random.Random(seed)
    root.mkdir(parents=True)
    config = {"format": 1, "office": {"name": "合成テスト居宅介護支援事業所", "kind": "kyotaku", "number": "9900000000"},
              "profile": "funagata", "staff": [{"name": n} for n in STAFF] + [{"name": "包括 保健師", "party": "hokatsu"}]}
    _write(root, "yobo.yaml", "casebook", config)
    (root / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    for rel, text in schema_files().items():
        (root / rel).parent.mkdir(exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    ids: set[str] = set()
    for n in range(count):
        case_id = new_case_id(ids, rng)
        ids.add(case_id)
        _case(root, case_id, n, rng, today)
        if progress is not None:
            progress(n + 1, count + 1)
    _monthly_marks(root, config, today)
    if commit:
        for args in (["init", "-q"], ["config", "core.untrackedCache", "true"], ["add", "-A"],
                     ["-c", "user.name=yobo-gen", "-c", "user.email=gen@yobo.invalid", "commit", "-q", "-m",
                      f"generate: {count} cases"]):
            subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    if progress is not None:
        progress(count + 1, count + 1)
    return sorted(ids)


def _monthly_marks(root: Path, config: dict, today: date) -> None:
    """The office's monthly duties (実績・委託料請求・給付管理) marked done for every month
    but the last two (``yobo monitor done`` without ``--case``), by both parties: an
    office that uses yobo keeps up with them, and the due list should show the recent
    ones, not a year of backlog nobody would leave."""
    from ..profiles import load_profile

    number = config["office"]["number"]
    last = month_index(today) - 2
    for entry in load_profile(config["profile"])["monthly"]:
        for month in range(month_index(today) - 13, last + 1):
            first = date(month // 12, month % 12 + 1, 1)
            for party, staff in (("kyotaku", STAFF[0]), ("hokatsu", "包括 保健師")):
                rel = f"done/{first:%Y-%m}/{entry['code']}--{party}-{number}.yaml"
                _write(root, rel, "done-mark", {"code": entry["code"], "month": f"{first:%Y-%m}",
                                                "date": day_in_month(month + 1, entry["day"]).isoformat(),
                                                "staff": staff, "party": party, "office": number})


def _case(root: Path, case_id: str, n: int, rng: random.Random, today: date) -> None:
    folder = case_dir(case_id)
    family = rng.choice(FAMILY)
    given, sex = rng.choice(GIVEN)
    level = rng.choice(["shien1", "shien1", "shien2", "shien2", "jigyo"])
    route = "cm-a" if level == "jigyo" or rng.random() < 0.15 else "yobo-shien"
    mode = "itaku" if route == "cm-a" or rng.random() < 0.7 else "shitei"
    manager = STAFF[n % len(STAFF)]
    # plan start between 1 and 11 months ago, month-aligned (most plans start on the 1st)
    start = add_months(date(today.year, today.month, 1), -rng.randint(1, 11))
    length = rng.choice([6, 6, 12])
    end = month_end(month_index(start) + length - 1)
    cert_from = add_months(start, -rng.randint(0, 5))
    cert_to = None if level == "jigyo" else month_end(month_index(cert_from) + rng.choice([12, 24, 36]) - 1)
    if cert_to is not None and cert_to < end:
        cert_to = month_end(month_index(end) + 6)
    opened = cert_from
    _write(root, f"{folder}/case.yaml", "case", {
        "id": case_id, "status": "active", "opened": opened.isoformat(),
        "person": {"insured_no": f"{1000000000 + n:010d}", "name": f"{family} {given}",
                   "kana": f"{KANA[family]}\u3000{KANA[given]}", "birth": date(1930 + n % 20, 1 + n % 12, 1 + n % 28).isoformat(),
                   "sex": sex},
        "route": route, "mode": mode, "hokatsu": "中央地域包括支援センター", "manager": manager})
    cert = {"level": level, "status": "certified", "from": cert_from.isoformat()}
    if cert_to:
        cert["to"] = cert_to.isoformat()
    _write(root, f"{folder}/certifications/{cert_from.isoformat()}.yaml", "certification", cert)
    _write(root, f"{folder}/basic-info/{opened.isoformat()}.yaml", "basic-info", {
        "author": manager, "date": opened.isoformat(),
        "consultation": {"date": opened.isoformat(), "method": "phone", "kind": "first"},
        "current_status": {"place": "home"},
        "emergency_contacts": [{"name": f"{family} 花子", "relation": "長女", "phones": [{"number": "000-0000-0000"}]}],
        "life_history": rng.choice(SENTENCES) + rng.choice(SENTENCES)})
    checklist_day = start - timedelta(days=rng.randint(5, 20))
    _write(root, f"{folder}/checklists/{checklist_day.isoformat()}.yaml", "checklist", {
        "date": checklist_day.isoformat(), "answers": "".join(rng.choice("yn") for _ in range(11)) + "-" +
        "".join(rng.choice("yn") for _ in range(13)), "height_cm": rng.randint(140, 170), "weight_kg": rng.randint(38, 70),
        "recorded_by": manager})
    created = checklist_day + timedelta(days=2)
    plan = {"id": "P1", "created_on": created.isoformat(), "first_created_on": created.isoformat(), "kind": "first",
            "cert_status": "certified", "level": level, "route": route, "cert_from": cert_from.isoformat(),
            "planner": manager, "hokatsu": "中央地域包括支援センター",
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "life_goals": {"day": "朝の体操を続ける", "year": "季節の行事に歩いて出かける"},
            "issues": [rng.choice(SENTENCES)],
            "goals": [{"goal": "近所のスーパーまで一人で歩いて行ける", "support_points": rng.choice(SENTENCES),
                       "services": [{"insured_service": "運動器機能向上", "kind": "介護予防通所リハビリテーション",
                                     "provider": "ひだまりデイケア", "from": start.isoformat(), "to": end.isoformat()}]}],
            "overall_policy": rng.choice(SENTENCES)}
    if cert_to:
        plan["cert_to"] = cert_to.isoformat()
    pdir = f"{folder}/plans/P1"
    _write(root, f"{pdir}/plan.yaml", "plan", plan)
    digest = content_digest(plan)
    if mode == "itaku":
        _write(root, f"{folder}/submissions/{(created + timedelta(days=1)).isoformat()}-draft.yaml", "submission", {
            "date": (created + timedelta(days=1)).isoformat(), "occasion": "draft", "plan": "P1", "plan_digest": digest,
            "to": "中央地域包括支援センター", "staff": manager,
            "handovers": [{"doc": "plan", "ref": f"{pdir}/plan.yaml", "original_to": "hokatsu", "copies_to": ["kyotaku"]}]})
        _write(root, f"{pdir}/reviews/{(created + timedelta(days=2)).isoformat()}.hokatsu.yaml", "review", {
            "target": "plan", "date": (created + timedelta(days=2)).isoformat(), "reviewer": "包括 保健師",
            "center": "中央地域包括支援センター", "plan_digest": digest,
            "handovers": [{"doc": "plan", "ref": f"{pdir}/plan.yaml", "original_to": "kyotaku"}]})
    meeting = created + timedelta(days=3)
    _write(root, f"{pdir}/meetings/{meeting.isoformat()}.yaml", "meeting", {
        "date": meeting.isoformat(), "attendees": [{"name": f"{family} {given}", "affiliation": "本人"}],
        "conclusion": "原案どおり実施する。", "recorded_by": manager, "plan_digest": digest})
    # 通所リハビリテーション is a 医療系サービス: the 主治医's instruction before the consent (seed 002 I-1(3))
    _write(root, f"{folder}/doctor/{created.isoformat()}-kyotaku-1.yaml", "doctor-instruction", {
        "date": created.isoformat(), "service": "介護予防通所リハビリテーション", "method": "phone",
        "doctor": "みどり内科 医師", "recorded_by": manager, "party": "kyotaku"})
    _write(root, f"{pdir}/consent.yaml", "consent", {"date": meeting.isoformat(), "signer": f"{family} {given}",
                                                     "recorded_by": manager, "plan_digest": digest})
    _write(root, f"{pdir}/start.yaml", "service-start", {"date": start.isoformat(), "recorded_by": manager})
    month = month_index(start)
    while month <= month_index(today) and month <= month_index(end):
        if month < month_index(today) and rng.random() < 0.04:
            month += 1
            continue  # a month someone forgot: the due list must find it
        first = date(month // 12, month % 12 + 1, 1)
        day = first + timedelta(days=rng.randint(4, 24))
        if day > today:
            break
        method = "visit" if (month - month_index(start)) % 3 == 0 else rng.choice(["phone", "office"])
        _write(root, f"{folder}/monitoring/{first:%Y-%m}.yaml", "monitoring", {
            "month": f"{first:%Y-%m}", "records": [{"date": day.isoformat(), "method": method, "plan": "P1",
                                                    "summary": rng.choice(SENTENCES), "staff": manager}]})
        if rng.random() < 0.3:
            _write(root, f"{folder}/notes/{day.isoformat()}-kyotaku-1.yaml", "note", {
                "date": day.isoformat(), "kind": "general", "text": rng.choice(SENTENCES), "staff": manager,
                "party": "kyotaku"})
        month += 1
