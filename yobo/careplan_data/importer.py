"""Import: ケアプランデータ連携 CSV files from another system into the casebook.

The files are read by the same item tables the export writes with (``v202407``) and
each value is put where ``fields`` says.  Users are told apart by 保険者番号 and
被保険者番号: an existing case with that 被保険者番号 (and, where recorded, 保険者番号)
receives the documents, else a new case is made.  What one import writes — case,
certification, 利用者基本情報, 計画書 and its 同意 — is one :class:`Change`, so one
commit; every item yobo has nowhere to keep is listed in the report, with its file and
line, never dropped in silence.

Refused (nothing written): a file that is not MS932 or not CSV, a name outside the
ファイル名規約, a CSV version other than 202407, a value not of its item's format, a
plan already in the case (same 計画作成(変更)日), and a document the casebook's schema
would refuse — the message names the CSV item that is missing or wrong.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..casebook import ID_PATTERN, case_dir, new_case_id
from ..errors import InputError, Source
from ..loader import parse_document
from ..model import Case, Casebook, plan_digest
from ..values import normalize_kana
from ..workflow.apply import Change
from ..workflow.documents import render_new
from ..workflow.context import _unique
from ..yamlio import dump_round_trip, load_round_trip
from . import fields as f
from .codec import from_text, valid_phone
from .csvfile import is_other_standard_file, parse_file_name, read_records
from .v202407 import CSV_VERSION, FILES, FileSpec, Item

STEP = "careplan-import"

#: plan.yaml keys in the order of plan.schema.json (a new plan reads as a drafted one).
PLAN_ORDER = ("id", "created_on", "first_created_on", "kind", "cert_status", "level", "route", "certified_on",
              "cert_from", "cert_to", "planner", "planner_office", "planner_office_no", "hokatsu", "hokatsu_staff",
              "period", "life_goals", "domains", "issues", "proposals", "intentions", "goals", "health_notes",
              "unable_policy", "overall_policy", "hokatsu_opinion", "checklist")
BASIC_ORDER = ("author", "date", "consultation", "current_status", "address", "phone", "fax", "independence",
               "certification", "disabilities", "housing", "finances", "visitor", "emergency_contacts", "family",
               "family_notes", "life_history", "daily_life", "hobbies", "community", "medical_history", "services",
               "consent")


@dataclass
class Record:
    file: str
    line: int
    prefix: str
    serial: str
    values: dict[int, object]  # item No. → yobo value (None = blank)
    texts: dict[int, str]


@dataclass
class ImportResult:
    change: Change | None
    cases: list[dict] = field(default_factory=list)
    unplaced: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"cases": self.cases, "unplaced": self.unplaced, "notes": self.notes}


# -- reading -------------------------------------------------------------------------------------------


def read_files(files: dict[str, bytes], skipped: list[str] | None = None,
               addressed: set[str] | None = None) -> list[Record]:
    """Every record of the files, decoded by the item tables; refused at the first bad value.
    Files of the standard this import does not read are named in ``skipped``; the
    送信先 事業所番号 of the files read are collected in ``addressed``."""
    named = []
    for name, data in files.items():
        parsed = parse_file_name(name)
        if parsed is None and skipped is not None and is_other_standard_file(name):
            skipped.append(name)
            continue
        if parsed is None:
            raise InputError("ファイル名がケアプランデータ連携（介護予防）の規約にありません"
                             "（例: UPYOBO_送信元事業所番号_種類_送信先事業所番号_種類_YYYYMMDDHHMMSS.CSV）", field=name)
        named.append((parsed.serial, list(FILES).index(parsed.prefix), name, parsed.prefix, data))
        if addressed is not None:
            addressed.add(parsed.route.to_no)
    records = []
    # sets in ファイル連番 order (本文 3.5), and in a set the 基本情報 before its 別表
    for serial, _, name, prefix, data in sorted(named):
        spec = FILES[prefix]
        for line, cells in read_records(data, name):
            records.append(_record(spec, name, line, cells, serial))
    return records


def _record(spec: FileSpec, name: str, line: int, cells: list[str], serial: str) -> Record:
    if len(cells) < len(spec.items):
        raise InputError(f"項目が{len(cells)}個しかありません（{spec.title}は{len(spec.items)}項目）",
                         source=Source(name, line))
    values, texts = {}, {}
    for item, text in zip(spec.items, cells):
        where = f"No.{item.no} {item.name}"
        try:
            value = from_text(item, text, where)
        except InputError as exc:
            raise InputError(exc.message, source=Source(name, line), field=where) from None
        if item.fmt == "version" and text != CSV_VERSION:
            raise InputError(f"CSVバージョン '{text}' は読めません（この yobo が読むのは {CSV_VERSION}）",
                             source=Source(name, line), field=where)
        if item.required and value is None:
            raise InputError("仕様で必須の項目が空です", source=Source(name, line), field=where)
        values[item.no], texts[item.no] = value, text
    record = Record(name, line, spec.prefix, serial, values, texts)
    if len(cells) > len(spec.items):
        record.texts[0] = ",".join(cells[len(spec.items):])
    return record


# -- placing -------------------------------------------------------------------------------------------


def _unplaced(result: ImportResult, record: Record, item: Item | None, value: str, reason: str) -> None:
    result.unplaced.append({"file": record.file, "line": record.line,
                            "item": f"No.{item.no} {item.name}" if item else "",
                            "value": value, "reason": reason})


def _put_record(docs: f.Docs, record: Record, result: ImportResult, row: dict | None = None, *,
                skip: tuple[int, ...] = ()) -> None:
    """Put every non-blank item of a record; what yobo cannot keep goes to the report."""
    spec = FILES[record.prefix]
    before = len(docs.unplaced)
    for item in spec.items:
        value = record.values[item.no]
        if value is None or item.no in skip or item.fmt == "version" or item.field.startswith("case:person.insur"):
            continue
        if not item.field:
            _unplaced(result, record, item, record.texts[item.no], "yobo に記録する項目がありません")
            continue
        if item.fmt == "phone" and not valid_phone(str(value)):
            _unplaced(result, record, item, str(value), "電話番号の形（数字・ハイフン・括弧）ではありません")
            continue
        if item.field.startswith("office:"):
            if str(docs.office.get(item.field[7:]) or "") != str(value):
                _unplaced(result, record, item, str(value), "送信元の事業所の情報は記録しません")
            continue
        f.put(docs, item.field, value, row)
        for what, text, reason in docs.unplaced[before:]:
            _unplaced(result, record, item, text, reason)
        before = len(docs.unplaced)
    if 0 in record.texts:
        _unplaced(result, record, None, record.texts[0], "仕様の項目数を超える値")


def _user_key(record: Record) -> tuple:
    return record.values[2], record.values[3]


def plan_import(root: Path, casebook: Casebook, office: dict, files: dict[str, bytes], *, today: date,
                actor: str, case_ref: str | None = None, rng: random.Random | None = None) -> ImportResult:
    """The change that imports ``files`` (file name → bytes) and the report of it."""
    rng = rng or random.Random()
    skipped: list[str] = []
    addressed: set[str] = set()
    records = read_files(files, skipped, addressed)
    result = ImportResult(change=None)
    for name in skipped:
        result.unplaced.append({"file": name, "line": 0, "item": "", "value": "",
                                "reason": "このファイルの種類（介護予防の利用者基本情報・計画書以外）は取り込みません"})
    ours = office.get("number")
    for number in sorted(addressed - {ours}):
        result.notes.append(f"送信先の事業所番号 {number} はこのケースブックの事業所番号（{ours or '未登録'}）と違います")
    users: dict[tuple, dict[str, list[Record]]] = {}
    for record in records:
        users.setdefault(_user_key(record), {}).setdefault(record.prefix, []).append(record)
    if case_ref and len(users) > 1:
        raise InputError("--case は利用者が一人のファイルにだけ使えます", field="--case")
    out: dict[str, str] = {}
    taken_ids = {c.id for c in casebook.cases}
    for (insurer, insured), found in users.items():
        for prefix in ("DLTKIHON", "DLTYOBO"):
            for record in found.get(prefix, []):
                _unplaced(result, record, None, "", "削除ファイルは取り込みません（取り下げは相手先に確かめて yobo に記録してください）")
        _import_user(root, casebook, office, insurer, insured, found, today, actor, case_ref, rng, taken_ids, out,
                     result)
    if not out:
        result.notes.append("取り込む文書はありませんでした")
        return result
    case_ids = sorted({c["case"] for c in result.cases})
    result.change = Change(step=STEP, case_id=case_ids[0] if len(case_ids) == 1 else None, files=out)
    return result


def _find_case(casebook: Casebook, root: Path, insurer, insured, case_ref) -> tuple[Case | None, dict | None]:
    if case_ref:
        case = casebook.case(case_ref)
        if case is None:
            raise InputError(f"ケース {case_ref} はありません", field="--case")
        if case.person.insured_no != insured:
            raise InputError(f"ケース {case.id} の被保険者番号はファイルの {insured} と違います", field="--case")
        return case, parse_document(root, case.file)[0]
    matches = []
    for case in casebook.cases:
        if case.person.insured_no != insured:
            continue
        data = parse_document(root, case.file)[0]
        recorded = (data.get("person") or {}).get("insurer_no")
        if recorded in (None, insurer):
            matches.append((case.status != "active", case.id, case, data))
    if not matches:
        return None, None
    _, _, case, data = min(matches)
    return case, data


def _import_user(root, casebook, office, insurer, insured, found, today, actor, case_ref, rng, taken_ids, out,
                 result) -> None:
    case, case_data = _find_case(casebook, root, insurer, insured, case_ref)
    new = case is None
    kihon = found.get("UPKIHON", [])
    yobo = _latest(found.get("UPYOBO", []), result)
    if len(kihon) > 1:
        kihon.sort(key=lambda r: (r.values[4], r.serial))
        for record in kihon[:-1]:
            _unplaced(result, record, None, "", "同じ利用者の利用者基本情報が複数あり、相談日の新しいものを取り込みました")
    kihon_record = kihon[-1] if kihon else None
    person_docs = f.Docs(office=office, office_kind=_office_kind(casebook), case={"person": {}})
    # the person, route and mode: from the 基本情報, else the newest plan
    for record in ([kihon_record] if kihon_record else []) + yobo[-1:]:
        for item in FILES[record.prefix].items:
            value = record.values[item.no]
            if value is not None and item.field.startswith("case:") and item.field != "case:id":
                person_docs.case.setdefault("person", {})
                root_path = item.field[5:]
                if root_path.startswith("person."):
                    person_docs.case["person"].setdefault(root_path[7:], value)
                else:
                    person_docs.case.setdefault(root_path, value)
        route = record.values.get(5)
        if route:
            person_docs.case.setdefault("route", route)
    person = person_docs.case["person"]
    if new:
        missing = [label for key, label in (("kana", "UPKIHON No.14 利用者氏名ﾌﾘｶﾞﾅ"), ("birth", "UPKIHON No.17 利用者生年月日"),
                                            ("sex", "UPKIHON No.16 利用者性別"), ("name", "No.15 利用者氏名"))
                   if not person.get(key)]
        if missing:
            raise InputError(f"被保険者番号 {insured} のケースがなく、新しいケースを作るには{'、'.join(missing)}が必要です"
                             "（既にあるケースへ取り込むなら --case で指定）", field=(kihon_record or yobo[0]).file)
        try:  # ﾌﾘｶﾞﾅ is often sent half-width: kept as yobo keeps it, full-width
            person["kana"] = normalize_kana("No.14 利用者氏名ﾌﾘｶﾞﾅ", person["kana"])
        except InputError as exc:
            raise InputError(exc.message, source=Source(kihon_record.file, kihon_record.line), field=exc.field) from None
        wanted = next((r.values[7] for r in yobo if r.values.get(7)), None)
        case_id = wanted if wanted and ID_PATTERN.match(str(wanted)) and wanted not in taken_ids else new_case_id(
            taken_ids, rng)
        taken_ids.add(case_id)
        folder = case_dir(case_id)
        planner = next((r.values[16] for r in reversed(yobo) if r.values.get(16)), None)
        staff_names = {s.name for s in casebook.config.staff}
        case_data = {"id": case_id, "status": "active", "opened": today.isoformat(),
                     "person": {"insurer_no": insurer, "insured_no": insured, "name": person["name"],
                                "kana": person["kana"], "birth": person["birth"], "sex": person["sex"]},
                     "route": person_docs.case.get("route") or "yobo-shien",
                     "mode": person_docs.case.get("mode") or "shitei"}
        hokatsu = next((r.values[21] for r in reversed(yobo) if r.values.get(21)), None)
        if hokatsu:
            case_data["hokatsu"] = hokatsu
        case_data["manager"] = planner if planner in staff_names else actor
        if case_data["mode"] == "itaku" and not hokatsu:
            raise InputError("委託のケースには担当地域包括支援センター（UPYOBO No.21）が必要です",
                             field=(yobo[0].file if yobo else kihon_record.file))
        rel = f"{folder}/case.yaml"
        out[rel] = render_new(rel, "case", case_data)
        existing_paths: set[str] = set()
        plans_count = 0
        certs: list[dict] = []
    else:
        folder = case.dir
        existing_paths = {c.path for c in case.certifications} | {d.path for d in case.basic_infos}
        plans_count = max((p.number for p in case.plans), default=0)
        certs = [{"from": c.start.isoformat()} for c in case.certifications]
        recorded = (case_data.get("person") or {}).get("insurer_no")
        if recorded is None:
            text = (root / case.file).read_text(encoding="utf-8")
            doc = load_round_trip(text, case.file)
            person_map = doc["person"]
            person_map.insert(0, "insurer_no", insurer)
            out[case.file] = dump_round_trip(doc)
            result.notes.append(f"ケース {case.id} の case.yaml に保険者番号を書き加えました")
        case_id = case.id
    summary = {"case": case_id, "new": new, "plans": [], "basic_info": None}
    result.cases.append(summary)
    docs_case = {"id": case_id, "route": case_data["route"], "mode": case_data["mode"], "person": case_data["person"]}

    # 利用者基本情報 with its 別表
    if kihon_record is not None:
        docs = f.Docs(office=office, office_kind=_office_kind(casebook), case=dict(docs_case), basic={})
        _put_record(docs, kihon_record, result)
        consulted = kihon_record.values[4]
        linked = lambda prefix: [r for r in found.get(prefix, []) if r.serial == kihon_record.serial]  # noqa: E731
        _rows(docs, linked("UPKIHON_SUB1"), consulted, result, "schedule")
        _rows(docs, linked("UPKIHON_SUB2"), consulted, result, "history")
        basic = _finish_basic(docs.basic, kihon_record, actor, today)
        # written after everything the case holds: the latest version (model.record_order)
        basic["seq"] = case.next_seq() if case else 1
        rel = _unique(existing_paths | set(out), f"{folder}/basic-info", today.isoformat())
        out[rel] = render_new(rel, "basic-info", basic)
        summary["basic_info"] = rel
        if not yobo:
            _certification(docs.kihon_cert, None, folder, certs, out, result, kihon_record)
    for record in found.get("UPKIHON_SUB1", []) + found.get("UPKIHON_SUB2", []):
        if kihon_record is None or (record.values[4], record.serial) != (kihon_record.values[4], kihon_record.serial):
            _unplaced(result, record, None, "", "紐づく利用者基本情報（同じ相談日）がファイルにありません")

    # 計画書 with its 別表 and 同意
    existing_days = {p.created_on.isoformat(): p.id for p in (case.plans if case else ())}
    for record in yobo:
        created = record.values[4]
        if created in existing_days:
            raise InputError(f"ケース {case_id} には計画作成(変更)日 {created} の計画 {existing_days[created]} が既にあります"
                             "（取り込み済み。内容を変えるなら yobo の計画の手順で）",
                             source=Source(record.file, record.line), field="No.4 計画作成(変更)日")
        plans_count += 1
        plan_id = f"P{plans_count}"
        docs = f.Docs(office=office, office_kind=_office_kind(casebook), case=dict(docs_case), plan={})
        _put_record(docs, record, result)
        subs = [r for r in found.get("UPYOBO_SUB", []) if r.values[4] == created and r.serial == record.serial]
        _plan_rows(docs, subs, result)
        plan = _finish_plan(docs.plan, plan_id, record, actor, result)
        rel = f"{folder}/plans/{plan_id}/plan.yaml"
        out[rel] = render_new(rel, "plan", plan)
        summary["plans"].append(plan_id)
        _certification({"level": plan["level"], "status": plan["cert_status"], "from": plan.get("cert_from"),
                        "to": plan.get("cert_to"), "certified_on": plan.get("certified_on")},
                       plan, folder, certs, out, result, record)
        consent = docs.consent or {}
        if consent.get("date") and consent.get("signer"):
            consent_rel = f"{folder}/plans/{plan_id}/consent.yaml"
            out[consent_rel] = render_new(consent_rel, "consent", {
                "date": consent["date"], "signer": consent["signer"], "recorded_by": actor,
                "plan_digest": plan_digest(plan), "seq": (case.next_seq() if case else 1) + len(summary["plans"])})
            result.notes.append(f"ケース {case_id} 計画 {plan_id}: 同意日を記録しました。担当者会議と包括の確認は CSV にないため"
                                "記録がありません（yobo validate が指摘します。記録を確かめて yobo meeting record などで記録してください）")
        elif consent:
            _unplaced(result, record, None, str(consent.get("date") or consent.get("signer")),
                      "同意日と同意者氏名がそろっていないため同意を記録しません")
    for record in found.get("UPYOBO_SUB", []):
        if (record.values[4], record.serial) not in {(r.values[4], r.serial) for r in yobo}:
            _unplaced(result, record, None, "", "紐づく介護予防サービス・支援計画書（同じ計画作成日）がファイルにありません")


def _latest(records: list[Record], result: ImportResult) -> list[Record]:
    """One plan a 計画作成(変更)日: a later set (ファイル連番) replaces an earlier one (本文 3.5,
    5.2.1.1: an update is sent again without withdrawing the first)."""
    kept: dict = {}
    for record in records:  # read in 連番 order
        earlier = kept.get(record.values[4])
        if earlier is not None and earlier.serial != record.serial:
            _unplaced(result, earlier, None, "", f"連番 {record.serial} の同じ計画で置き換えられました")
        elif earlier is not None:
            raise InputError(f"同じ利用者・同じ計画作成(変更)日の計画書が一つのファイルに二つあります（{earlier.line}行目）",
                             source=Source(record.file, record.line), field="No.4 計画作成(変更)日")
        kept[record.values[4]] = record
    return sorted(kept.values(), key=lambda r: r.values[4])


def _office_kind(casebook: Casebook) -> str:
    return casebook.config.office_kind


def _rows(docs: f.Docs, records: list[Record], consulted, result: ImportResult, kind: str) -> None:
    for record in records:
        if record.values[4] != consulted:
            continue
        row: dict = {}
        _put_record(docs, record, result, row)
        if kind == "schedule":
            time = str(row.get("time") or "")
            match = re.fullmatch(r"(\d{1,2})[:：](\d{2})", time)
            if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
                _unplaced(result, record, None, time, "時間が HH:MM の時刻ではないため、この行を取り込みません")
                continue
            row["time"] = f"{int(match.group(1)):02d}:{match.group(2)}"
            docs.basic.setdefault("daily_life", {}).setdefault("schedule", []).append(row)
        else:
            if not row.get("disease") or not row.get("course"):
                _unplaced(result, record, None, str(row.get("disease") or ""),
                          "病名と経過がそろっていないため、この行を取り込みません")
                continue
            order = ("date", "disease", "institution", "doctor", "phone", "opinion_writer", "course", "treatment")
            docs.basic.setdefault("medical_history", []).append({k: row[k] for k in order if k in row})


def _plan_rows(docs: f.Docs, records: list[Record], result: ImportResult) -> None:
    """課題 / 支援計画 / 利用サービス rows back into the plan's numbered lists and goals."""
    plan = docs.plan
    texts: dict[int, dict] = {}
    services: dict[int, list] = {}
    for record in sorted(records, key=lambda r: (r.values[5] or 0, r.values[10] or 0, r.values[14] or 0)):
        row: dict = {}
        _put_record(docs, record, result, row)
        n = record.values[5] or 1
        head = texts.setdefault(n, {})
        for key in ("issue", "proposal", "intention", "goal"):
            if row.get(key) and not head.get(key):
                head[key] = row[key]
            elif row.get(key) and row[key] != head[key]:
                _unplaced(result, record, None, row[key], "同じ課題NOの2行目以降の課題・目標は空欄の決まりです")
        if row.get("support_points"):
            if head.get("support_points") and head["support_points"] != row["support_points"]:
                head["support_points"] += "\n" + row["support_points"]
                result.notes.append(f"{record.file}:{record.line}: 課題NO {n} の支援計画ごとの支援のポイントを、目標の支援のポイントに続けて書きました")
            else:
                head["support_points"] = row["support_points"]
        entry = {k: row[k] for k in ("self_care", "insured_service", "kind", "provider", "from", "to") if k in row}
        entries = services.setdefault(n, [])
        continuing = (record.values[14] or 1) > 1 and entries
        if continuing:
            entry.pop("self_care", None), entry.pop("insured_service", None)
        entries.append(entry)
    if not texts:
        return
    count = max(texts)
    column = lambda key: [texts.get(n, {}).get(key, "") for n in range(1, count + 1)]  # noqa: E731

    def trimmed(values):
        while values and not values[-1]:
            values.pop()
        return values

    plan["issues"] = trimmed(column("issue"))
    plan["proposals"] = trimmed(column("proposal"))
    plan["intentions"] = trimmed(column("intention"))
    goals = []
    for n in range(1, count + 1):
        goal = {"goal": texts.get(n, {}).get("goal", "")}
        if texts.get(n, {}).get("support_points"):
            goal["support_points"] = texts[n]["support_points"]
        entries = [e for e in services.get(n, []) if e]
        if entries:
            goal["services"] = entries
        goals.append(goal)
    plan["goals"] = goals


