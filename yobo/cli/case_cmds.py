"""``yobo case new | list | show``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..casebook import case_dir, resolve_case_ref
from ..errors import InputError
from ..loader import CaseFolders, case_ids, load_case, load_config
from ..values import (check_birth, check_date_window, check_text, normalize_kana, parse_date, parse_digits,
                      parse_line, search_key)
from ..vocab import DOCUMENTS, EVENT_KINDS, EVENT_LEVELS
from ..vocab import CASE_STATUSES, CERT_LEVEL_LABELS, CERT_STATUSES, LEVELS, MODES, ROUTES, ROUTES_SHORT, SEXES, label, parse_choice
from .due_cmds import index_warnings, print_bytes
from .common import (AsOpt, CasebookOpt, JsonOpt, TodayOpt, change_json, console, find_casebook, hold_casebook,
                     plan_status, print_json, read_yaml_file, resolve_actor, resolve_today)
from .common import table as new_table
from .several import CasebooksOpt, WorkspaceOpt, cases_several, single_casebook, workspace_members

case_app = typer.Typer(help="ケース（利用者）の登録・一覧・表示。", no_args_is_help=True)

#: ``case new`` options that may also come from ``--file`` (YAML keys are the option names with _).
_NEW_FIELDS = ("insured_no", "name", "kana", "birth", "sex", "level", "cert_from", "cert_to",
               "route", "mode", "hokatsu", "manager", "certified_on", "applied_on", "submitted_on")


def _read_input_file(path: Path, casebook: Path | None) -> dict:
    data, _ = read_yaml_file(path, casebook)
    unknown = sorted(set(map(str, data)) - set(_NEW_FIELDS))
    if unknown:
        raise InputError(f"{path} に知らない項目 {'、'.join(unknown)} があります（使える項目: {'、'.join(_NEW_FIELDS)}）",
                         field="--file")
    return {k: (None if v is None else str(v)) for k, v in data.items()}


def case_new(
    insured_no: Annotated[str | None, typer.Option("--insured-no", help="被保険者番号（10桁）")] = None,
    name: Annotated[str | None, typer.Option("--name", help="氏名")] = None,
    kana: Annotated[str | None, typer.Option("--kana", help="フリガナ（ひらがなも可。カタカナで保存）")] = None,
    birth: Annotated[str | None, typer.Option("--birth", help="生年月日（YYYY-MM-DD）")] = None,
    sex: Annotated[str | None, typer.Option("--sex", help="性別: male（男）| female（女）")] = None,
    level: Annotated[str | None, typer.Option("--level", help="要支援1 | 要支援2 | 事業対象者（shien1 | shien2 | jigyo も可）")] = None,
    cert_from: Annotated[str | None, typer.Option("--cert-from", help="認定有効期間の開始日（事業対象者は判定日）")] = None,
    cert_to: Annotated[str | None, typer.Option("--cert-to", help="認定有効期間の終了日（事業対象者には指定しない）")] = None,
    route: Annotated[str | None, typer.Option("--route", help="区分: yobo-shien（介護予防支援）| cm-a（介護予防ケアマネジメントA）。省略時は事業対象者なら cm-a、要支援なら yobo-shien")] = None,
    mode: Annotated[str | None, typer.Option("--mode", help="実施形態: itaku（委託）| shitei（指定）")] = None,
    hokatsu: Annotated[str | None, typer.Option("--hokatsu", help="担当地域包括支援センター名（委託では必須。包括のケースブックでは省略時に自事業所）")] = None,
    manager: Annotated[str | None, typer.Option("--manager", help="担当ケアマネジャー（省略時は操作する職員）")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="上の項目を YAML で書いたファイル（insured_no: など。オプションが優先）")] = None,
    pending: Annotated[bool, typer.Option("--pending", help="認定の申請中（新規申請の結果待ち）として登録します。--level は見込み、--cert-to は不要")] = False,
    applied_on: Annotated[str | None, typer.Option("--applied-on", help="申請日（--pending のとき。有効期間はこの日から）")] = None,
    submitted_on: Annotated[str | None, typer.Option("--submitted-on", help="申請代行で申請書を提出した日（--pending のとき。申請日はプロファイルの決まりで付けます。seed 000 手順19）")] = None,
    certified_on: Annotated[str | None, typer.Option("--certified-on", help="認定年月日（計画書に印字）")] = None,
    casebook: CasebookOpt = None,
    today: TodayOpt = None,
    as_: AsOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Register a new case and its certification (one commit); prints the new case id last."""
    # the writer and the step here, not at the top: ``case list`` shares this module
    import random

    from ..workflow.apply import apply_change
    from ..workflow.case_steps import NewCase, default_route, plan_new_case

    root = find_casebook(casebook)
    day = resolve_today(today)
    hold_casebook(root, as_)  # before reading: two registrations of one person cannot both pass the check
    config = load_config(root)
    given = dict(zip(_NEW_FIELDS, (insured_no, name, kana, birth, sex, level, cert_from, cert_to,
                                   route, mode, hokatsu, manager, certified_on, applied_on, submitted_on)))
    values = _read_input_file(file, casebook) if file else {}
    values.update({k: v for k, v in given.items() if v is not None})

    def need(key: str) -> str:
        value = values.get(key)
        if value is None or not str(value).strip():
            raise InputError("指定されていません", field="--" + key.replace("_", "-"))
        return str(value)

    from ..profiles import load_profile

    profile = load_profile(config.profile, config.overrides)
    applied = _pending_application(values, day, profile) if pending else None
    if applied is not None and not values.get("cert_from"):
        values["cert_from"] = applied[0].isoformat()  # a new application takes effect on its 申請日
    missing = [k for k in ("insured_no", "name", "kana", "birth", "sex", "level", "cert_from", "mode")
               if not str(values.get(k) or "").strip()]
    if missing:
        flags = "、".join("--" + k.replace("_", "-") for k in missing)
        raise InputError(f"{flags} が指定されていません（yobo case new --help で使い方を表示）")
    lvl = parse_choice("--level", need("level"), LEVELS)
    fields = dict(
        insured_no=parse_digits("--insured-no", need("insured_no"), 10, "被保険者番号"),
        name=parse_line("--name", need("name"), "氏名"),
        kana=normalize_kana("--kana", need("kana")),
        birth=check_birth("--birth", parse_date("--birth", need("birth")), day),
        sex=parse_choice("--sex", need("sex"), SEXES),
        level=lvl,
        cert_from=check_date_window("--cert-from", parse_date("--cert-from", need("cert_from")), day),
        cert_to=check_date_window("--cert-to", parse_date("--cert-to", values["cert_to"]), day)
        if values.get("cert_to") else None,
        route=parse_choice("--route", values["route"], ROUTES) if values.get("route") else default_route(lvl),
        mode=parse_choice("--mode", need("mode"), MODES),
        hokatsu=check_text("--hokatsu", (values.get("hokatsu") or "").strip())
        or (config.office_name if config.office_kind == "hokatsu" else None),
    )
    # Who acts is settled after the input is read, so a missing option is reported first.
    author = resolve_actor(root, config, as_)
    req = NewCase(**fields, manager=check_text("--manager", (values.get("manager") or "").strip()) or author.name,
                  pending=pending, applied_on=applied[0] if applied else None, submitted_on=applied[1] if applied else None,
                  certified_on=check_date_window("--certified-on", parse_date("--certified-on", values["certified_on"]), day)
                  if values.get("certified_on") else None)
    from ..index import load_summaries

    with index_warnings():
        summaries, _ = load_summaries(root, config, profile)
    active = {s.insured_no: s.id for s in summaries if s.status == "active"}
    change = plan_new_case(req, config=config, today=day, existing_ids=CaseFolders(root),
                           existing_insured=active, rng=random.SystemRandom())
    commit = apply_change(root, change, author)
    for warning in change.warnings:
        typer.echo(f"注意: {warning}", err=True)
    if json_:
        print_json(change_json(commit, change, root, **({"warnings": list(change.warnings)} if change.warnings else {})))
        return
    typer.echo(f"ケースを登録しました（{LEVELS[req.level]}{'・申請中' if req.pending else ''}・{ROUTES[req.route]}・"
               f"{MODES[req.mode]}、コミット {commit[:7]}）")
    typer.echo(change.case_id)


