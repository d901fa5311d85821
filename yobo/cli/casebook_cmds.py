"""Commands on the casebook as a whole: init, staff, validate, log, watch."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import gitstore
from ..errors import DocumentError
from ..loader import find_case_id, load_config
from ..profiles import profile_names
from ..values import check_text, parse_date, parse_digits, parse_staff_name
from ..vocab import OFFICE_KINDS, STEPS, parse_choice
from ..workflow.apply import apply_change
from ..schemas import outdated_schema_copies
from ..workflow.casebook_steps import InitRequest, init_casebook, plan_init, plan_staff_add, update_schemas
from .common import (AsOpt, CasebookOpt, JsonOpt, TodayOpt, change_json, console, find_casebook, hold_casebook,
                     print_json, progress, resolve_actor, resolve_today)
from .common import table as new_table

staff_app = typer.Typer(help="職員（コミットの作成者になる人）の登録と一覧。", no_args_is_help=True)
schemas_app = typer.Typer(help="ケースブックのスキーマ（エディタ用の写し）。", no_args_is_help=True)
#: ``yobo watch``'s help (``yobo --help`` shows it from ``cli.COMMANDS``; tests/test_lazy_commands.py keeps them one)
WATCH_HELP = "ファイルの変更の監視（git の fsmonitor）。大きなケースブックで git status を速くします。"
watch_app = typer.Typer(help=WATCH_HELP, no_args_is_help=True)


def init(
    path: Annotated[Path, typer.Argument(help="作成するケースブックのフォルダ（新規または空）")],
    office_name: Annotated[str | None, typer.Option("--office-name", help="事業所名")] = None,
    office_kind: Annotated[str | None, typer.Option("--office-kind", help="事業所の種別: kyotaku（居宅介護支援事業所）| hokatsu（地域包括支援センター）")] = None,
    office_no: Annotated[str | None, typer.Option("--office-no", help="事業所番号（10桁）")] = None,
    office_postal_code: Annotated[str | None, typer.Option("--office-postal-code", help="事業所の郵便番号（例: 514-0000。届出書・申出書に印字）")] = None,
    office_address: Annotated[str | None, typer.Option("--office-address", help="事業所の所在地（届出書・申出書に印字）")] = None,
    office_phone: Annotated[str | None, typer.Option("--office-phone", help="事業所の電話番号（届出書・申出書に印字）")] = None,
    profile: Annotated[str, typer.Option("--profile", help=f"自治体プロファイル: {' | '.join(profile_names())}")] = "national",
    staff: Annotated[list[str] | None, typer.Option("--staff", help="登録する職員の氏名（くり返し指定可）")] = None,
    sample: Annotated[bool, typer.Option("--sample", help="見本のケース（架空の利用者）を入れたケースブックを作ります")] = False,
    designated_on: Annotated[str | None, typer.Option("--designated-on", help="居宅が介護予防支援事業所の指定を受けた日（YYYY-MM-DD。あとから yobo office set でも）")] = None,
    as_: AsOpt = None,
    today: TodayOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Create a casebook: yobo.yaml, .gitignore, schemas, git init and the first commit."""
    kind = parse_choice("--office-kind", office_kind, OFFICE_KINDS) if office_kind else None
    number = parse_digits("--office-no", office_no, 10, "事業所番号") if office_no else None
    req = InitRequest(path=path, office_name=check_text("--office-name", (office_name or "").strip()) or None,
                      office_kind=kind, office_number=number, profile=profile,
                      staff=tuple(parse_staff_name("--staff", s) for s in staff or () if s.strip()),
                      sample=sample, office_postal_code=_clean_optional(office_postal_code),
                      office_address=_clean_optional(office_address), office_phone=_clean_optional(office_phone),
                      today=resolve_today(today),
                      designated_on=parse_date("--designated-on", designated_on) if designated_on else None)
    registered = req.staff
    if sample:
        from ..workflow.casebook_steps import sample_files
        from ..loader import build_config
        from ..yamlio import load_fast

        config_text = sample_files()["yobo.yaml"]
        registered = tuple(s.name for s in build_config(load_fast(config_text, "yobo.yaml")).staff)
    actor = (as_ or "").strip() or (registered[0] if registered else None)
    author = resolve_actor(path if path.exists() else Path.cwd(), None, actor, registered)
    commit = init_casebook(req, author)
    if json_:
        print_json(change_json(commit, plan_init(req), path))
        return
    typer.echo(f"ケースブックを作成しました: {path}（コミット {commit[:7]}、作成者 {author.name}）")


