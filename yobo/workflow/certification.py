"""Certification step: a new 認定 (renewal, 区分変更, or an application still 申請中)."""

from __future__ import annotations

from datetime import date

from ..errors import InputError
from .apply import Change
from .context import Context, _clean, _new_doc, step


@step("cert-add")
def add_certification(ctx: Context, *, level: str, status: str, start: date, end: date | None,
                      certified_on: date | None, applied_on: date | None) -> Change:
    """A new 認定 (renewal, 区分変更, or an application still 申請中).

    A decided 要支援 certification has an end; a 事業対象者 judgement has none
    (background/national-rules.md §1.3, §3); a pending one records its 申請日.
    """
    if status == "pending" and applied_on is None:
        raise InputError("申請中の認定には申請日が必要です", field="--applied-on")
    if status == "certified" and level != "jigyo" and end is None:
        raise InputError("要支援の認定には有効期間の終了日が必要です", field="--to")
    if level == "jigyo" and end is not None:
        raise InputError("事業対象者には有効期間の終了日を指定しません", field="--to")
    if end is not None and end < start:
        raise InputError(f"終了日 {end} が開始日 {start} より前です", field="--to")
    if level == "jigyo" and ctx.case.route != "cm-a":
        raise InputError("事業対象者の区分は介護予防ケアマネジメントA です。先に区分を変えてください", field="--level")
    for other in ctx.case.certifications:
        if other.start == start:
            raise InputError(f"{start} から始まる認定はすでにあります（{other.path}）", field="--from")
        if status == "certified" and other.status == "certified" and other.end and end and \
                start <= other.end and other.start <= end:
            raise InputError(f"有効期間が {other.start}〜{other.end} の認定と重なります", field="--from")
    data = _clean({"level": level, "status": status, "from": start.isoformat(), "to": end and end.isoformat(),
                   "certified_on": certified_on and certified_on.isoformat(),
                   "applied_on": applied_on and applied_on.isoformat()})
    rel = f"{ctx.folder}/certifications/{start.isoformat()}.yaml"
    return Change("cert-add", ctx.case.id, _new_doc(rel, "certification", data))