def _pending_application(values: dict, day, profile: dict):
    """(申請日, 提出日) of a new applicant: ``--applied-on`` as written, or the 申請代行's
    ``--submitted-on`` dated by the profile (seed 000 手順19); neither in the future."""
    from ..rules.certification import dated_application

    if values.get("applied_on") and values.get("submitted_on"):
        raise InputError("--applied-on と --submitted-on はどちらか一方を指定してください", field="--submitted-on")
    if values.get("submitted_on"):
        submitted = parse_date("--submitted-on", values["submitted_on"])
        if submitted > day:
            raise InputError(f"{submitted} は今日（{day}）より後の日付です", field="--submitted-on")
        return dated_application(check_date_window("--submitted-on", submitted, day), profile), submitted
    if values.get("applied_on"):
        applied = parse_date("--applied-on", values["applied_on"])
        if applied > day:
            raise InputError(f"{applied} は今日（{day}）より後の日付です", field="--applied-on")
        return check_date_window("--applied-on", applied, day), None
    raise InputError("申請中の登録には申請日（--applied-on）か申請代行の提出日（--submitted-on）が必要です",
                     field="--applied-on")


def _case_json(summary, today) -> dict:
    """A case as ``case list`` and ``case show`` print it, from its index summary
    (``yobo.index.summarize``); ``problems`` lists its documents that could not be read
    (``path:line: [code] message``), and a case whose case.yaml cannot be read has the
    status ``unreadable`` and nothing else."""
    cert = summary.shown_certification(today)
    return {"id": summary.id, "status": summary.status, "name": summary.name or None, "kana": summary.kana or None,
            "level": cert.level if cert else None, "route": summary.route or None, "mode": summary.mode or None,
            "manager": summary.manager or None, "hokatsu": summary.hokatsu,
            "cert_from": cert.start.isoformat() if cert else None,
            "cert_to": cert.end.isoformat() if cert and cert.end else None, "path": summary.dir,
            "problems": list(summary.problems)}


