"""Record forms: サービス担当者会議の要点, 介護予防支援経過記録 and the 送付状 to the
地域包括支援センター (domain.md §4)."""

from __future__ import annotations

from datetime import date

from ..custody import PARTIES
from ..errors import InputError
from ..model import Case, Meeting, Submission, record_order
from ..vocab import DOCUMENTS, MONITORING_METHODS, NOTE_KINDS, SUBMISSION_OCCASIONS, label
from ..wareki import format_date
from . import Form, Source

#: An attendee whose 所属 is one of these (or starts with 家族) is the user's family:
#: the form records 本人 and 家族 apart from the professionals.
FAMILY_WORDS = ("家族", "妻", "夫", "長男", "長女", "次男", "次女", "三男", "三女", "息子", "娘", "嫁", "婿",
                "孫", "兄", "弟", "姉", "妹", "甥", "姪", "親族")

#: The attendee table of the printed form has room for at least this many people.
MEETING_SLOTS = 8


# -- サービス担当者会議の要点 --------------------------------------------------------------------


def attendee_role(affiliation: str, name: str, person_name: str) -> str:
    """``user`` (本人), ``family``, ``hokatsu`` (a 地域包括支援センター) or ``other``."""
    aff = affiliation.strip()
    if aff == "本人" or (not aff and name.replace(" ", "").replace("　", "") ==
                         person_name.replace(" ", "").replace("　", "")):
        return "user"
    if aff.startswith(FAMILY_WORDS):
        return "family"
    if "地域包括支援センター" in aff or aff == "包括":
        return "hokatsu"
    return "other"


def _all_meetings(case: Case) -> list[tuple[Meeting, str]]:
    """(meeting, plan id) of every plan of the case, in the order recorded (model.record_order)."""
    found = [(m, p.id) for p in case.plans for m in p.meetings]
    return sorted(found, key=lambda mp: record_order(mp[0].seq, mp[0].date, mp[0].path))


def _chosen_meeting(source: Source) -> tuple[Meeting, str]:
    """The meeting of ``--date`` (in ``--plan`` when given, else in any plan), or the
    newest meeting of the newest plan that has one."""
    case = source.case
    wanted = source.day()
    if wanted is None:
        plan = source.plan(need="meeting")
        return plan.meetings[-1], plan.id  # the last recorded (model.record_order)
    if source.option("plan"):
        plan = source.plan(need="meeting")
        pool = [(m, plan.id) for m in plan.meetings]  # in the order recorded
        where = f"計画 {plan.id} "
    else:
        pool = _all_meetings(case)
        where = ""
    found = [mp for mp in pool if mp[0].date == wanted]
    if not found:
        listed = "、".join(f"{m.date.isoformat()}（{pid}）" for m, pid in pool) or "なし"
        raise InputError(f"{wanted.isoformat()} のサービス担当者会議の記録は{where}ありません（開催日: {listed}）",
                         field="--date")
    return found[-1]


def build_meeting(source: Source) -> dict:
    """サービス担当者会議の要点 (Toshima E表, seed 003; seed 002 資料1-4: the 要点 go to the
    包括 unless it attended): header, 出席者 with 本人・家族 and the 包括 marked, and the
    four boxes 検討した項目・検討内容・結論・残された課題（次回の開催時期）."""
    meeting, plan_id = _chosen_meeting(source)
    plan = source.case.plan(plan_id)
    data = source.read(meeting.path)
    person = source.case.person
    attendees = []
    for a in data["attendees"]:
        affiliation = a.get("affiliation", "")
        attendees.append({"name": a["name"], "affiliation": affiliation,
                          "role": attendee_role(affiliation, a["name"], person.name)})
    roles = {a["role"] for a in attendees}
    number = [m.path for m, _ in _all_meetings(source.case)].index(meeting.path) + 1
    return {
        "person": {"name": person.name},
        "plan": {"id": plan.id, "planner": plan.data["planner"], "planner_office": plan.data.get("planner_office", "")},
        "hokatsu": plan.data.get("hokatsu") or source.case.hokatsu or "",
        "meeting": {
            "date": meeting.date,
            "place": data.get("place", ""),
            # 開催時間 as printed: 14:00〜14:45 (either end may be missing; blank when not recorded)
            "time": "〜".join((data.get("start_time", ""), data.get("end_time", "")))
                    if data.get("start_time") or data.get("end_time") else "",
            "number": number,
            "topics": data.get("topics", ""),
            "discussion": data.get("discussion", ""),
            "conclusion": data.get("conclusion", ""),
            "remaining": data.get("remaining", ""),
            "recorded_by": data["recorded_by"],
        },
        "attendees": attendees,
        # blank slots of the printed table, for people added by hand
        "blank_slots": max(MEETING_SLOTS, len(attendees) + len(attendees) % 2) - len(attendees),
        "user_present": "user" in roles,
        "family_present": "family" in roles,
        "hokatsu_attended": meeting.hokatsu_attended,
    }


