"""``yobo cert add | decide``: certifications, applications 申請中 and their results.

Each parses its options, runs one step of :mod:`yobo.workflow.certification` (a decided
certification, an application 申請中, its result) and prints; every change is one commit."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import InputError
from ..loader import read_text
from ..values import check_date_window, parse_date
from ..vocab import APPLICATION_KINDS, DECIDED_LEVELS, LEVELS, parse_choice
from ..workflow import certification
from .common import AsOpt, CaseArg, CasebookOpt, DateOpt, JsonOpt, TodayOpt, finish_step, open_session

cert_app = typer.Typer(help="認定（要支援認定・事業対象者の判定）の記録。", no_args_is_help=True)


def _dates(session, values: dict[str, str | None]) -> dict:
    """Each date option (keyed by its flag) parsed and inside the accepted window (None when not given)."""
    return {field: check_date_window(field, parse_date(field, value), session.today) if value else None
            for field, value in values.items()}


def cert_add(
    case: CaseArg,
    level: Annotated[str | None, typer.Option("--level", help="要支援1 | 要支援2 | 事業対象者（shien1 | shien2 | jigyo も可）。申請中は結果の見込み（更新・区分変更では省略すると今の区分）")] = None,
    start: Annotated[str | None, typer.Option("--from", help="有効期間の開始日（事業対象者は判定日）。申請中は省略可: 新規・区分変更は申請日、更新は今の有効期間の翌日")] = None,
    end: Annotated[str | None, typer.Option("--to", help="有効期間の終了日（申請中には指定しない）")] = None,
    pending: Annotated[bool, typer.Option("--pending", help="申請中（結果待ち）として記録します。結果は yobo cert decide で")] = False,
    kind: Annotated[str | None, typer.Option("--kind", help="申請の種類（--pending のとき）: new（新規）| renewal（更新）| change（区分変更）。今の認定がなければ new")] = None,
    applied_on: Annotated[str | None, typer.Option("--applied-on", help="申請日（申請書に書いた日）")] = None,
    submitted_on: Annotated[str | None, typer.Option("--submitted-on", help="申請代行で申請書を提出した日。申請日はプロファイルの決まりで付けます（舟形町: 上旬は当月1日付、下旬は翌月1日付。seed 000 手順19）")] = None,
    certified_on: Annotated[str | None, typer.Option("--certified-on", help="認定年月日")] = None,
    casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Record a certification: decided (renewal, 区分変更) or an application still pending."""
    session = open_session(casebook, case, today, as_)
    dates = _dates(session, {"--from": start, "--to": end, "--certified-on": certified_on, "--applied-on": applied_on,
                             "--submitted-on": submitted_on})
    if pending:
        code = parse_choice("--level", level, LEVELS) if level else None
        if end is not None or certified_on is not None:
            flag = "--to" if end is not None else "--certified-on"
            raise InputError("申請中の認定には有効期間の終了日・認定年月日を指定しません（結果は yobo cert decide で記録します）",
                             field=flag)
        change = session.run(
            certification.add_pending, level=code, applied_on=dates["--applied-on"], submitted_on=dates["--submitted-on"],
            kind=parse_choice("--kind", kind, APPLICATION_KINDS) if kind else None, start=dates["--from"])
        label = LEVELS[code] if code else "今の区分"
        finish_step(session, change, f"認定の申請（見込み {label}・申請中）を記録しました", json_)
        return
    if level is None:
        raise InputError("指定されていません", field="--level")
    if start is None:
        raise InputError("指定されていません", field="--from")
    if kind is not None or submitted_on is not None:
        raise InputError("--kind・--submitted-on は申請中（--pending）の記録にだけ使います",
                         field="--kind" if kind is not None else "--submitted-on")
    code = parse_choice("--level", level, LEVELS)
    change = session.run(
        certification.add_certification, level=code, status="certified", start=dates["--from"], end=dates["--to"],
        certified_on=dates["--certified-on"], applied_on=dates["--applied-on"])
    finish_step(session, change, f"認定（{LEVELS[code]}）を記録しました", json_)


def cert_decide(
    case: CaseArg,
    level: Annotated[str, typer.Option("--level", help="認定結果: 要支援1 | 要支援2 | 要介護1〜要介護5 | 非該当（shien1 | shien2 | kaigo1〜kaigo5 | higaito も可）")],
    start: Annotated[str | None, typer.Option("--from", help="有効期間の開始日（省略時は申請中の記録の開始日。新規・区分変更は申請日、更新は前の期間の翌日）")] = None,
    end: Annotated[str | None, typer.Option("--to", help="有効期間の終了日（要支援では必須、非該当には指定しない）")] = None,
    certified_on: Annotated[str | None, typer.Option("--certified-on", help="認定年月日（計画書に印字）")] = None,
    consent_date: Annotated[str | None, typer.Option("--consent-date", help="暫定ケアプランを見込みどおり確定するとき（軽微な変更）: 利用者から同意を受けた日")] = None,
    consent_method: Annotated[str, typer.Option("--consent-method", help="同意の確認方法（訪問・電話など。seed 002 III-2(2)①）")] = "",
    day: DateOpt = None,
    casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Record the result of the pending application over its pending record."""
    code = parse_choice("--level", level, DECIDED_LEVELS)
    session = open_session(casebook, case, today, as_)
    dates = _dates(session, {"--from": start, "--to": end, "--certified-on": certified_on, "--date": day,
                             "--consent-date": consent_date})
    change = session.run(certification.decide, level=code, start=dates["--from"], end=dates["--to"],
                                  certified_on=dates["--certified-on"], day=dates["--date"],
                                  read=lambda rel: read_text(session.root, rel), consent_date=dates["--consent-date"],
                                  consent_method=consent_method)
    finish_step(session, change, f"認定結果（{DECIDED_LEVELS[code]}）を記録しました", json_)


def register(app: typer.Typer) -> None:
    app.add_typer(cert_app, name="cert", help="認定の記録。")
    cert_app.command("add", help="新しい認定（更新・区分変更）か、申請中の認定（--pending。申請代行の申請日はプロファイルの決まりで付けます）を記録します。")(cert_add)
    cert_app.command("decide", help="申請中の認定の結果（新規・更新・区分変更。要支援・要介護・非該当）を記録します。暫定ケアプランは見込みどおりなら軽微な変更で確定します。")(cert_decide)
