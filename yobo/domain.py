"""Domain predicates: the questions the steps, ``yobo validate`` and the due rules all
ask, answered once with the profile (shared/architecture.md §2).

Only what more than one layer asks lives here; the rest of issue 9's predicates move
here as they are found asked twice.
"""

from __future__ import annotations


def hokatsu_confirms(mode: str, profile: dict) -> bool:
    """Whether the 地域包括支援センター (包括) confirms the plans and evaluations of a case run
    in ``mode`` (``itaku`` 委託 / ``shitei`` 指定): the profile's ``hokatsu_review`` table.

    Source: seed 000 手順6・16, seed 001, seed 002 資料1-3・8 (委託: the 包括 confirms the
    原案 and the 評価表); seed 003 居宅指定 (a designated 居宅 contracts itself: no
    confirmation).  A profile without the table falls back to "委託 only".
    """
    return bool(profile.get("hokatsu_review", {}).get(mode, mode == "itaku"))
