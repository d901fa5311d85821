"""Disposal of closed cases whose retention period has ended (``yobo case purge``).

The records of a case are kept for the profile's years from its 完結日 (seed 002
(002_ac00e42d951987eb.txt) 資料1-10 and §1: 「完結日より5年間保存」; national 2 years,
基準 §28②); after that they may — and, holding personal data, should — be disposed
of.  The plan is decided here, from the loaded cases and a cut-off day; the CLI shows
it (a dry run is the default) and, with ``--yes``, applies it in one commit through the
one writer (:mod:`yobo.workflow.apply`).  Nothing whose retention has not ended is ever
purged: naming such a case, or a cut-off that would reach one, is refused with the
case id and its end date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import InputError
from ..model import Case
from ..rules.due import retention_end
from .apply import Change


@dataclass(frozen=True)
class Target:
    """One case to purge: its id, folder, 完結日, retention end and tracked files."""

    case_id: str
    folder: str
    closed_on: date
    retention_end: date
    files: tuple[str, ...]

    def to_json(self) -> dict:
        return {"case": self.case_id, "folder": self.folder, "closed_on": self.closed_on.isoformat(),
                "retention_end": self.retention_end.isoformat(), "files": len(self.files)}


def plan_purge(cases: list[Case], profile: dict, *, before: date, today: date, only: list[str] | None,
               tracked) -> list[Target]:
    """The cases to purge: closed, retention ended on or before ``before`` (which may not lie
    after ``today``: a case is never purged before its end).  ``only`` restricts to the named
    case ids — each must be closed and past its end, else refused naming it.  ``tracked(folder)``
    lists a folder's files in git (untracked files in a case folder are refused: git would not
    remove them, and they are no record yobo knows)."""
    if before > today:
        early = sorted((end, c.id) for c in cases if (end := retention_end(c, profile)) is not None
                       and today < end <= before and (not only or c.id in only))
        named = (f"ケース {early[0][1]} の保存期間は {early[0][0]} までです" + (f"（ほか {len(early) - 1} 件）" if len(early) > 1
                                                                          else "") + "。") if early else ""
        raise InputError(f"--before {before} が今日（{today}）より後です。{named}保存期間が終わっていない記録は削除できません",
                         field="--before")
    by_id = {c.id: c for c in cases}
    if only:
        for case_id in only:
            case = by_id[case_id]
            end = retention_end(case, profile)
            if end is None:
                raise InputError(f"ケース {case_id} は終了していません（支援中のケースは削除できません）", field="--case")
            if end > before:
                raise InputError(f"ケース {case_id} の保存期間は {end} までです（完結日 {case.closed_on}）。"
                                 "それより前には削除できません", field="--case")
        chosen = [by_id[i] for i in only]
    else:
        chosen = [c for c in cases if (end := retention_end(c, profile)) is not None and end <= before]
    out = []
    for case in sorted(chosen, key=lambda c: c.id):
        end = retention_end(case, profile)
        assert end is not None and end <= before <= today  # one more guard: never before the end
        files = tuple(sorted(tracked(case.dir)))
        out.append(Target(case.id, case.dir, case.closed_on, end, files))
    return out


def untracked_in(root: Path, target: Target) -> list[str]:
    """Files in the case folder that git does not track (the purge would leave them)."""
    known = set(target.files)
    found = []
    for path in sorted((root / target.folder).rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in known:
            found.append(rel)
    return found


def purge_change(targets: list[Target], day: date) -> Change:
    """One commit removing every file of the targets (the journal keeps them until it lands)."""
    if not targets:
        raise InputError("削除するケースがありません", field="--before")
    deletes = frozenset(f for t in targets for f in t.files)
    case_id = targets[0].case_id if len(targets) == 1 else None
    return Change("case-purge", case_id, deletes=deletes, day=day)


#: What every other clone of the casebook must do after ``--history`` (printed in Japanese).
CLONE_STEPS = (
    "この変更は履歴を書き換えました。共有リポジトリがあれば、この PC から git push --force --all と "
    "git push --force --tags で書き換えた履歴を送ってください（yobo sync は書き換え前の履歴とはつながりません）。",
    "ほかの PC のケースブック（クローン）には、削除したケースの記録が古い履歴として残っています。"
    "それぞれの PC で、未送信の記録がないことを確かめてから、そのフォルダを削除し、git clone で取り直してください。",
    "古いクローンから git pull・git push・yobo sync をすると、削除した記録が戻ってしまいます。取り直すまで使わないでください。",
    "バックアップ（外付けディスク・クラウドなど）にある古いコピーも、同じく削除してください。",
)
