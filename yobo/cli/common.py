"""Options shared by every command, defined once, and the edge services only the
CLI may use: environment variables, the current directory and the clock."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import casebook as layout
from .. import gitstore
from ..errors import InputError
from ..model import Config
from ..values import parse_date

CasebookOpt = Annotated[
    Path | None,
    typer.Option("--casebook", "-C", envvar="YOBO_CASEBOOK", show_envvar=True,
                 help="ケースブックのフォルダ（省略時は現在のフォルダから上へ探します）"),
]
TodayOpt = Annotated[
    str | None,
    typer.Option("--today", envvar="YOBO_TODAY", show_envvar=True,
                 help="今日の日付として扱う日（YYYY-MM-DD）。省略時はコンピュータの日付"),
]
AsOpt = Annotated[
    str | None,
    typer.Option("--as", envvar="YOBO_STAFF", show_envvar=True,
                 help="操作する職員の氏名（コミットの作成者）。省略時は git の user.name"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="結果を JSON で出力します")]


def find_casebook(casebook: Path | None) -> Path:
    """``--casebook`` / ``YOBO_CASEBOOK``, else the current folder and upwards."""
    if casebook is not None:
        return layout.open_root(casebook)
    return layout.find_root(Path.cwd())


def resolve_today(today: str | None) -> date:
    """The injected date; the clock is read here, at the edge, and nowhere else."""
    if today:
        return parse_date("--today", today)
    return date.today()


def resolve_actor(root: Path, config: Config | None, requested: str | None,
                  registered: tuple[str, ...] = ()) -> gitstore.Identity:
    """Who is acting: ``--as`` / ``YOBO_STAFF``, else git's user.name; must be registered staff."""
    git_name = gitstore.config_get(root, "user.name") if root.exists() else None
    name = (requested or "").strip() or git_name
    staff_names = [s.name for s in config.staff] if config else list(registered)
    if not name:
        raise InputError("操作する職員を --as 氏名 か環境変数 YOBO_STAFF で指定してください", field="--as")
    if staff_names and name not in staff_names:
        shown = "、".join(staff_names[:8])
        origin = "" if requested else "（git の user.name）"
        raise InputError(f"'{name}'{origin} は職員に登録されていません。登録済みの氏名（{shown}）を --as か YOBO_STAFF で指定してください",
                         field="--as")
    staff = config.staff_named(name) if config else None
    email = (staff.email if staff else None) or (gitstore.config_get(root, "user.email") if root.exists() else None)
    return gitstore.Identity(name=name, email=email or "yobo@localhost", signing_key=signing_key(root, staff))


def signing_key(root: Path, staff) -> str | None:
    """The private SSH key a staff member with a registered public key signs with:
    ``YOBO_SIGNING_KEY``, else git's ``user.signingKey`` (their own machine's setting)."""
    if staff is None or not getattr(staff, "ssh_key", None):
        return None
    key = os.environ.get("YOBO_SIGNING_KEY") or (gitstore.config_get(root, "user.signingKey") if root.exists() else None)
    if not key:
        return None
    path = Path(os.path.expanduser(key))
    if not path.is_file():
        raise InputError(f"署名用の秘密鍵 {path} がありません（YOBO_SIGNING_KEY か git の user.signingKey を確かめてください）",
                         field="YOBO_SIGNING_KEY")
    return str(path)


def print_json(data: Any) -> None:
    """Indented JSON; a long list is written compact instead (json's C encoder: 30,000 due
    items take well under 0.1 s instead of 0.8 s indented)."""
    if isinstance(data, list) and len(data) > 100:
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def console():
    # rich is imported on first use so a --json run does not pay for it.
    from rich.console import Console

    width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else None
    return Console(width=width, highlight=False)


def plan_status(plan) -> dict:
    """The plan's steps with their dates (Japanese labels), for show commands."""
    confirmed = [r for r in plan.reviews if r.plan_digest == plan.digest]
    return {
        "作成": plan.created_on.isoformat(),
        "包括の原案確認": (confirmed[-1].date.isoformat() + f"（{confirmed[-1].reviewer}）") if confirmed else (
            "確認後に変更あり" if plan.reviews else ""),
        "担当者会議": "、".join(m.date.isoformat() for m in plan.meetings),
        "同意": plan.consent.date.isoformat() if plan.consent else "",
        "サービス開始": plan.service_start.isoformat() if plan.service_start else "",
        "評価": plan.evaluation.date.isoformat() if plan.evaluation else "",
        "包括の評価確認": plan.evaluation_review.date.isoformat() if plan.evaluation_review else "",
    }
