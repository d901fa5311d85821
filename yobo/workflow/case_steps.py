"""``case new``: register a user (利用者) as a new case with their certification."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from ..casebook import case_dir, new_case_id
from ..errors import InputError
from ..model import Config
from ..vocab import LEVELS
from .apply import Change
from .documents import render_new


@dataclass(frozen=True)
class NewCase:
    """Validated input of ``yobo case new`` (codes, not labels; dates parsed)."""

    insured_no: str
    name: str
    kana: str
    birth: date
    sex: str
    level: str
    cert_from: date
    cert_to: date | None
    route: str
    mode: str
    hokatsu: str | None
    manager: str
    #: 申請中 (a new applicant awaiting the result): the start is the 申請日 and no end yet
    pending: bool = False
    applied_on: date | None = None
    submitted_on: date | None = None  # 申請代行: the day this office filed it (seed 000 手順19)
    certified_on: date | None = None  # 認定年月日, printed on the plan


def default_route(level: str) -> str:
    """事業対象者 can only use 総合事業, so its route is ケアマネジメントA (seed 004 区分 table);
    a 要支援 user defaults to 介護予防支援 and says --route cm-a when using 総合事業 only."""
    return "cm-a" if level == "jigyo" else "yobo-shien"


def check_new_case(req: NewCase, config: Config, existing_insured: dict[str, str]) -> None:
    """Refuse what ``yobo validate`` would flag, before anything is written."""
    if req.pending:
        check_pending_applicant(req)
    elif req.level == "jigyo":
        if req.cert_to is not None:
            raise InputError("事業対象者には有効期間の終了日を指定しません", field="--cert-to")
        if req.route != "cm-a":
            raise InputError("事業対象者の区分は介護予防ケアマネジメントA（cm-a）です（seed 004）", field="--route")
    else:
        if req.cert_to is None:
            raise InputError(f"{LEVELS[req.level]}には認定有効期間の終了日が必要です", field="--cert-to")
        if req.cert_to < req.cert_from:
            raise InputError(f"終了日 {req.cert_to} が開始日 {req.cert_from} より前です", field="--cert-to")
    if req.route == "cm-a" and req.mode == "shitei":
        raise InputError("介護予防ケアマネジメントAは包括からの委託で行います（指定は介護予防支援のみ。seed 003）", field="--mode")
    if req.mode == "itaku" and not req.hokatsu:
        raise InputError("委託のケースには担当地域包括支援センターが必要です", field="--hokatsu")
    if config.office_kind == "kyotaku" and not config.staff_named(req.manager):
        raise InputError(f"担当 '{req.manager}' は職員に登録されていません（yobo staff add で登録）", field="--manager")
    if req.birth >= req.cert_from:
        raise InputError(f"生年月日 {req.birth} が認定の開始日より後です", field="--birth")
    other = existing_insured.get(req.insured_no)
    if other:
        raise InputError(f"被保険者番号 {req.insured_no} は支援中のケース {other} で登録済みです", field="--insured-no")


def check_pending_applicant(req: NewCase) -> None:
    """A new applicant 申請中 (seed 002 II-1(1)): a 要支援 見込み, the 申請日, the period starting
    on it (新規 applications take effect from the application date, national-rules.md §3)
    and no end until the result (``yobo cert decide``)."""
    if req.level not in ("shien1", "shien2"):
        raise InputError(f"申請中の見込みは要支援1か要支援2です（{LEVELS[req.level]}は申請しません）", field="--level")
    if req.cert_to is not None:
        raise InputError("申請中の認定には有効期間の終了日を指定しません（結果は yobo cert decide で記録します）",
                         field="--cert-to")
    if req.certified_on is not None:
        raise InputError("申請中の認定に認定年月日はまだありません（結果は yobo cert decide で記録します）",
                         field="--certified-on")
    if req.applied_on is None:
        raise InputError("申請中の認定には申請日（--applied-on）か申請代行の提出日（--submitted-on）が必要です",
                         field="--applied-on")
    if req.cert_from != req.applied_on:
        raise InputError(f"新規申請の有効期間は申請日（{req.applied_on}）から始まります（--cert-from {req.cert_from} とは"
                         "違います。national-rules.md §3）", field="--cert-from")


def plan_new_case(req: NewCase, *, config: Config, today: date, existing_ids: set[str],
                  existing_insured: dict[str, str], rng: random.Random) -> Change:
    check_new_case(req, config, existing_insured)
    case_id = new_case_id(existing_ids, rng)
    folder = case_dir(case_id)
    case = {
        "id": case_id,
        "status": "active",
        "opened": today.isoformat(),
        "person": {
            "insured_no": req.insured_no,
            "name": req.name,
            "kana": req.kana,
            "birth": req.birth.isoformat(),
            "sex": req.sex,
        },
        "route": req.route,
        "mode": req.mode,
    }
    if req.hokatsu:
        case["hokatsu"] = req.hokatsu
    case["manager"] = req.manager
    cert = {"level": req.level, "status": "pending" if req.pending else "certified", "from": req.cert_from.isoformat()}
    if req.cert_to:
        cert["to"] = req.cert_to.isoformat()
    for key in ("certified_on", "applied_on", "submitted_on"):
        if getattr(req, key) is not None:
            cert[key] = getattr(req, key).isoformat()
    case_rel = f"{folder}/case.yaml"
    cert_rel = f"{folder}/certifications/{req.cert_from.isoformat()}.yaml"
    from .course import new_itaku_warning

    warning = new_itaku_warning(config, req.route, req.mode, today)
    return Change(step="case-new", case_id=case_id, files={
        case_rel: render_new(case_rel, "case", case),
        cert_rel: render_new(cert_rel, "certification", cert),
    }, creates=frozenset({case_rel, cert_rel}), day=today, warnings=(warning,) if warning else ())
