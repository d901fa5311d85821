"""Commands for two offices sharing one repository: verify, sync, remote init."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .common import CasebookOpt, JsonOpt, TodayOpt, find_casebook, print_json, resolve_today
from .several import CasebooksOpt, WorkspaceOpt, single_casebook, sync_several, workspace_members

remote_app = typer.Typer(help="二つの事業所で共有するリモート（bare リポジトリ）。", no_args_is_help=True)


def verify(
    since: Annotated[str | None, typer.Option("--since", help="このコミットより後だけを確かめます（省略時は前回確かめたところから）")] = None,
    all_: Annotated[bool, typer.Option("--all", help="履歴を最初から確かめ直します")] = False,
    hook: Annotated[bool, typer.Option("--hook", hidden=True, help="pre-receive フックとして標準入力の更新を確かめます")] = False,
    casebook: CasebookOpt = None,
    today: TodayOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Check from history that each office wrote only its own files; exit 1 on findings."""
    resolve_today(today)  # accepted like everywhere (scripts pass it to every command); checked, not needed
    from ..sharing.verify import verify_casebook, verify_push

    if hook:
        updates = [tuple(line.split()[:3]) for line in sys.stdin if len(line.split()) >= 3]
        results = verify_push(Path.cwd(), updates)
        bad = [(ref, f) for ref, report in results for f in report.findings]
        if bad:
            sys.stderr.write("yobo: 共有リモートはこの送信を受け付けませんでした（yobo verify の検査）:\n")
            for ref, finding in bad:
                sys.stderr.write(f"  {finding.line()}\n")
            sys.stderr.write("yobo: 記録をやり直すには、自分の事業所のファイルだけを yobo の手順で記録してください\n")
            raise typer.Exit(1)
        return
    root = find_casebook(casebook)
    report = verify_casebook(root, since=since, all_=all_)
    if json_:
        print_json(report.to_json())
    else:
        for finding in report.findings:
            typer.echo(finding.line())
        base = f"{report.since[:10]} より後の" if report.since else ""
        summary = f"{base}コミット {report.checked} 件を確かめました"
        typer.echo(f"{summary}: 問題が {len(report.findings)} 件あります" if report.findings else f"{summary}: 問題はありません",
                   err=bool(report.findings))
    if report.findings:
        raise typer.Exit(1)


def sync(
    status_: Annotated[bool, typer.Option("--status", help="送受信せず、共有リモートとの差（進み・遅れと相手の手順）を表示します")] = False,
    casebook: CasebooksOpt = None,
    workspace: WorkspaceOpt = None,
    today: TodayOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Fetch, rebase this clone's records on the shared remote and push (commits nothing itself)."""
    resolve_today(today)  # accepted like everywhere; syncing does not depend on the day
    from ..sharing import sync as syncing

    members = workspace_members(casebook, workspace)
    if members is not None:
        sync_several(members, status_only=status_, json_=json_)
        return
    root = find_casebook(single_casebook(casebook))
    if status_:
        info = syncing.status(root)
        if json_:
            print_json(info)
            return
        typer.echo(f"{info['remote']}/{info['branch']}: こちらが {info['ahead']} 件進み、{info['behind']} 件遅れています")
        for title, rows in (("相手側の記録（未取り込み）", info["theirs"]), ("こちらの記録（未送信）", info["ours"])):
            if rows:
                typer.echo(title + ":")
                for row in rows:
                    case = f" {row['case']}" if row["case"] else ""
                    typer.echo(f"  {row['date'][:10]} {row['author']}: {row['label']}{case}")
        return
    try:
        result = syncing.sync(root)
    except syncing.SyncConflict as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    except syncing.PushRefused as exc:
        typer.echo("共有リモートが送信を拒否しました:\n" + exc.message + "\n送れなかった記録はこのパソコンに残っています"
                   "（yobo verify で問題のコミットを確かめ、git rebase -i で除くなどして正してから、もう一度 yobo sync）", err=True)
        raise typer.Exit(1) from None
    if json_:
        print_json(result.to_json())
        return
    typer.echo(f"同期しました（受信 {result.received} 件、送信 {result.sent} 件）")
    for row in result.steps:
        case = f" {row['case']}" if row["case"] else ""
        typer.echo(f"  受信: {row['author']}: {row['label']}{case}")


def remote_init(
    path: Annotated[Path, typer.Argument(help="作成する共有リポジトリのフォルダ（新規または空。共有ドライブやサーバー上）")],
    branch: Annotated[str, typer.Option("--branch", help="共有するブランチ名")] = "main",
    source: Annotated[Path | None, typer.Option("--from", help="共有を始める前からのケースブック: その履歴を検査なしで最初に入れます")] = None,
    today: TodayOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Create a bare shared repository whose pre-receive hook refuses pushes that fail verify."""
    resolve_today(today)  # accepted like everywhere
    from ..sharing.remote import init_remote

    origin = find_casebook(source) if source is not None else None
    hook = init_remote(path, [sys.executable, "-m", "yobo"], branch=branch, source=origin)
    if json_:
        print_json({"path": str(path.resolve()), "branch": branch, "hook": str(hook.resolve()),
                    "from": str(origin) if origin is not None else None,
                    "remote_add": f"git remote add origin {path.resolve()}"})
        return
    typer.echo(f"共有リポジトリを作成しました: {path.resolve()}（検査フック {hook.name}）")
    typer.echo(f"各事業所で: git remote add origin {path.resolve()} のあと yobo sync")


def register(app: typer.Typer) -> None:
    app.command("verify", help="履歴から、各事業所が自分のファイルだけを書いたことを確かめます（問題があれば終了コード1）。")(verify)
    app.command("sync", help="共有リモートと同期します（取得・自分の記録を載せ替え・送信。自分ではコミットしません）。")(sync)
    remote_app.command("init", help="共有リポジトリ（bare）を作り、verify と同じ検査をするフックを置きます。")(remote_init)
    app.add_typer(remote_app, name="remote", help="二つの事業所で共有するリモート。")