def _status_cell(row: dict) -> str:
    """The 状態 column: a case that cannot be (wholly) read says so and where."""
    from ..index import UNREADABLE

    if row["status"] == UNREADABLE:
        return f"読めません（{_where(row)}）"
    state = label(CASE_STATUSES, row["status"])
    return f"{state}・読めない文書（{_where(row)}）" if row["problems"] else state


def _where(row: dict) -> str:
    """``file:line [code]`` of the first problem, the file inside the case folder (the ID
    is in the row), and how many more."""
    problems = row["problems"]
    place, _, rest = (problems[0] if problems else "").partition(": ")
    place = place.removeprefix(row["path"] + "/")
    code = rest[1:].split("]", 1)[0] if rest.startswith("[") else ""  # no brackets: rich reads them as markup
    more = f" ほか {len(problems) - 1} 件" if len(problems) > 1 else ""
    return f"{place} {code}{more}".strip()


def case_list(
    all_: Annotated[bool, typer.Option("--all", help="終了したケースも表示します")] = False,
    staff: Annotated[str | None, typer.Option("--staff", help="この担当者のケースだけ表示します（担当ケアマネジャー、または担当包括の名前。包括の職員の名前なら、その包括が担当するケース）")] = None,
    office: Annotated[str | None, typer.Option("--office", help="委託先（担当）の居宅の名前の一部で絞り込みます（居宅のケースブックのケース。包括の直営のケースは出ません）")] = None,
    csv_: Annotated[bool, typer.Option("--csv", help="CSV（UTF-8・BOM付き、Excel で開けます）で出力。= + - @ で始まる文字は先頭に ' を付けます")] = False,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Excel ファイル（.xlsx）をこのファイル名で書き出します（日付は日付、ID は文字列）")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="--csv の出力先のファイル（省略時は画面）")] = None,
    name: Annotated[str | None, typer.Option("--name", help="氏名（またはフリガナ）の一部で絞り込みます。ひらがな・カタカナ、全角・半角、空白の有無を区別しません")] = None,
    kana: Annotated[str | None, typer.Option("--kana", help="フリガナの一部で絞り込みます（ひらがなでも半角カナでも可）")] = None,
    casebook: CasebooksOpt = None,
    workspace: WorkspaceOpt = None,
    today: TodayOpt = None,
    json_: JsonOpt = False,
) -> None:
    """List cases (active ones unless --all), through the derived index."""
    if sum(map(bool, (csv_, xlsx, json_))) > 1:
        raise InputError("--json・--csv・--xlsx はどれか一つにしてください", field="--csv")
    if output is not None and not csv_:
        raise InputError("-o は --csv と一緒に使います（--xlsx にはファイル名を指定します）", field="--output")
    from ..index import UNREADABLE, load_summaries
    from ..profiles import load_profile

    day = resolve_today(today)
    # the asked-for words folded once (a casebook's every row is compared with them)
    name_key, kana_key, office_key = (None if w is None else search_key(w) for w in (name, kana, office))

    def shown(r: dict, config) -> bool:
        # A case that cannot be read is always listed: whose it is, whether it is still
        # open and its name are exactly what cannot be known.
        if r["status"] == UNREADABLE:
            return True
        if not ((all_ or r["status"] == "active") and (staff is None or _staff_matches(r, staff, config))):
            return False
        if name_key is not None and not (name_key in search_key(r["name"] or "")
                                         or name_key in search_key(r["kana"] or "")):
            return False
        if kana_key is not None and kana_key not in search_key(r["kana"] or ""):
            return False
        return office_key is None or office_key in search_key(r["office"] or "")

    def row_of(summary, config) -> dict:
        return {**_case_json(summary, day), "office": _office_of(summary, config)}

    def say_unreadable(unreadable: int) -> None:
        if unreadable:
            typer.echo(f"注意: 読めないケースが {unreadable} 件あります（yobo validate で確認してください）", err=True)

    def collect(root: Path) -> tuple[list[dict], int]:
        from . import _early

        config = load_config(root, validate=False)
        with index_warnings():
            # the git status started before the imports (yobo.cli._early), not a second one
            summaries, unreadable = load_summaries(root, config, load_profile(config.profile, config.overrides),
                                                   status=_early.take(root))
        rows = [row_of(s, config) for s in summaries]
        rows = [r for r in rows if shown(r, config)]
        say_unreadable(unreadable)
        return rows, unreadable

    def listing(root: Path) -> bytes:
        """``--json`` of one casebook, kept case by case (``index.load_text_pieces``): a
        warm run prints the kept text, a run after a change remakes the changed cases."""
        import json

        from ..index import CaseSummary, load_text_pieces
        from ..pieces import JsonList, Pieces
        from . import _early

        config = load_config(root, validate=False)

        def make(case_dir: str, entry) -> list:
            summary = CaseSummary(*entry[3])
            row = row_of(summary, config)
            if not shown(row, config):
                return []
            # in id order, as load_summaries gives them; an unreadable case is flagged (counted)
            return [((summary.id,), json.dumps(row, ensure_ascii=False), row["status"] == UNREADABLE)]

        question = json.dumps(["case-list", day.isoformat(), all_, staff, office, name, kana], ensure_ascii=False)
        with index_warnings():
            text, unreadable = load_text_pieces(root, config, load_profile(config.profile, config.overrides), question,
                                                Pieces(JsonList(), make), status=_early.take(root))
        say_unreadable(unreadable)
        return text

    members = workspace_members(casebook, workspace)
    if members is not None:
        cases_several(members, collect=collect, json_=json_, csv_=csv_, xlsx=xlsx, output=output,
                      render_table=_print_cases)
        return
    root = find_casebook(single_casebook(casebook))
    if json_:
        print_bytes(listing(root))
        return
    rows, _ = collect(root)
    if csv_ or xlsx is not None:
        from ..export import CASE_COLUMNS, case_rows, to_csv, to_xlsx
        from .due_cmds import export_stamp, write_output

        if csv_:
            write_output(to_csv(CASE_COLUMNS, case_rows(rows)), output)
        else:
            write_output(to_xlsx(CASE_COLUMNS, case_rows(rows), sheet="ケース一覧", stamp=export_stamp()), xlsx, field="--xlsx")
        return
    _print_cases(rows)