def _clean_optional(value: str | None) -> str | None:
    import unicodedata

    text = unicodedata.normalize("NFKC", value).strip() if value else ""
    return text or None


def staff_add(
    name: Annotated[str, typer.Argument(help="職員の氏名")],
    email: Annotated[str | None, typer.Option("--email", help="git の作成者欄に使うメールアドレス")] = None,
    party: Annotated[str | None, typer.Option("--party", help="所属: kyotaku（居宅）| hokatsu（包括）。省略時は事業所の種別")] = None,
    ssh_key: Annotated[Path | None, typer.Option("--ssh-key", help="記録に署名する SSH 公開鍵のファイル（例: ~/.ssh/id_ed25519.pub）")] = None,
    casebook: CasebookOpt = None,
    as_: AsOpt = None,
    today: TodayOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Register a staff member in staff/<party>/<id>.yaml (one commit)."""
    import random

    from ..sharing.signing import read_public_key

    root = find_casebook(casebook)
    hold_casebook(root, as_)
    config = load_config(root)
    name = parse_staff_name("NAME", name)
    side = parse_choice("--party", party, OFFICE_KINDS) if party else None
    key = read_public_key(ssh_key) if ssh_key else None
    change = plan_staff_add(root, config, name, email, side, ssh_key=key, rng=random.SystemRandom(),
                            day=resolve_today(today))
    # The first staff member of an empty list — or the first of the other office in a
    # shared repository — registers themself: the commit is theirs, not the other office's.
    own_party = [s for s in config.staff if s.party == (side or config.office_kind)]
    if not own_party and (as_ or name) == name:
        author = resolve_actor(root, None, name)
    else:
        author = resolve_actor(root, config if config.staff else None, as_ or (None if config.staff else name))
    commit = apply_change(root, change, author)
    if json_:
        print_json(change_json(commit, change, root))
        return
    typer.echo(f"職員を登録しました: {name}（コミット {commit[:7]}）")


def staff_list(casebook: CasebookOpt = None, today: TodayOpt = None, json_: JsonOpt = False) -> None:
    """List the registered staff."""
    resolve_today(today)  # accepted like everywhere (scripts pass it to every command); checked, not needed
    config = load_config(find_casebook(casebook))
    if json_:
        print_json([{"name": s.name, "email": s.email, "party": s.party} for s in config.staff])
        return
    for s in config.staff:
        typer.echo(f"{s.name}（{OFFICE_KINDS[s.party]}）" + (f" <{s.email}>" if s.email else ""))


def validate(casebook: CasebookOpt = None, today: TodayOpt = None, json_: JsonOpt = False,
             all_: Annotated[bool, typer.Option("--all", help="前回の検査結果を使わず、すべての文書を検査し直します"
                                                "（CPU のコアをすべて使います）")] = False) -> None:
    """Check every document against its schema and the consistency rules; exit 1 on problems.
    Case folders unchanged since the last check (same files in git, same yobo, same
    yobo.yaml and day) are not read again unless ``--all`` is given."""
    from ..validation import check_cases
    from ..workflow.journal import uncommitted_problems

    root = find_casebook(casebook)
    day = resolve_today(today)
    # git status first, in its own process on the other core (≈ 0.7 s at 10,000 cases),
    # asked once for the kept results and for the uncommitted files
    pending = gitstore.ChangedPaths(root, ignored=False) if (root / ".git").exists() else None
    status: list | None = None

    def wait_status() -> list | None:
        nonlocal status
        if status is None:
            status = (gitstore.expand_untracked(root, pending.entries()) if pending is not None
                      else gitstore.status_entries(root))
        return status

    try:
        config, config_problems = load_config(root), []
    except DocumentError as exc:
        config, config_problems = None, list(exc.problems)
    with progress("文書を検査中") as report:
        result = check_cases(root, config, day, everything=all_, status=wait_status, progress=report)
    status = wait_status()
    problems = config_problems + result.problems
    problems += uncommitted_problems(root, status)
    problems += outdated_schema_copies(root)
    problems.sort(key=lambda p: (p.source.path, p.source.line, p.code, p.message))
    # warnings (an outdated schema copy) are shown but do not fail the check
    errors = [p for p in problems if p.severity == "error"]
    warnings = len(problems) - len(errors)
    documents = result.documents + 1  # yobo.yaml
    if json_:
        print_json({"ok": not errors, "cases": result.cases, "documents": documents,
                    "problems": [p.to_json() for p in problems]})
    else:
        for problem in problems:
            typer.echo(str(problem) + ("（警告）" if problem.severity == "warning" else ""))
        summary = (f"問題が {len(errors)} 件あります" if errors else "問題はありません")
        extra = f"、警告 {warnings} 件" if warnings else ""
        typer.echo(f"{summary}（ケース {result.cases} 件、文書 {documents} 件を確認{extra}）", err=bool(errors))
    if errors:
        raise typer.Exit(1)


def schemas_update(casebook: CasebookOpt = None, today: TodayOpt = None, as_: AsOpt = None,
                   json_: JsonOpt = False) -> None:
    """Make the casebook's copy of the schemas the installed yobo's (one commit)."""
    from .. import __version__

    root = find_casebook(casebook)
    config = load_config(root)
    day = resolve_today(today)
    done = update_schemas(root, resolve_actor(root, config, as_), day)
    if json_:
        print_json(change_json(done.commit, done.change, root, restored=list(done.restored)) if done.change else
                   {"commit": None, "case": None, "step": "schemas-update", "date": day.isoformat(),
                    "casebook": str(root), "files": [], "restored": list(done.restored)})
        return
    for rel in done.restored:
        typer.echo(f"元に戻しました（最後のコミットの内容）: {rel}")
    if done.change is None:
        typer.echo(f"スキーマはインストールされている yobo {__version__} のものと同じです（コミットなし）")
        return
    for rel in sorted(done.change.files):
        typer.echo(f"更新: {rel}")
    typer.echo(f"スキーマを yobo {__version__} のものに更新しました（{len(done.change.files)} 件、コミット {done.commit[:7]}）")


def log(
    case: Annotated[str | None, typer.Argument(help="ケースID（先頭の数文字でも可）。省略時はケースブック全体")] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help="表示する件数の上限")] = None,
    casebook: CasebookOpt = None,
    today: TodayOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Who changed what, when: the git history of the casebook or of one case.  The date of
    each step (its Yobo-Date trailer) is shown beside the time it was committed."""
    root = find_casebook(casebook)
    resolve_today(today)  # accepted like everywhere; the history is what it is on any day
    pathspec = "."
    if case is not None:
        from ..casebook import case_dir

        pathspec = case_dir(find_case_id(root, case))
    entries = gitstore.log(root, pathspec, limit)
    if json_:
        print_json([e.to_json() for e in entries])
        return
    if not entries:
        typer.echo("記録はまだありません")
        return
    out = console()
    table = new_table("日付", "記録日時", "作成者", "手順", "ケース", "コミット",
                      whole=("日付", "記録日時", "ケース", "コミット"))
    for e in entries:
        step = STEPS.get(e.step, e.step) if e.step else f"（手作業の変更）{e.subject}"
        table.add_row(e.step_date or "—", e.date[:16].replace("T", " "), e.author, step, e.case or "", e.commit[:7])
    out.print(table)


def watch_on(casebook: CasebookOpt = None, today: TodayOpt = None, json_: JsonOpt = False) -> None:
    """Turn git's file-system monitor on for this clone (git's daemon, else watchman)."""
    import sys

    from .. import watcher

    root = find_casebook(casebook)
    resolve_today(today)  # accepted like everywhere; the monitor has no date
    if sys.stderr.isatty():  # the first crawl takes a while; said on a terminal only (stderr stays one line on errors)
        typer.echo("ファイルの変更の監視を設定しています（watchman は最初にすべてのフォルダを読むので、1万ケースで数秒かかります）",
                   err=True)
    state, done = watcher.turn_on(root)
    state.messages = done
    _print_watch(state, json_)
    if state.problems:
        raise typer.Exit(1)


def watch_off(casebook: CasebookOpt = None, today: TodayOpt = None, json_: JsonOpt = False) -> None:
    """Remove exactly what ``watch on`` set for this clone."""
    from .. import watcher

    root = find_casebook(casebook)
    resolve_today(today)
    _, done = watcher.turn_off(root)
    state = watcher.status(root)
    state.messages = done
    _print_watch(state, json_, brief=True)


def _print_watch(state, json_: bool, *, brief: bool = False) -> None:
    """What on/off did (their lines; ``--json``: the status after, with them as ``messages``)."""
    if json_:
        print_json(state.to_json())
        return
    for line in state.messages:
        typer.echo(line)
    if not brief:
        for problem in state.problems:
            typer.echo(f"注意: {problem}", err=True)


def watch_status(casebook: CasebookOpt = None, today: TodayOpt = None, json_: JsonOpt = False) -> None:
    """Whether the monitor is on, what this machine offers, and what is wrong: exit 0 on
    and working, 1 off or with a problem."""
    from .. import watcher

    root = find_casebook(casebook)
    resolve_today(today)
    state = watcher.status(root)
    if json_:
        print_json(state.to_json())
    else:
        if state.on:
            typer.echo(f"ファイルの変更の監視: 有効（{watcher.KINDS[state.kind]}、core.fsmonitor={state.fsmonitor}"
                       f"{'、yobo watch on で設定' if state.by_yobo else '、yobo 以外が設定'}）")
        elif state.available:
            typer.echo(f"ファイルの変更の監視: 無効（この機械では{watcher.KINDS[state.available]}を使えます。"
                       "yobo watch on で有効にできます）")
        else:
            typer.echo(f"ファイルの変更の監視: 無効（使えません: {state.unavailable}）")
        typer.echo(f"core.untrackedCache: {state.untracked_cache or '未設定'}")
        if state.watching is not None:
            typer.echo(f"watchman の監視: {'あり' if state.watching else 'なし'}")
        if state.limit is not None and state.folders is not None:
            typer.echo(f"フォルダ数: {state.folders:,}（inotify の上限 {state.limit:,}）")
        for problem in state.problems:
            typer.echo(f"問題: {problem}", err=True)
    if not state.on or state.problems:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("init", help="ケースブックを作成します（yobo.yaml・.gitignore・スキーマ、git init と最初のコミット）。")(init)
    app.command("validate", help="すべての文書をスキーマと整合性ルールで検査し、問題を「ファイル:行: [コード] 内容」で一覧にします。問題があれば終了コード 1。")(validate)
    app.command("log", help="だれが・いつ・何を変更したか（git の履歴）を表示します。ケースIDで絞り込めます。")(log)
    staff_app.command("add", help="職員を staff/<所属>/<ID>.yaml に一人一ファイルで登録します（1コミット。--ssh-key で署名用の公開鍵も）。")(staff_add)
    staff_app.command("list", help="登録済みの職員を一覧にします。")(staff_list)
    app.add_typer(staff_app, name="staff", help="職員の登録と一覧。")
    schemas_app.command("update", help="ケースブックのスキーマ（schemas/ の写し。エディタが検査・補完に使う）を、インストールされている yobo のものに更新します（1コミット）。yobo validate が schema-outdated で知らせます。")(schemas_update)
    app.add_typer(schemas_app, name="schemas", help="ケースブックのスキーマ（エディタ用の写し）。")
    watch_app.command("on", help="このクローンで git のファイル変更の監視を有効にします（git の組み込みの監視、なければ watchman。"
                      "core.untrackedCache も）。設定は .git/config だけでコミットしません。使えないときは理由を示して終了コード 2。")(watch_on)
    watch_app.command("off", help="yobo watch on が設定したものだけを外します（watchman の監視もやめます）。")(watch_off)
    watch_app.command("status", help="監視が有効か、この機械で何が使えるか、フォルダ数と inotify の上限を表示します。"
                      "有効で問題がなければ終了コード 0、無効か問題があれば 1。")(watch_status)
    app.add_typer(watch_app, name="watch", help=WATCH_HELP)
