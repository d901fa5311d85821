"""``yobo dev``: tools for measuring yobo (synthetic casebooks)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from .common import JsonOpt, TodayOpt, print_json, progress, resolve_today

dev_app = typer.Typer(help="開発用の道具（合成ケースブックなど）。", no_args_is_help=True)


def gen_casebook(
    count: Annotated[int, typer.Argument(min=1, max=1_000_000, help="作るケースの数（1〜1000000）")],
    path: Annotated[Path, typer.Argument(help="作成するフォルダ（存在しないこと）")],
    seed: Annotated[int, typer.Option("--seed", help="乱数の種（同じ種なら同じケースブック）")] = 1,
    today: TodayOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Write a realistic synthetic casebook (git repository) of COUNT cases."""
    from ..devtools.generate import generate

    if path.exists():
        raise InputError(f"{path} はすでにあります（新しいフォルダを指定してください）", field="PATH")
    with progress("合成ケースブックを作成中") as report:
        ids = generate(path, count, today=resolve_today(today), seed=seed, progress=report)
    if json_:
        print_json({"casebook": str(path), "cases": len(ids), "ids": ids})
        return
    typer.echo(f"合成ケースブックを作成しました: {path}（{len(ids)} 件）")


def register(app: typer.Typer) -> None:
    dev_app.command("gen-casebook", help="性能測定用の合成ケースブック（架空のケース）を作ります。")(gen_casebook)
    app.add_typer(dev_app, name="dev", help="開発用の道具。")
