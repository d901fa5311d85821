"""Consistency of a case with its certification, its office and the other cases."""

from __future__ import annotations

from ..errors import Problem, Source
from ..model import Case
from ..vocab import LEVELS, ROUTES
from .runner import RuleContext, rule


@rule("case-folder")
def check_case_folder(c: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``case-folder``: ``case.yaml``'s id is the name of its folder.

    Source: shared/architecture.md §1 (cases/<shard>/<case-id>/, opaque ids).
    """
    if c.dir.rsplit("/", 1)[-1] == c.id and c.dir.split("/")[1] == c.id[:2]:
        return []
    return _at_case(c, "case-folder", f"id '{c.id}' がフォルダ名 '{c.dir.rsplit('/', 1)[-1]}' と違います",
                    ("id",))


@rule("case-no-certification")
def check_case_has_certification(c: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``case-no-certification``: every case has a 要支援認定 or 事業対象者 judgement.

    Source: seed 004 (区分 table: 対象者 are 要支援1・2 or 事業対象者); domain.md §2.
    """
    if c.certifications or any("/certifications/" in path for path in c.unreadable):
        return []
    return _at_case(c, "case-no-certification", "認定（certifications/）が1件もありません", ("id",))


@rule("case-level-route")
def check_level_route(c: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``case-level-route``: a 事業対象者 uses 総合事業 only, so the route is
    介護予防ケアマネジメントA; 介護予防支援 (予防給付) needs 要支援1・2.

    Source: seed 004 (004_039b0045c9f97517.txt), 「ケアマネジメント区分について」 table.
    """
    cert = c.shown_certification(ctx.today)
    if not (cert and cert.level == "jigyo" and c.route_on(ctx.today) == "yobo-shien"):
        return []
    return _at_case(c, "case-level-route",
                    f"{LEVELS['jigyo']}は{ROUTES['yobo-shien']}を使えません（区分を cm-a にしてください）", ("route",))


@rule("case-route-mode")
def check_route_mode(c: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``case-route-mode``: a 指定 居宅 carries 介護予防支援 only; 介護予防ケアマネジメントA
    stays with the 包括 and reaches a 居宅 only by 委託 (再委託).

    Source: seed 003 (003_f73aac61ef8be17b.txt) 種別 row 「居宅指定 … (介護予防支援のみ)」;
    seed 004 実施事項③ (ケアマネジメント区分で実施主体が異なる).
    """
    if not (c.route == "cm-a" and c.mode == "shitei"):
        return []
    return _at_case(c, "case-route-mode",
                    f"{ROUTES['cm-a']}は委託（itaku）で行います。指定（shitei）は{ROUTES['yobo-shien']}だけです", ("mode",))


@rule("case-hokatsu")
def check_hokatsu_named(c: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``case-hokatsu``: an entrusted (委託) case names the 包括 that entrusted it.

    Source: seed 001 (001_8e850cc1826f67ad.txt), 委託 process: the 包括 holds the contract;
    domain.md §1.
    """
    if not (c.mode == "itaku" and not c.hokatsu):
        return []
    return _at_case(c, "case-hokatsu", "委託のケースに担当地域包括支援センター（hokatsu）がありません", ("mode",))


@rule("case-manager")
def check_manager_registered(c: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``case-manager``: in a 居宅's casebook the 担当 is one of its registered staff
    (the plan's 計画作成者).  A 包括's casebook also lists 委託先 managers of other
    offices, so it is not checked there.

    Source: shared/domain.md §4 (計画作成者), §1 (parties).
    """
    if ctx.config.office_kind != "kyotaku" or ctx.config.staff_named(c.manager) is not None:
        return []
    return _at_case(c, "case-manager", f"担当 '{c.manager}' は yobo.yaml の職員に登録されていません", ("manager",))


@rule("case-duplicate")
def check_duplicate_insured(c: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``case-duplicate``: one insured person has at most one active case in a casebook.

    Source: shared/domain.md §3 (one lifecycle per user; 終了 closes it).
    """
    if c.status != "active":
        return []
    first = ctx.shared("active-by-insured-no", lambda: _first_active(ctx.cases)).get(c.person.insured_no)
    if first is None or first is c:
        return []
    return _at_case(c, "case-duplicate", f"同じ被保険者番号の支援中ケース {first.id} があります",
                    ("person", "insured_no"))


def _at_case(c: Case, code: str, message: str, field: tuple) -> list[Problem]:
    """One problem of the case, at its ``case.yaml`` (the loader finds the line of ``field``)."""
    return [Problem(Source(c.file, 0), code, message, field=field)]


def _first_active(cases) -> dict[str, Case]:
    """The first active case (casebook order) of each insured number."""
    first: dict[str, Case] = {}
    for c in cases:
        if c.status == "active":
            first.setdefault(c.person.insured_no, c)
    return first


@rule("case-course")
def check_course(c: Case, ctx: RuleContext) -> list[Problem]:
    """Code ``case-course``: the history of route, mode, 担当 and 担当包括 (``course``) agrees
    with the case's current values — the top-level field is the value of its newest change
    and each change starts from what the one before it gave (a hand edit of one without
    the other would make "route in month M" and "route now" disagree).

    Source: issue 12 (history kept, who and from when); seed 004 参考 (区分 per month).
    """
    problems = []
    current = {"route": c.route, "mode": c.mode, "manager": c.manager, "hokatsu": c.hokatsu}
    for name, value in current.items():
        changes = [x for x in c.course if x.field == name]
        if not changes:
            continue
        if changes[-1].value != value:
            problems += _at_case(c, "case-course", f"{name} が '{value}' ですが、course の最後の変更（{changes[-1].start}）は"
                                 f" '{changes[-1].value}' です", (name,))
        for before, after in zip(changes, changes[1:]):
            if after.previous != before.value:
                problems += _at_case(c, "case-course", f"course の {name} の変更（{after.start}）の変更前 '{after.previous}' が、"
                                     f"その前の変更（{before.start}）の '{before.value}' と違います", ("course",))
    return problems