def _finish_plan(plan: dict, plan_id: str, record: Record, actor: str, result: ImportResult) -> dict:
    """A schema-complete plan: what the CSV has not is derived, and said in the notes."""
    plan["id"] = plan_id
    where = f"{record.file}:{record.line}"
    if not plan.get("first_created_on"):
        plan["first_created_on"] = plan["created_on"]
        result.notes.append(f"{where}: 初回作成日（No.20）がないため計画作成日としました")
    if not plan.get("kind"):
        plan["kind"] = "first"
        result.notes.append(f"{where}: 計画書区分（No.12）がないため「初回」としました")
    if record.texts.get(12) in ("51", "52", "53", "54"):
        result.notes.append(f"{where}: 計画書区分 {record.texts[12]}（組み合わせ）は yobo では一つしか持てないため「{plan['kind']}」としました")
    if not plan.get("level"):
        raise InputError("要支援状態区分が空です（計画書に必要です）", source=Source(record.file, record.line),
                         field="No.14 要支援状態区分")
    if not plan.get("cert_status"):
        plan["cert_status"] = "certified"
        result.notes.append(f"{where}: 認定状況区分（No.13）がないため「認定済」としました")
    if not plan.get("planner") and plan.get("hokatsu_staff"):
        # a plan the 包括 wrote itself names only its own staff member (No.15)
        plan["planner"] = plan.pop("hokatsu_staff")
        result.notes.append(f"{where}: 担当介護支援専門員名（No.16）がないため、包括の担当者 {plan['planner']}（No.15）を計画作成者としました")
    if not plan.get("planner"):
        plan["planner"] = actor
        result.notes.append(f"{where}: 計画作成者の氏名がないため、取り込んだ職員 {actor} を計画作成者としました")
    periods = [(s.get("from"), s.get("to")) for g in plan.get("goals") or [] for s in g.get("services") or []
               if s.get("from") and s.get("to")]
    if periods:
        plan["period"] = {"start": min(p[0] for p in periods), "end": max(p[1] for p in periods)}
        result.notes.append(f"{where}: 計画期間は仕様に項目がないため、支援計画の期間（最初の開始日〜最後の終了日）としました")
    elif plan.get("cert_from") and plan.get("cert_to"):
        plan["period"] = {"start": max(plan["cert_from"], plan["created_on"]), "end": plan["cert_to"]}
        result.notes.append(f"{where}: 計画期間は仕様に項目がないため、計画作成日から認定有効期間の終了日までとしました")
    else:
        raise InputError("計画期間を決められません（支援計画の期間 UPYOBO_SUB No.17 か、認定有効期間 No.10・11 が必要です）",
                         source=Source(record.file, record.line), field="No.10 認定有効期間開始日")
    return {key: plan[key] for key in PLAN_ORDER if key in plan}