def meeting_instances(case: Case) -> list[dict]:
    return [{"plan": pid, "date": m.date} for m, pid in _all_meetings(case)]


# -- 介護予防支援経過記録 ------------------------------------------------------------------------


def _party_of(source: Source, staff: str) -> str:
    member = source.config.staff_named(staff)
    return member.party if member is not None else source.config.office_kind


def progress_rows(source: Source) -> list[dict]:
    """Every 支援経過記録 entry and every monitoring record of the case as one
    chronological list (by date, then file, then order in the file)."""
    rows = []
    for note in source.case.notes:
        lines = [note.text]
        rows.append({"date": note.date, "path": note.path, "seq": 0, "source": "note", "kind": note.kind,
                     "label": "" if note.kind == "general" else label(NOTE_KINDS, note.kind),
                     "lines": lines, "staff": note.staff, "party": label(PARTIES, note.party)})
    for path in sorted({m.path for m in source.case.monitoring}):
        for seq, record in enumerate(source.read(path)["records"]):
            lines = []
            if record.get("summary"):
                lines.append(record["summary"])
            if "state_change" in record:
                lines.append("状態の変化: " + ("あり" if record["state_change"] else "なし"))
            if record.get("reason"):
                lines.append("特段の事情: " + record["reason"])
            rows.append({"date": date.fromisoformat(str(record["date"])), "path": path, "seq": seq,
                         "source": "monitoring", "kind": record["method"],
                         "label": f"モニタリング（{label(MONITORING_METHODS, record['method'])}）",
                         "lines": lines, "staff": record["staff"],
                         "party": label(PARTIES, _party_of(source, record["staff"]))})
    return sorted(rows, key=lambda r: (r["date"], r["path"], r["seq"]))


def build_notes(source: Source) -> dict:
    """介護予防支援経過記録（サービス担当者会議の要点を含む） (domain.md §4; seed 002 資料1-7
    and III-2(2)①: 軽微な変更, 主治医への確認 and 特段の事情 are recorded here): the
    notes and the monthly monitoring records in date order, with who wrote each."""
    rows = progress_rows(source)
    if not rows:
        raise InputError(f"ケース {source.case.id} の支援経過記録・モニタリング記録はまだありません", field="FORM")
    person = source.case.person
    return {
        "person": {"name": person.name, "insured_no": person.insured_no},
        "planner": source.case.manager,
        "rows": rows,
    }


def notes_instances(case: Case) -> list[dict]:
    return [{}] if case.notes or case.monitoring else []


# -- 送付状 ---------------------------------------------------------------------------------------


def _chosen_submission(source: Source) -> Submission:
    """The submission of ``--date`` and ``occasion`` (either may be left out), else the newest."""
    subs = sorted(source.case.submissions, key=lambda s: (s.date, s.path))
    if not subs:
        raise InputError(f"ケース {source.case.id} には包括への送付の記録がまだありません", field="FORM")
    wanted = source.day()
    occasion = source.option("occasion")
    if occasion is not None and occasion not in SUBMISSION_OCCASIONS:
        known = "、".join(f"{c}（{t}）" for c, t in SUBMISSION_OCCASIONS.items())
        raise InputError(f"'{occasion}' は送付の機会ではありません（{known}）", field="--occasion")
    found = [s for s in subs if (wanted is None or s.date == wanted) and (occasion is None or s.occasion == occasion)]
    if not found:
        listed = "、".join(f"{s.date.isoformat()}（{label(SUBMISSION_OCCASIONS, s.occasion)}）" for s in subs)
        what = "・".join(x for x in (wanted.isoformat() if wanted else "", label(SUBMISSION_OCCASIONS, occasion)) if x)
        raise InputError(f"{what} の送付の記録はありません（送付: {listed}）",
                         field="--date" if wanted is not None else "--occasion")
    if wanted is not None and occasion is None and len({s.occasion for s in found}) > 1:
        listed = "、".join(f"{s.occasion}（{label(SUBMISSION_OCCASIONS, s.occasion)}）" for s in found)
        raise InputError(f"{wanted.isoformat()} の送付は{len(found)}件あります（{listed}）。--occasion で選んでください",
                         field="--occasion")
    return found[-1]