def _print_cases(rows: list[dict]) -> None:
    """The ``case list`` table; rows of several casebooks (a ``casebook`` key) get its column."""
    from rich.markup import escape  # a label or a problem may hold "[…]", which rich would swallow

    from ..index import UNREADABLE

    if not rows:
        typer.echo("ケースはありません")
        return
    several = any("casebook" in r for r in rows)
    heads = ("ID", "氏名", "要介護度等", "区分", "形態", "担当", "認定終了日", "状態")
    table = new_table(*(("ケースブック",) if several else ()), *heads, whole=("ID", "認定終了日"))
    for r in rows:
        cells = (r["id"] or "—", r["name"] or "—", label(CERT_LEVEL_LABELS, r["level"]), label(ROUTES_SHORT, r["route"]),
                 label(MODES, r["mode"]), r["manager"] or "—", r["cert_to"] or "—",
                 _status_cell(r) if r["id"] else escape(f"ケースブックを開けません（{r['problems'][0]}）"))
        table.add_row(*((escape(r["casebook"]),) if several else ()), *cells,
                      style="bold red" if r["status"] == UNREADABLE or r["problems"] else None)
    console().print(table)
    typer.echo(f"{len(rows)} 件" + (f"（ケースブック {len({r['casebook'] for r in rows})} 冊）" if several else ""))


