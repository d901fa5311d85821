"""The 包括's own inbox (地域包括支援センターの仕事): what of the due list waits on the 包括.

The 包括's items are made by the deadline rules (``rules.due``) with ``party="hokatsu"``
and the 包括's name as ``staff``; ``monitor due --party hokatsu`` (or ``--staff`` with a
包括 staff member) lists them:

- ``draft-review``: a 原案 sent for its confirmation (seed 002 ㉜; seed 000 手順6);
- ``evaluation-return``: a 評価表 to check and return within the profile's days
  (seed 000 手順16「評価表提出後10日以内」);
- ``notification-filing`` of a 委託 case: the 届出書 / 作成届 to file (seed 000 手順3;
  seed 003 line 13 作成届「包括が高齢者福祉課へ提出」; profile ``notification.filed_by``);
- the monthly entries with ``who: hokatsu``: the 給付管理 of 委託 cases and the receipt of
  the monthly 実績 (seed 000 line 186; seed 002 line 624; seed 003 line 26), each marked
  done with ``yobo monitor done`` once received.

This module answers what the 包括 asks of them besides the day: how long a thing
handed to it has waited.
"""

from __future__ import annotations

from datetime import date

from .due import Due

#: Items that wait on a document handed to the 包括; their ``opens`` is the day it was
#: handed over (``rules.due.draft_review``: the 原案's 送付; ``rules.due.evaluation``: the
#: 評価表's 提出), so the age is counted from there.
WAITING_CODES = frozenset({"draft-review", "evaluation-return"})


def waiting_days(item: Due, today: date) -> int | None:
    """Days the 原案 or 評価表 has waited at the 包括 on ``today`` (0 on the day it was
    handed over), or None for an item that does not wait on a hand-over.

    Source: seed 002 ㉜ (the 包括 confirms the 原案 before the user's consent) and seed 000
    手順16 (評価表提出後10日以内): the 包括 sorts its inbox by how long things have waited.
    """
    if item.code not in WAITING_CODES or today < item.opens:
        return None
    return (today - item.opens).days
