"""Export: a casebook's plans as a set of ケアプランデータ連携 CSV files.

One set (one ファイル連番) holds, for each chosen plan, a row of 介護予防サービス・支援計画書
(UPYOBO) with its 支援計画 rows (UPYOBO_SUB), and the user's 利用者基本情報 (UPKIHON)
with its タイムスケジュール (UPKIHON_SUB1) and 現病歴 (UPKIHON_SUB2) where the case has one:
the spec's 送信単位 (2) 「介護予防サービス・支援計画書」「利用者基本情報」 (本文 3.4).  Files
without a row are not written.  ``--delete`` writes the 削除 files instead, each its own
送信単位 (3.4 (6) then (5)).

Every value is checked before anything is written: a character outside MS932 is refused
with the item named (unless the caller's replacement table maps it, and each such
replacement is reported), a value longer than the item's 項目長 is refused, and an item
the spec requires that the casebook lacks is refused with where to record it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..loader import parse_document
from ..model import Case, Certification, Plan
from . import fields as f
from .codec import to_text
from .csvfile import FileName, Route, describe_char, encode_file, outside_ms932, quote
from .v202407 import FILES, FileSpec

#: Where to record a value the spec requires and the casebook lacks (field → hint).
HINTS = {
    "case:person.insurer_no": "case.yaml の person に insurer_no: '123456'（被保険者証の保険者番号6桁）を書いてください",
    "basic:consultation.date": "利用者基本情報の consultation.date（相談日）を書いてください",
    "current_place": "利用者基本情報の current_status.place（本人の現況）を書いてください",
}


@dataclass
class Subject:
    """One plan to send, with the documents its rows are made from."""

    case: Case
    plan: Plan
    docs: f.Docs


@dataclass
class ExportSet:
    """What an export writes: file name → bytes, and what the user is told."""

    files: dict[str, bytes] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # file name → records
    replaced: list[dict] = field(default_factory=list)  # characters replaced by --replace
    omitted: list[dict] = field(default_factory=list)  # yobo data the spec has no item for
    serials: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"serials": self.serials, "files": [{"name": n, "records": self.rows[n]} for n in self.files],
                "replaced": self.replaced, "omitted": self.omitted}


def plans_in_month(case: Case, month: str) -> list[Plan]:
    """Plans agreed or changed in ``month`` (YYYY-MM): made (計画作成(変更)日), agreed
    (同意日) or given a 軽微な変更 that month."""
    chosen = []
    for plan in case.plans:
        days = [plan.created_on.isoformat()] + ([plan.consent.date.isoformat()] if plan.consent else []) + [
            str(a.get("date")) for a in plan.data.get("amendments") or []]
        if any(day.startswith(month) for day in days):
            chosen.append(plan)
    return chosen


def _certification(case: Case, plan: Plan) -> Certification | None:
    """The certification the plan speaks of: the one starting on its 認定有効期間開始日,
    else the one in force on the day it was made, else the newest."""
    start = plan.data.get("cert_from")
    return (next((c for c in case.certifications if c.start.isoformat() == start), None)
            or case.certification_on(plan.created_on) or case.latest_certification)


def _basic_info(case: Case, plan: Plan) -> dict | None:
    """The 利用者基本情報 in force when the plan was made (the last recorded of those written
    on or before that day), else the last recorded."""
    docs = list(case.basic_infos)  # in the order recorded: a same-day correction is the later (model.record_order)
    before = [d for d in docs if str(d.data.get("date")) <= plan.created_on.isoformat()]
    chosen = (before or docs or [None])[-1]
    return None if chosen is None else chosen.data


def subject(root: Path, office: dict, office_kind: str, case: Case, plan: Plan) -> Subject:
    case_data, _ = parse_document(root, case.file)
    cert = _certification(case, plan)
    confirming = [r for r in plan.reviews if r.plan_digest == plan.digest]
    docs = f.Docs(
        office=office, office_kind=office_kind, case=case_data, plan=plan.data, basic=_basic_info(case, plan),
        cert=None if cert is None else {"level": cert.level, "status": cert.status, "from": cert.start.isoformat(),
                                        "to": cert.end.isoformat() if cert.end else None},
        consent={"date": plan.consent.date.isoformat(), "signer": plan.consent.signer} if plan.consent else None,
        review={"reviewer": confirming[-1].reviewer, "opinion": confirming[-1].opinion} if confirming else None,
    )
    return Subject(case, plan, docs)


# -- rows ----------------------------------------------------------------------------------------------


def sub_rows(plan: dict) -> list[dict]:
    """The 支援計画 rows of a plan: (課題NO, 支援計画NO, 利用サービスNO) and the texts the
    layout's 記載例 puts on the first row of each 課題 and 支援計画 only.

    課題 n pairs the n-th 総合的課題, 提案, 意向 and 目標 (as the printed form numbers them);
    each service entry of the goal is a 支援計画, except that an entry with neither
    セルフケア nor 介護保険サービス continues the 支援計画 before it as its next 利用サービス.
    """
    issues, proposals = plan.get("issues") or [], plan.get("proposals") or []
    intentions, goals = plan.get("intentions") or [], plan.get("goals") or []
    rows = []
    for n in range(max(len(issues), len(proposals), len(intentions), len(goals))):
        goal = goals[n] if n < len(goals) else {}
        head = {"issue_no": n + 1, "issue": _at(issues, n), "proposal": _at(proposals, n),
                "intention": _at(intentions, n), "goal": goal.get("goal") or None}
        support_no, service_no = 0, 0
        for m, service in enumerate(goal.get("services") or [{}]):
            continues = m > 0 and not service.get("self_care") and not service.get("insured_service")
            if continues:
                service_no += 1
            else:
                support_no, service_no = support_no + 1, 1
            row = {**{k: v for k, v in service.items()}, "issue_no": n + 1, "support_no": support_no,
                   "service_no": service_no}
            if not rows or rows[-1]["issue_no"] != n + 1:
                row.update(head)
                row["support_points"] = goal.get("support_points") or None
            rows.append(row)
    return rows


def _at(items: list, n: int):
    return (items[n] or None) if n < len(items) else None


def _line(spec: FileSpec, docs: f.Docs, row: dict | None, where: str, out: ExportSet,
          replacements: dict[str, str]) -> str:
    cells = []
    for item in spec.items:
        label = f"{where} {spec.prefix} No.{item.no} {item.name}"
        value = None if not item.field else (
            "version" if item.fmt == "version" else f.get(docs, item.field, row))
        if value is None and item.required:
            hint = HINTS.get(item.field, "記録してから書き出してください")
            raise InputError(f"仕様で必須の項目がケースブックにありません（{hint}）", field=label)
        text = to_text(item, value, label)
        text = _replace(text, label, replacements, out)
        if item.length is not None and len(text) > item.length:
            raise InputError(f"'{text}' は{len(text)}文字で、仕様の項目長 {item.length} に収まりません", field=label)
        cells.append(quote(text) if item.fmt == "text" else text)
    return ",".join(cells)


def _replace(text: str, label: str, replacements: dict[str, str], out: ExportSet) -> str:
    bad = outside_ms932(text)
    if not bad:
        return text
    for ch in bad:
        if ch not in replacements:
            raise InputError(f"{describe_char(ch)} は MS932（Shift-JIS）にない文字（外字など）で書き出せません。"
                             "別の文字に直すか、--replace の置き換え表に書いてください", field=label)
        out.replaced.append({"item": label, "char": ch, "code": f"U+{ord(ch):04X}", "replacement": replacements[ch]})
    return "".join(replacements.get(ch, ch) for ch in text)


def _omissions(s: Subject) -> list[dict]:
    """yobo data the standard has no item for (said, not silently dropped)."""
    where = f"ケース {s.case.id} 計画 {s.plan.id}"
    found = []
    if s.docs.basic is None:
        found.append("利用者基本情報（basic-info）がないため UPKIHON は書き出していません")
    basic = s.docs.basic or {}
    contacts = basic.get("emergency_contacts") or []
    if len(contacts) > 4:
        found.append("緊急連絡先の5人目以降（仕様は4人まで）")
    if any(len(c.get("phones") or []) > 1 for c in contacts[:4]):
        found.append("緊急連絡先の2つ目以降の電話番号（仕様は1人1番号）")
    if basic.get("family"):
        found.append("家族構成（仕様は画像ファイルで送ります。yobo は画像を作りません）")
    if (basic.get("housing") or {}).get("note"):
        found.append("住居環境の特記事項")
    if (basic.get("consent") or {}).get("relation"):
        found.append("基本情報の同意者の続柄")
    previous = (basic.get("consultation") or {}).get("previous")
    if previous and len(str(previous)) != 10:
        found.append(f"前回の相談日 {previous}（年月日でないため）")
    for service in (s.plan.data.get("goals") or []):
        for entry in service.get("services") or []:
            if bool(entry.get("from")) != bool(entry.get("to")):
                found.append("開始日か終了日の一方しかない期間")
    return [{"where": where, "what": what} for what in dict.fromkeys(found)]


def build_set(subjects: list[Subject], route: Route, serials: list[str], *, delete: bool = False,
              replacements: dict[str, str] | None = None) -> ExportSet:
    """The files of one set (``serials[0]``; with ``delete``, the basic information's
    削除 takes ``serials[1]``).  Nothing is written here."""
    replacements = replacements or {}
    out = ExportSet(serials=[serials[0]])
    lines: dict[str, list[str]] = {prefix: [] for prefix in FILES}
    kihon_done: set = set()
    for s in subjects:
        where = f"ケース {s.case.id} 計画 {s.plan.id}"
        docs = s.docs
        if delete:
            lines["DLTYOBO"].append(_line(FILES["DLTYOBO"], docs, None, where, out, replacements))
        else:
            lines["UPYOBO"].append(_line(FILES["UPYOBO"], docs, None, where, out, replacements))
            for row in sub_rows(s.plan.data):
                lines["UPYOBO_SUB"].append(_line(FILES["UPYOBO_SUB"], docs, row, where, out, replacements))
            out.omitted += _omissions(s)
        if docs.basic is None:
            continue
        key = (s.case.id, str((docs.basic.get("consultation") or {}).get("date")))
        if key in kihon_done:
            continue
        kihon_done.add(key)
        if delete:
            lines["DLTKIHON"].append(_line(FILES["DLTKIHON"], docs, None, where, out, replacements))
            continue
        lines["UPKIHON"].append(_line(FILES["UPKIHON"], docs, None, where, out, replacements))
        for entry in (docs.basic.get("daily_life") or {}).get("schedule") or []:
            lines["UPKIHON_SUB1"].append(_line(FILES["UPKIHON_SUB1"], docs, entry, where, out, replacements))
        for entry in docs.basic.get("medical_history") or []:
            lines["UPKIHON_SUB2"].append(_line(FILES["UPKIHON_SUB2"], docs, entry, where, out, replacements))
    for prefix, records in lines.items():
        if not records:
            continue
        serial = serials[1] if prefix == "DLTKIHON" else serials[0]
        if serial not in out.serials:
            out.serials.append(serial)
        name = str(FileName(prefix, route, serial))
        out.files[name] = encode_file(records)
        out.rows[name] = len(records)
    return out


def write_set(out_dir: Path, export: ExportSet) -> list[Path]:
    """Write every file of the set, each created anew (an existing file is never
    overwritten); on a failure the files written so far are removed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for name, data in export.files.items():
            path = out_dir / name
            with open(path, "xb") as handle:
                handle.write(data)
            written.append(path)
    except FileExistsError:
        for path in written:
            path.unlink()
        raise InputError(f"{out_dir / name} は既にあります（ファイル連番を変えるか別のフォルダへ）", field="--output") from None
    except OSError as exc:
        for path in written:
            path.unlink()
        raise InputError(f"{out_dir} に書き込めません（{exc.strerror or exc}）", field="--output") from None
    return written


def serials_taken(out_dir: Path) -> set[str]:
    """The ファイル連番 of the sets already in a folder (a new set must sort after them)."""
    from .csvfile import parse_file_name

    if not out_dir.is_dir():
        return set()
    return {parsed.serial for p in out_dir.iterdir() if (parsed := parse_file_name(p.name))}