def _finish_basic(basic: dict, record: Record, actor: str, today: date) -> dict:
    where = Source(record.file, record.line)
    basic.setdefault("author", actor)
    basic["date"] = today.isoformat()
    consultation = basic.get("consultation") or {}
    if not consultation.get("method"):
        raise InputError("利用者基本情報には相談方法が必要です", source=where, field="No.8 相談方法")
    if consultation.get("method") == "other" and not consultation.get("method_note"):
        raise InputError("相談方法が「その他」のときはその内容が必要です", source=where, field="No.9 相談方法(その他の内容)")
    status = basic.get("current_status") or {}
    if status.get("place") in ("hospital", "facility") and not status.get("facility"):
        raise InputError("入院又は入所中のときは入院・入所先が必要です", source=where, field="No.13 利用者の現況(状況補足)")
    contacts = [c for c in basic.get("emergency_contacts") or [] if c]
    complete = [c for c in contacts if c.get("name") and c.get("relation") and c.get("phones")]
    if not complete:
        raise InputError("利用者基本情報には緊急連絡先（氏名・続柄・電話番号）が1人以上必要です", source=where,
                         field="No.46〜49 1 緊急連絡先")
    basic["emergency_contacts"] = [{k: c[k] for k in ("name", "relation", "address", "phones") if k in c}
                                   for c in complete]
    if "visitor" in basic and not basic["visitor"].get("name"):
        basic.pop("visitor")
    return {key: basic[key] for key in BASIC_ORDER if key in basic}


def _certification(cert: dict, plan: dict | None, folder: str, certs: list[dict], out: dict, result: ImportResult,
                   record: Record) -> None:
    """The certification a plan (or a lone 基本情報) speaks of, made when the case has none
    starting that day."""
    start = cert.get("from")
    if not start or any(c["from"] == start for c in certs):
        return
    level = cert.get("level")
    if level not in ("shien1", "shien2", "jigyo"):
        _unplaced(result, record, None, str(level or ""), "要支援1・2・事業対象者以外の認定は記録しません")
        return
    data = {"level": level, "status": cert.get("status") or "certified", "from": start}
    if cert.get("to"):
        data["to"] = cert["to"]
    if cert.get("certified_on"):
        data["certified_on"] = cert["certified_on"]
    rel = f"{folder}/certifications/{start}.yaml"
    out[rel] = render_new(rel, "certification", data)
    certs.append({"from": start})
