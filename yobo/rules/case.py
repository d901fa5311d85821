"""Consistency of a case with its certification, its office and the other cases."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from ..errors import Problem, Source
from ..model import Casebook
from ..vocab import LEVELS, ROUTES


def check_case_folder(casebook: Casebook, *, today: date) -> list[Problem]:
    """Code ``case-folder``: ``case.yaml``'s id is the name of its folder.

    Source: shared/architecture.md §1 (cases/<shard>/<case-id>/, opaque ids).
    """
    return [
        Problem(Source(c.file, 0), "case-folder", f"id '{c.id}' がフォルダ名 '{c.dir.rsplit('/', 1)[-1]}' と違います",
                field=("id",))
        for c in casebook.cases
        if c.dir.rsplit("/", 1)[-1] != c.id or c.dir.split("/")[1] != c.id[:2]
    ]


def check_case_has_certification(casebook: Casebook, *, today: date) -> list[Problem]:
    """Code ``case-no-certification``: every case has a 要支援認定 or 事業対象者 judgement.

    Source: seed 004 (区分 table: 対象者 are 要支援1・2 or 事業対象者); domain.md §2.
    """
    return [
        Problem(Source(c.file, 0), "case-no-certification", "認定（certifications/）が1件もありません", field=("id",))
        for c in casebook.cases
        if not c.certifications and not any("/certifications/" in path for path in c.unreadable)
    ]


def check_level_route(casebook: Casebook, *, today: date) -> list[Problem]:
    """Code ``case-level-route``: a 事業対象者 uses 総合事業 only, so the route is
    介護予防ケアマネジメントA; 介護予防支援 (予防給付) needs 要支援1・2.

    Source: seed 004 (004_039b0045c9f97517.txt), 「ケアマネジメント区分について」 table.
    """
    problems = []
    for c in casebook.cases:
        cert = c.shown_certification(today)
        if cert and cert.level == "jigyo" and c.route_on(today) == "yobo-shien":
            problems.append(Problem(Source(c.file, 0), "case-level-route",
                                    f"{LEVELS['jigyo']}は{ROUTES['yobo-shien']}を使えません（区分を cm-a にしてください）",
                                    field=("route",)))
    return problems


def check_route_mode(casebook: Casebook, *, today: date) -> list[Problem]:
    """Code ``case-route-mode``: a 指定 居宅 carries 介護予防支援 only; 介護予防ケアマネジメントA
    stays with the 包括 and reaches a 居宅 only by 委託 (再委託).

    Source: seed 003 (003_f73aac61ef8be17b.txt) 種別 row 「居宅指定 … (介護予防支援のみ)」;
    seed 004 実施事項③ (ケアマネジメント区分で実施主体が異なる).
    """
    return [
        Problem(Source(c.file, 0), "case-route-mode",
                f"{ROUTES['cm-a']}は委託（itaku）で行います。指定（shitei）は{ROUTES['yobo-shien']}だけです",
                field=("mode",))
        for c in casebook.cases
        if c.route == "cm-a" and c.mode == "shitei"
    ]


def check_hokatsu_named(casebook: Casebook, *, today: date) -> list[Problem]:
    """Code ``case-hokatsu``: an entrusted (委託) case names the 包括 that entrusted it.

    Source: seed 001 (001_8e850cc1826f67ad.txt), 委託 process: the 包括 holds the contract;
    domain.md §1.
    """
    return [
        Problem(Source(c.file, 0), "case-hokatsu", "委託のケースに担当地域包括支援センター（hokatsu）がありません",
                field=("mode",))
        for c in casebook.cases
        if c.mode == "itaku" and not c.hokatsu
    ]


def check_manager_registered(casebook: Casebook, *, today: date) -> list[Problem]:
    """Code ``case-manager``: in a 居宅's casebook the 担当 is one of its registered staff
    (the plan's 計画作成者).  A 包括's casebook also lists 委託先 managers of other
    offices, so it is not checked there.

    Source: shared/domain.md §4 (計画作成者), §1 (parties).
    """
    if casebook.config.office_kind != "kyotaku":
        return []
    return [
        Problem(Source(c.file, 0), "case-manager", f"担当 '{c.manager}' は yobo.yaml の職員に登録されていません",
                field=("manager",))
        for c in casebook.cases
        if casebook.config.staff_named(c.manager) is None
    ]


def check_duplicate_insured(casebook: Casebook, *, today: date) -> list[Problem]:
    """Code ``case-duplicate``: one insured person has at most one active case in a casebook.

    Source: shared/domain.md §3 (one lifecycle per user; 終了 closes it).
    """
    by_number = defaultdict(list)
    for c in casebook.cases:
        if c.status == "active":
            by_number[c.person.insured_no].append(c)
    problems = []
    for number, cases in by_number.items():
        for c in cases[1:]:
            problems.append(Problem(Source(c.file, 0), "case-duplicate",
                                    f"同じ被保険者番号の支援中ケース {cases[0].id} があります",
                                    field=("person", "insured_no")))
    return problems


def check_course(casebook: Casebook, *, today: date) -> list[Problem]:
    """Code ``case-course``: the history of route, mode, 担当 and 担当包括 (``course``) agrees
    with the case's current values — the top-level field is the value of its newest change
    and each change starts from what the one before it gave (a hand edit of one without
    the other would make "route in month M" and "route now" disagree).

    Source: issue 12 (history kept, who and from when); seed 004 参考 (区分 per month).
    """
    problems = []
    for c in casebook.cases:
        current = {"route": c.route, "mode": c.mode, "manager": c.manager, "hokatsu": c.hokatsu}
        for name, value in current.items():
            changes = [x for x in c.course if x.field == name]
            if not changes:
                continue
            if changes[-1].value != value:
                problems.append(Problem(Source(c.file, 0), "case-course",
                                        f"{name} が '{value}' ですが、course の最後の変更（{changes[-1].start}）は"
                                        f" '{changes[-1].value}' です", field=(name,)))
            for before, after in zip(changes, changes[1:]):
                if after.previous != before.value:
                    problems.append(Problem(Source(c.file, 0), "case-course",
                                            f"course の {name} の変更（{after.start}）の変更前 '{after.previous}' が、"
                                            f"その前の変更（{before.start}）の '{before.value}' と違います",
                                            field=("course",)))
    return problems