def _office_of(summary, config) -> str | None:
    """The 居宅 in charge of a case (委託先, or the 居宅 itself for a 指定 case): the office
    of the casebook when it is a 居宅's (one repository per (包括, 居宅) pair, README);
    None in a 包括's own casebook (直営: no 居宅)."""
    return config.office_name if config.office_kind == "kyotaku" and summary.mode else None


def _staff_matches(row: dict, name: str, config) -> bool:
    """``--staff``: the case's 担当ケアマネジャー or its 担当包括 by name; a 包括 staff member
    of this casebook stands for the 包括, so sees every case a 包括 is named on (委託 cases
    and the 指定 ones it shares)."""
    if row["manager"] == name or row["hokatsu"] == name:
        return True
    member = config.staff_named(name)
    return member is not None and member.party == "hokatsu" and row["hokatsu"] is not None


def _ledger_json(case) -> list[dict]:
    """台帳の出来事 of the case, each with the day its 一報 to the 包括 was recorded."""
    reports = {e.event: e.date for e in case.events if e.kind == "report" and e.event}
    return [{"path": e.path, "date": e.date.isoformat(), "kind": e.kind, "level": e.level, "text": e.text,
             "reported_on": (reports[inner].isoformat()
                             if (inner := e.path.removeprefix(case.dir + "/")) in reports else None)}
            for e in case.events if e.kind != "report"]