def describe_ref(case: Case, ref: str) -> str:
    """A short description of the yobo document behind a hand-over (for 備考)."""
    if not ref:
        return ""
    for plan in case.plans:
        if ref == plan.path:
            return f"計画 {plan.id}（{format_date(plan.created_on)}作成）"
        if plan.evaluation is not None and ref == plan.evaluation.path:
            return f"計画 {plan.id} の評価（{format_date(plan.evaluation.date)}）"
        for meeting in plan.meetings:
            if ref == meeting.path:
                return f"{format_date(meeting.date)}開催"
    for checklist in case.checklists:
        if ref == checklist.path:
            return f"{format_date(checklist.date)}記入"
    for info in case.basic_infos:
        if ref == info.path:
            made = info.data.get("date")
            return f"{format_date(date.fromisoformat(str(made)))}作成" if made else ""
    if ref == f"{case.dir}/notes":
        dated = sorted({n.date for n in case.notes} | {m.date for m in case.monitoring})
        if dated:
            return f"{format_date(dated[0])}〜{format_date(dated[-1])}"
    return ""


def cover_documents(case: Case, submission: Submission) -> list[dict]:
    """One row per hand-over of the submission: 書類名, 原本/写し, 部数, 備考."""
    rows = []
    for no, h in enumerate(submission.handovers, 1):
        if h.get("original_to") == "hokatsu":
            kind = "原本"
        elif "hokatsu" in (h.get("copies_to") or ()):
            kind = "写し"
        else:
            kind = "—"
        remarks = [describe_ref(case, h.get("ref", "")) or ("紙" if h.get("paper") else "")]
        destroyed = [label(PARTIES, p) for p in h.get("copies_destroyed_by") or ()]
        if destroyed:
            remarks.append(f"写しは{'・'.join(destroyed)}で破棄")
        rows.append({"no": no, "doc": h["doc"], "name": label(DOCUMENTS, h["doc"]), "kind": kind,
                     "copies": 1 if kind != "—" else "", "remarks": "。".join(r for r in remarks if r)})
    return rows


def build_cover(source: Source) -> dict:
    """送付状 to the 地域包括支援センター for one submission (seed 002 資料5: which papers go
    at which occasion, with 原本 marked; domain.md §4), with a 受領欄 the 包括 fills in by hand."""
    submission = _chosen_submission(source)
    data = source.read(submission.path)
    to = data.get("to") or source.case.hokatsu
    if not to:
        raise InputError("送付先の地域包括支援センターがわかりません（case.yaml の hokatsu）", field="FORM")
    office = source.office
    person = source.case.person
    return {
        "to": to,
        "sender": {"name": office["name"], "number": office.get("number", ""), "staff": data["staff"]},
        "submission": {"date": submission.date, "occasion": submission.occasion,
                       "occasion_label": label(SUBMISSION_OCCASIONS, submission.occasion),
                       "plan": submission.plan or ""},
        "occasions": SUBMISSION_OCCASIONS,
        "person": {"name": person.name, "insured_no": person.insured_no},
        "documents": cover_documents(source.case, submission),
    }


def cover_instances(case: Case) -> list[dict]:
    return [{"date": s.date, "occasion": s.occasion} for s in sorted(case.submissions, key=lambda s: (s.date, s.path))]


FORMS = [
    Form("meeting", DOCUMENTS["meeting-record"], build_meeting, instances=meeting_instances, options=("plan", "date")),
    Form("notes", "介護予防支援経過記録（サービス担当者会議の要点を含む）", build_notes, instances=notes_instances),
    Form("cover", "送付状", build_cover, instances=cover_instances, options=("date", "occasion")),
]
