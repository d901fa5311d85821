"""yobo's side of each item: where its value is read from on export and put on import.

An item's ``field`` (v202407.Item) is either a path into one of the documents of a set
(``plan:domains.motor.issue``) — read with ``get`` and written with ``put`` the same
way for every such item — or the name of a derived field below, whose two directions
are written next to each other so they cannot drift.  Values here are yobo's own
(``"visit"``, ``True``, ISO dates); turning them into the spec's codes is
``codec.py``'s job, driven by the item's format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .. import checklist as kcl

#: Labels used inside free-text items that carry a list (disabilities, other pensions).
DISABILITY_LABELS = {"physical": "身障", "intellectual": "療育", "mental": "精神", "intractable": "難病"}
OTHER_PENSIONS = {"survivors": "遺族年金", "mutual_aid": "共済年金", "other": "その他の年金"}
_OTHER_PENSIONS_HEAD = "その他の年金等: "
#: Separator of the parts of one entry inside a free-text item (サービス名／頻度／提供者,
#: 医療機関／医師名): a character that names of places and services do not use.
PART_SEPARATOR = "／"
#: A period (期間) as yobo writes it: 2026/12/01～2027/04/30 (～ is FULLWIDTH TILDE, MS932 0x8160).
_PERIOD = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})\s*[～〜~\-]\s*(\d{4})/(\d{1,2})/(\d{1,2})$")


@dataclass
class Docs:
    """The documents of one user in a set, as plain data (export reads, import writes)."""

    office: dict = field(default_factory=dict)  # yobo.yaml office
    office_kind: str = "kyotaku"
    case: dict = field(default_factory=dict)  # case.yaml
    plan: dict | None = None  # plan.yaml
    basic: dict | None = None  # basic-info
    cert: dict | None = None  # the certification the set speaks of (certification schema keys)
    consent: dict | None = None  # {"date", "signer"}
    review: dict | None = None  # the 包括's confirmation of this plan text {"reviewer", "opinion"}
    #: import only: what a basic information said of a certification (23–25), and the
    #: items read that yobo could not keep (Unplaced)
    kihon_cert: dict = field(default_factory=dict)
    unplaced: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def _walk(data: Any, path: str):
    for step in path.split("."):
        if isinstance(data, dict):
            data = data.get(step)
        elif isinstance(data, list) and step.isdigit():
            data = data[int(step)] if int(step) < len(data) else None
        else:
            return None
    return data


def _set(data: dict, path: str, value) -> None:
    steps = path.split(".")
    for step in steps[:-1]:
        data = data.setdefault(step, {})
    data[steps[-1]] = value


def _root(docs: Docs, name: str, row: dict | None, *, create: bool = False):
    if name == "row":
        return row
    if name == "consent" and docs.consent is None and create:
        docs.consent = {}
    if name == "basic" and docs.basic is None and create:
        docs.basic = {}
    return {"office": docs.office, "case": docs.case, "plan": docs.plan, "basic": docs.basic,
            "consent": docs.consent}[name]


def get(docs: Docs, name: str, row: dict | None = None):
    """The yobo value of a field for export (None: nothing to write)."""
    if ":" in name:
        root, path = name.split(":", 1)
        data = _root(docs, root, row)
        value = None if data is None else _walk(data, path)
        return None if value == "" or value == [] else value
    family, _, arg = name.partition(".")
    return DERIVED[family][0](docs, arg, row)


def put(docs: Docs, name: str, value, row: dict | None = None) -> None:
    """Keep an imported value (never None: blank items are not put)."""
    if ":" in name:
        root, path = name.split(":", 1)
        data = _root(docs, root, row, create=True)
        _set(data, path, value)
        return
    family, _, arg = name.partition(".")
    DERIVED[family][1](docs, arg, value, row)


# -- derived fields: (get, put) ------------------------------------------------------------------------


def _route_get(docs, arg, row):
    return (docs.plan or {}).get("route") or docs.case.get("route")


def _route_put(docs, arg, value, row):
    docs.case.setdefault("route", value)


def _place_get(docs, arg, row):
    place = _walk(docs.basic or {}, "current_status.place")
    return None if place is None else ("home" if place == "home" else "away")


def _place_put(docs, arg, value, row):
    status = (docs.basic or {}).get("current_status") or {}
    if value == "home":
        place = "home"
    else:  # 入院又は入所中: the spec has one code for both; the note says which
        place = "hospital" if re.search("病院|入院|医院|クリニック", status.get("facility") or "") else "facility"
    _set(_root(docs, "basic", row, create=True), "current_status.place", place)


def _cert_get(key):
    def getter(docs, arg, row):
        cert = docs.cert or {}
        if key == "level":
            level = cert.get("level")
            return None if level == "jigyo" else level  # 事業対象者 is no 要介護状態区分 (see 27)
        return cert.get(key)

    def putter(docs, arg, value, row):
        docs.kihon_cert[key] = value
    return getter, putter


def _previous_get(docs, arg, row):
    level = _walk(docs.basic or {}, "certification.previous_level")
    # なし and 事業対象者 have no code among 01:非該当、12〜25: the item is left blank
    return None if level in ("none", "jigyo") else level


def _previous_put(docs, arg, value, row):
    _set(_root(docs, "basic", row, create=True), "certification.previous_level", value)


def _disability_get(docs, kind, row):
    if docs.basic is None:
        return None
    return kind in {d.get("kind") for d in docs.basic.get("disabilities") or []}


def _disability_put(docs, kind, value, row):
    if value:
        items = _root(docs, "basic", row, create=True).setdefault("disabilities", [])
        if not any(d["kind"] == kind for d in items):
            items.append({"kind": kind})


def _disability_notes_get(docs, arg, row):
    lines = [f"{DISABILITY_LABELS[d['kind']]}: {d['grade']}" for d in (docs.basic or {}).get("disabilities") or []
             if d.get("grade")]
    return "\n".join(lines) or None


def _disability_notes_put(docs, arg, value, row):
    by_label = {label: kind for kind, label in DISABILITY_LABELS.items()}
    items = _root(docs, "basic", row, create=True).setdefault("disabilities", [])
    rest = []
    for line in value.split("\n"):
        label, sep, grade = line.partition(": ")
        if sep and label in by_label and grade:
            found = next((d for d in items if d["kind"] == by_label[label]), None)
            if found is None:
                found = {"kind": by_label[label]}
                items.append(found)
            found["grade"] = grade
        elif line.strip():
            rest.append(line)
    if rest:
        docs.unplaced.append(("障害等認定特記事項", "\n".join(rest), "種別（身障・療育・精神・難病: 内容）のない行"))


def _dwelling_get(docs, arg, row):
    housing = (docs.basic or {}).get("housing") or {}
    key = (housing.get("tenure"), housing.get("building"))
    return None if key == (None, None) else key


def _dwelling_put(docs, arg, value, row):
    tenure, building = value
    housing = _root(docs, "basic", row, create=True).setdefault("housing", {})
    if tenure:
        housing["tenure"] = tenure
    if building:
        housing["building"] = building


def _floor_get(docs, arg, row):
    housing = (docs.basic or {}).get("housing") or {}
    return None if housing.get("own_room") is False else housing.get("room_floor")


def _floor_put(docs, arg, value, row):
    housing = _root(docs, "basic", row, create=True).setdefault("housing", {})
    housing["own_room"] = True
    housing["room_floor"] = value


def _pension_get(docs, kind, row):
    finances = (docs.basic or {}).get("finances")
    if finances is None:
        return None
    return kind in (finances.get("pensions") or [])


def _pension_put(docs, kind, value, row):
    finances = _root(docs, "basic", row, create=True).setdefault("finances", {})
    if value and kind not in finances.setdefault("pensions", []):
        finances["pensions"].append(kind)


def _assistance_get(docs, arg, row):
    finances = (docs.basic or {}).get("finances")
    return None if finances is None else bool(finances.get("public_assistance"))


def _assistance_put(docs, arg, value, row):
    _root(docs, "basic", row, create=True).setdefault("finances", {})["public_assistance"] = value


def _finance_notes_get(docs, arg, row):
    finances = (docs.basic or {}).get("finances") or {}
    others = [OTHER_PENSIONS[p] for p in finances.get("pensions") or [] if p in OTHER_PENSIONS]
    lines = ([_OTHER_PENSIONS_HEAD + "、".join(others)] if others else []) + (
        [finances["note"]] if finances.get("note") else [])
    return "\n".join(lines) or None


def _finance_notes_put(docs, arg, value, row):
    finances = _root(docs, "basic", row, create=True).setdefault("finances", {})
    first, _, rest = value.partition("\n")
    if first.startswith(_OTHER_PENSIONS_HEAD):
        by_label = {label: kind for kind, label in OTHER_PENSIONS.items()}
        for label in first[len(_OTHER_PENSIONS_HEAD):].split("、"):
            if label in by_label:
                finances.setdefault("pensions", []).append(by_label[label])
        value = rest
    if value:
        finances["note"] = value


def _contact_get(docs, arg, row):
    n, key = arg.split(".")
    contacts = (docs.basic or {}).get("emergency_contacts") or []
    if int(n) >= len(contacts):
        return None
    contact = contacts[int(n)]
    if key == "phone":
        phones = contact.get("phones") or []
        return phones[0].get("number") if phones else None
    return contact.get(key)


def _contact_put(docs, arg, value, row):
    n, key = arg.split(".")
    contacts = _root(docs, "basic", row, create=True).setdefault("emergency_contacts", [])
    while len(contacts) <= int(n):
        contacts.append({})
    if key == "phone":
        contacts[int(n)]["phones"] = [{"number": value}]
    else:
        contacts[int(n)][key] = value


def _service_line(entry: dict) -> str:
    parts = [entry.get("name") or "", entry.get("frequency") or "", entry.get("provider") or ""]
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    return PART_SEPARATOR.join(parts)


def _services_get(docs, kind, row):
    entries = _walk(docs.basic or {}, f"services.{kind}") or []
    return "\n".join(_service_line(e) for e in entries) or None


def _services_put(docs, kind, value, row):
    entries = []
    for line in value.split("\n"):
        if not line.strip():
            continue
        name, *rest = line.split(PART_SEPARATOR, 2)
        entry = {"name": name}
        if len(rest) > 0 and rest[0]:
            entry["frequency"] = rest[0]
        if len(rest) > 1 and rest[1]:
            entry["provider"] = rest[1]
        if not name:
            docs.unplaced.append(("現在利用しているサービス", line, "サービス名のない行"))
            continue
        entries.append(entry)
    if entries:
        _root(docs, "basic", row, create=True).setdefault("services", {})[kind] = entries


def _history_get(docs, key, row):
    if key == "date":
        value = row.get("date")
        return None if value is None else str(value).replace("-", "/")
    if key == "institution":
        parts = [row.get("institution") or "", row.get("doctor") or ""]
        return PART_SEPARATOR.join(parts) if parts[1] else (parts[0] or None)
    return bool(row.get("opinion_writer"))  # 主治医・意見作成者フラグ: 2 (それ以外) unless marked


def _history_put(docs, key, value, row):
    if key == "date":
        text = value.strip()
        found = re.fullmatch(r"(\d{4})(?:[/\-年](\d{1,2})(?:[/\-月](\d{1,2})日?)?月?)?年?", text)
        if found:
            y, m, d = found.groups()
            row["date"] = y + (f"-{int(m):02d}" if m else "") + (f"-{int(d):02d}" if d else "")
        else:
            docs.unplaced.append(("現病歴・既往歴の年月日", text, "西暦の年月日（例 2025/09/03、2025/09、2025）ではない"))
    elif key == "institution":
        institution, sep, doctor = value.rpartition(PART_SEPARATOR)
        if sep:
            if institution:
                row["institution"] = institution
            if doctor:
                row["doctor"] = doctor
        else:
            row["institution"] = value
    elif value:
        row["opinion_writer"] = True


def _hokatsu_staff_get(docs, arg, row):
    plan = docs.plan or {}
    if docs.office_kind == "hokatsu":
        return plan.get("planner")
    return plan.get("hokatsu_staff") or (docs.review or {}).get("reviewer")


def _hokatsu_staff_put(docs, arg, value, row):
    if docs.office_kind == "hokatsu":
        docs.plan["planner"] = value
    else:
        docs.plan["hokatsu_staff"] = value


def _planner_get(docs, arg, row):
    return None if docs.office_kind == "hokatsu" else (docs.plan or {}).get("planner")


def _planner_put(docs, arg, value, row):
    if docs.office_kind == "hokatsu":
        docs.unplaced.append(("計画作成者氏名（担当介護支援専門員名）", value,
                              "包括のケースブックでは計画作成者は包括の担当者（No.15）です"))
    else:
        docs.plan["planner"] = value


def _planner_office_get(docs, arg, row):
    return (docs.plan or {}).get("planner_office") or docs.office.get("name")


def _planner_office_put(docs, arg, value, row):
    docs.plan["planner_office"] = value


def _opinion_get(docs, arg, row):
    if docs.review is not None:
        return docs.review.get("opinion") or None
    return (docs.plan or {}).get("hokatsu_opinion")


def _opinion_put(docs, arg, value, row):
    docs.plan["hokatsu_opinion"] = value


def _score_get(docs, code, row):
    score = _walk(docs.plan or {}, f"checklist.scores.{code}")
    if not score:
        return None
    numerator = score.split("/")[0]
    return int(numerator) if numerator.isdigit() else None


def _score_put(docs, code, value, row):
    count = len(kcl.DOMAINS[code][1])
    docs.plan.setdefault("checklist", {}).setdefault("scores", {})[code] = f"{value}/{count}"


def _program_get(docs, code, row):
    needed = _walk(docs.plan or {}, "checklist.programs")
    return None if needed is None else code in needed


def _program_put(docs, code, value, row):
    needed = docs.plan.setdefault("checklist", {}).setdefault("programs", [])
    if value and code not in needed:
        needed.append(code)


def _period_get(docs, arg, row):
    start, end = row.get("from"), row.get("to")
    if not start and not end:
        return None
    show = lambda d: str(d).replace("-", "/") if d else ""  # noqa: E731
    return f"{show(start)}～{show(end)}"


def _period_put(docs, arg, value, row):
    found = _PERIOD.match(value.strip())
    if not found:
        docs.unplaced.append(("【利用サービス】期間", value, "期間の開始日・終了日（例 2026/12/01～2027/04/30）ではない"))
        return
    y1, m1, d1, y2, m2, d2 = (int(x) for x in found.groups())
    row["from"] = f"{y1:04d}-{m1:02d}-{d1:02d}"
    row["to"] = f"{y2:04d}-{m2:02d}-{d2:02d}"


def _sub_get(docs, key, row):
    return _period_get(docs, key, row) if key == "period" else row.get(key)


def _sub_put(docs, key, value, row):
    if key == "period":
        _period_put(docs, key, value, row)
    else:
        row[key] = value


DERIVED: dict[str, tuple] = {
    "route": (_route_get, _route_put),
    "current_place": (_place_get, _place_put),
    "cert_care_level": _cert_get("level"),
    "cert_from": _cert_get("from"),
    "cert_to": _cert_get("to"),
    "previous_level": (_previous_get, _previous_put),
    "disability": (_disability_get, _disability_put),
    "disability_notes": (_disability_notes_get, _disability_notes_put),
    "dwelling": (_dwelling_get, _dwelling_put),
    "room_floor": (_floor_get, _floor_put),
    "pension": (_pension_get, _pension_put),
    "public_assistance": (_assistance_get, _assistance_put),
    "finance_notes": (_finance_notes_get, _finance_notes_put),
    "contact": (_contact_get, _contact_put),
    "services": (_services_get, _services_put),
    "history": (_history_get, _history_put),
    "hokatsu_staff": (_hokatsu_staff_get, _hokatsu_staff_put),
    "planner": (_planner_get, _planner_put),
    "planner_office": (_planner_office_get, _planner_office_put),
    "hokatsu_opinion": (_opinion_get, _opinion_put),
    "score": (_score_get, _score_put),
    "program": (_program_get, _program_put),
    "sub": (_sub_get, _sub_put),
}
