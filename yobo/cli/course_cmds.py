"""When a case changes course: ``case switch`` (区分 month by month, 委託→指定),
``case reassign`` (担当ケアマネ・担当包括) and ``office set --designated-on``.  Each parses
its options, calls one step of :mod:`yobo.workflow.course` and prints; one commit each."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import InputError
from ..loader import load_config, read_text
from ..values import parse_date
from ..vocab import MODES, ROUTES, parse_choice
from ..workflow import course
from ..workflow.apply import apply_change
from .common import (AsOpt, CaseArg, CasebookOpt, JsonOpt, TodayOpt, change_json, find_casebook, finish_step,
                     hold_casebook, open_session, print_json, resolve_actor, resolve_today)

office_app = typer.Typer(help="事業所の情報（介護予防支援の指定日）。", no_args_is_help=True)

ReasonOpt = Annotated[str, typer.Option("--reason", help="理由（支援経過記録に残します）")]


def case_switch(
    case: CaseArg,
    route: Annotated[str | None, typer.Option("--route", help="新しい区分: yobo-shien（介護予防支援）| cm-a（介護予防ケアマネジメントA）。--from と一緒に")] = None,
    month: Annotated[str | None, typer.Option("--from", help="区分が変わる月（YYYY-MM）。その月の1日から")] = None,
    mode: Annotated[str | None, typer.Option("--mode", help="新しい実施形態: shitei（指定・直接契約）| itaku（委託）。--on と一緒に")] = None,
    on: Annotated[str | None, typer.Option("--on", help="実施形態が変わる日（YYYY-MM-DD。直接契約の日）")] = None,
    reason: ReasonOpt = "",
    casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Switch a case's 区分 from a month on (--route --from), or its 実施形態 from a day on (--mode --on)."""
    if (route is None) == (mode is None):
        raise InputError("--route（と --from）か --mode（と --on）のどちらか一方を指定してください", field="--route")
    if route is not None:
        if month is None:
            raise InputError("区分が変わる月を --from YYYY-MM で指定してください", field="--from")
        if on is not None:
            raise InputError("--on は --mode と使います（区分は --from で月を指定）", field="--on")
        code = parse_choice("--route", route, ROUTES)
        start = course.month_first(month)
        session = open_session(casebook, case, today, as_)
        change = session.run(course.switch_route, read_text(session.root, session.case.file), route=code,
                                     start=start, reason=reason)
        finish_step(session, change, f"{start:%Y年%m月}から区分を{ROUTES[code]}に切り替えました", json_)
        return
    if on is None:
        raise InputError("実施形態が変わる日を --on YYYY-MM-DD で指定してください", field="--on")
    if month is not None:
        raise InputError("--from は --route と使います（実施形態は --on で日を指定）", field="--from")
    code = parse_choice("--mode", mode, MODES)
    day = parse_date("--on", on)
    session = open_session(casebook, case, today, as_)
    change = session.run(course.switch_mode, read_text(session.root, session.case.file), mode=code, day=day,
                                reason=reason)
    finish_step(session, change, f"{day} から実施形態を{MODES[code]}に切り替えました", json_)


def case_reassign(
    case: CaseArg,
    on: Annotated[str, typer.Option("--on", help="新しい担当になる日（YYYY-MM-DD）")],
    reason: Annotated[str, typer.Option("--reason", help="変更の理由（支援経過記録に残します。例: 担当者の退職、区内転居）")],
    manager: Annotated[str | None, typer.Option("--manager", help="新しい担当ケアマネ（登録済みの職員）")] = None,
    hokatsu: Annotated[str | None, typer.Option("--hokatsu", help="新しい担当地域包括支援センター")] = None,
    casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Change a case's 担当ケアマネ and/or 担当包括 from a day on, keeping who had it before."""
    day = parse_date("--on", on)
    session = open_session(casebook, case, today, as_)
    req = course.Reassignment(manager=manager, hokatsu=hokatsu, day=day, reason=reason)
    change = session.run(course.reassign, read_text(session.root, session.case.file), req)
    who = "・".join(x for x in (manager, hokatsu) if x)
    finish_step(session, change, f"{day} から担当を {who} に変更しました", json_)


def office_set(
    designated_on: Annotated[str, typer.Option("--designated-on", help="介護予防支援事業所の指定を受けた日（YYYY-MM-DD）")],
    casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None, json_: JsonOpt = False,
) -> None:
    """Record the day this 居宅 was designated for 介護予防支援 (yobo.yaml office.designated_on)."""
    day = parse_date("--designated-on", designated_on)
    now = resolve_today(today)
    root = find_casebook(casebook)
    hold_casebook(root, as_)
    config = load_config(root)
    author = resolve_actor(root, config, as_)
    from ..casebook import CONFIG_FILE

    change = course.set_designation(config, read_text(root, CONFIG_FILE), day=day, today=now)
    commit = apply_change(root, change, author)
    if json_:
        print_json(change_json(commit, change, root))
        return
    typer.echo(f"介護予防支援の指定日を {day} と記録しました（委託ケースは30日以内に yobo case switch --mode shitei で"
               f"直接契約へ。コミット {commit[:7]}）")


def register(app: typer.Typer, case_app: typer.Typer) -> None:
    case_app.command("switch", help="ケースの区分（--route --from 月）か実施形態（--mode --on 日）を切り替えます。履歴を残し、包括への連絡・届出を期限にします（1コミット）。")(case_switch)
    case_app.command("reassign", help="担当ケアマネ（--manager）・担当包括（--hokatsu）を --on の日から変更します。履歴を残し、期限と帳票は新しい担当になります（1コミット）。")(case_reassign)
    office_app.command("set", help="事業所の情報を記録します（--designated-on: 介護予防支援の指定日。1コミット）。")(office_set)
    app.add_typer(office_app, name="office", help="事業所の情報（介護予防支援の指定日）。")