def case_show(
    case: Annotated[str, typer.Argument(help="ケースID（先頭の数文字でも可）、または一件に決まる氏名・フリガナ（一部でも可）")],
    casebook: CasebookOpt = None,
    today: TodayOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Show one case: the person, route, mode, parties and certifications."""
    from ..custody import PARTIES, custody_state

    root = find_casebook(casebook)
    day = resolve_today(today)

    def people():
        from ..index import load_summaries
        from ..profiles import load_profile

        config = load_config(root, validate=False)
        summaries, _ = load_summaries(root, config, load_profile(config.profile, config.overrides))
        return [(s.id, s.name, s.kana) for s in summaries]

    # Only the one case is read: listing folder names is cheap even at 10,000 cases; the
    # index of names is opened only when CASE is not an id.
    case_id = resolve_case_ref(case, case_ids(root), people)
    found, problems, _ = load_case(root, case_id, case_dir(case_id))
    if found is None:
        raise InputError(f"ケース {case_id} の文書を読めません: {problems[0]}")
    from ..index import summarize

    c = found
    data = _case_json(summarize(c, sorted(problems)), day)
    data["person"] = {"insured_no": c.person.insured_no, "name": c.person.name, "kana": c.person.kana,
                      "birth": c.person.birth.isoformat(), "sex": c.person.sex}
    data["opened"] = c.opened.isoformat()
    data["certifications"] = [
        {"path": x.path, "level": x.level, "status": x.status, "from": x.start.isoformat(),
         "to": x.end.isoformat() if x.end else None} for x in c.certifications]
    data["closed"] = {"date": c.closed_on.isoformat(), "reason": c.close_reason} if c.closed_on else None
    data["plans"] = [{"id": p.id, "start": p.start.isoformat(), "end": p.end.isoformat(), "status": plan_status(p)}
                     for p in c.plans]
    data["course"] = [{"field": x.field, "from": f"{x.start:%Y-%m}" if x.field == "route" else x.start.isoformat(),
                       "to": x.value, "was": x.previous, "recorded": x.recorded.isoformat(), "staff": x.staff,
                       "reason": x.reason or None} for x in c.course]
    data["route_now"] = c.route_on(day)
    data["mode_now"] = c.mode_on(day)
    holdings = custody_state(c)
    data["custody"] = [h.to_json() for h in holdings]
    data["events"] = _ledger_json(c)
    if json_:
        print_json(data)
        return
    out = console()
    p = c.person
    lines = [
        f"[bold]{c.id}[/]  {p.name}（{p.kana}）  {label(CASE_STATUSES, c.status)}",
        f"被保険者番号 {p.insured_no}　生年月日 {p.birth}　性別 {label(SEXES, p.sex)}",
        f"区分 {label(ROUTES, c.route_on(day))}　実施形態 {label(MODES, c.mode_on(day))}",
        f"担当 {c.manager}　担当包括 {c.hokatsu or '—'}　登録日 {c.opened}",
        "認定:",
    ]
    for x in c.certifications:
        period = f"{x.start}〜{x.end}" if x.end else f"{x.start}〜（期間の定めなし）"
        lines.append(f"  {label(CERT_LEVEL_LABELS, x.level)}　{period}　{label(CERT_STATUSES, x.status)}")
    if not c.certifications:
        lines.append("  （なし）")
    if c.course:
        lines.append("区分・実施形態・担当の変更:")
        names = {"route": ("区分", ROUTES), "mode": ("実施形態", MODES), "manager": ("担当", {}),
                 "hokatsu": ("担当包括", {})}
        for x in c.course:
            what, labels = names[x.field]
            since = f"{x.start:%Y-%m}" if x.field == "route" else str(x.start)
            lines.append(f"  {since} から {what} {label(labels, x.previous) or '—'} → {label(labels, x.value)}"
                         f"（{x.recorded} {x.staff} 記録）")
    if c.closed_on:
        lines.append(f"終了 {c.closed_on}（{c.close_reason}）")
    for plan in c.plans:
        done = [f"{k} {v}" for k, v in plan_status(plan).items() if v]
        lines.append(f"計画 {plan.id} {plan.start}〜{plan.end}: " + "、".join(done))
    if data["events"]:
        lines.append("台帳の出来事:")
        for e in data["events"]:
            shown = label(EVENT_KINDS, e["kind"]) + (f"：{label(EVENT_LEVELS, e['level'])}" if e["level"] else "")
            report = f"　包括へ一報 {e['reported_on']}" if e["reported_on"] else ""
            lines.append(f"  {e['date']}　{shown}{'　' + e['text'] if e['text'] else ''}{report}")
    if holdings:
        lines.append("原本・写し:")
        for h in holdings:
            name = DOCUMENTS.get(h.doc, h.doc)
            where = h.ref.removeprefix(c.dir + "/") if h.ref else "紙のみ"
            copies = "・".join(PARTIES[p] for p in sorted(h.copies)) or "なし"
            scans = f"　スキャン {len(h.scans)} 件" if h.scans else ""
            lines.append(f"  {name}（{where}）　原本 {PARTIES.get(h.original, '—')}　写し {copies}{scans}")
    lines.append(f"フォルダ {c.dir}")
    for line in lines:
        out.print(line)
    if data["problems"]:
        from rich.markup import escape  # "[code]" would be read as markup

        out.print("[bold red]読めない文書:[/]")
        for problem in data["problems"]:
            out.print(f"  {escape(problem)}", style="red")


def register(app: typer.Typer) -> None:
    case_app.command("new", help="利用者を新しいケースとして登録します（認定も記録、1コミット）。最後の行に新しいケースIDを表示します。")(case_new)
    case_app.command("list", help="ケースを一覧にします（既定は支援中のみ）。")(case_list)
    case_app.command("show", help="ケース一件の内容（本人・区分・担当・認定）を表示します。")(case_show)
    app.add_typer(case_app, name="case", help="ケース（利用者）の登録・一覧・表示。")
