"""Deadlines: what is due, overdue or coming, for every case and the office.

Each rule is a pure function.  The per-case rules return *obligations*: the
deadlines a case's records have not met yet, which do not depend on today
(a month without a monitoring record stays unmet until a record is added).
That is what the derived index caches per case; ``status`` against today is
decided when the list is asked for.  Office rules (the monthly cycle) depend on
today's month and are computed each time — they are few.

Sources are cited per rule; the numbers come from the profile (shared/domain.md §7).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from ..calendar import add_months, day_in_month, month_end, month_index, month_start, shift_deadline
from ..casebook import CASES_DIR
from ..domain import MAX_PLAN_MONTHS, hokatsu_confirms, plan_past_certification, plan_too_long
from ..model import Case, Casebook, Config, Plan
from ..vocab import DECIDED_LEVELS, OUT_OF_CARE_LEVELS, ROUTES
from .certification import application_kind
from .course import course_changes
from .runner import RuleContext, rule, run_rules
from ..ledger import away_on, leaving_event, waives_evaluation
from .events import closure_pending, event_reports

#: Kinds of deadline: a ``task`` turns overdue when missed; an ``info`` item (a
#: deadline yobo cannot see being met, e.g. a provider's monthly report) is shown
#: while its window is open and then drops off; a ``notice`` (e.g. the end of a
#: retention period) stays once reached, never overdue.
TASK, INFO, NOTICE = "task", "info", "notice"
#: A monthly-cycle task (実績・委託料請求・給付管理): overdue when missed like a task, until
#: marked done (``yobo monitor done``); its ``opens`` is the last day of the month it is
#: for, so the month can be read back from it even when the due day moved before it.
MONTHLY = "monthly"


class Due(NamedTuple):
    """One deadline.  A named tuple rather than a frozen dataclass: the warm due list
    builds ~30,000 of them from the index, four times faster this way."""

    case: str  # case id, "" for the office
    code: str  # stable kebab-case rule code
    title: str  # Japanese
    due: date
    opens: date  # when it starts to be worth doing (the window)
    staff: str  # who must act: a staff name, the 包括's name, or "" for the office
    party: str  # kyotaku | hokatsu | provider
    source: str  # seed file and section
    kind: str = TASK
    excused: str = ""  # 特段の事情 recorded for a missed visit
    name: str = ""  # the user's name, for the screen

    def status(self, today: date) -> str:
        if self.excused and today > self.due:
            return "excused"
        if today > self.due:
            return "overdue" if self.kind in (TASK, MONTHLY) else "due"
        # an item is due on its own day even where a holiday shift moved it before its window
        if today >= self.opens or today == self.due:
            return "due"
        return "upcoming"

    @property
    def month(self) -> str:
        """The month a monthly-cycle item is for (``YYYY-MM``), else ""."""
        return f"{self.opens:%Y-%m}" if self.kind == MONTHLY else ""

    def shown(self, today: date) -> bool:
        """An info item no longer matters once its day has passed (yobo cannot see it done)."""
        return not (self.kind == INFO and today > self.due)

    def to_json(self, today: date) -> dict:
        return {"case": self.case or None, "name": self.name or None, "code": self.code, "title": self.title,
                "due": self.due.isoformat(), "opens": self.opens.isoformat(), "status": self.status(today),
                "staff": self.staff, "party": self.party, "source": self.source, "excused": self.excused or None}


def _current_started_plan(case: Case) -> Plan | None:
    started = [p for p in case.plans if p.service_start is not None]
    return max(started, key=lambda p: p.number) if started else None


def _plan_last_month(plan: Plan) -> int:
    """The evaluation month: the plan's last month, or the month it was evaluated early."""
    last = month_index(plan.end)
    if plan.evaluation is not None:
        last = min(last, month_index(plan.evaluation.date))
    return last


#: The weekend/holiday rule where a profile names none: a deadline for something handed to
#: an office moves to the previous business day, as seed 000 steps 12–13 say for its
#: deadlines (「土日・休日と重なる場合はその前日まで」): the receiving office is closed.
SHIFT_DEFAULT = "previous-business-day"


def shift_rule(profile: dict, code: str) -> tuple[str, str]:
    """(rule, source) of the weekend/holiday shift for obligation ``code``: the profile's
    ``shift.obligations[code]``, else its ``shift.default``, else :data:`SHIFT_DEFAULT`."""
    settings = profile.get("shift") or {}
    own = (settings.get("obligations") or {}).get(code)
    if own:
        return own["rule"], own.get("source", "")
    default = settings.get("default") or {}
    return default.get("rule", SHIFT_DEFAULT), default.get("source", "")


def _shifted(profile: dict, code: str, day: date) -> date:
    return shift_deadline(day, shift_rule(profile, code)[0], year_end_closed=bool(profile.get("year_end_closed")))


def _marked(case: Case, code: str, month: str | None = None) -> bool:
    """A ``yobo monitor done`` mark of the case for ``code`` (in ``month`` if given)."""
    return any(m.code == code and (month is None or m.month == month) for m in case.done_marks)


def _make(case: Case, code: str, title: str, due: date, opens: date, source: str, *, staff: str | None = None,
          party: str = "kyotaku", kind: str = TASK, excused: str = "") -> Due:
    return Due(case.id, code, title, due, min(opens, due), case.manager if staff is None else staff, party, source,
               kind, excused, case.person.name)


# -- monitoring and visits -------------------------------------------------------------------------


@rule("monitoring-record")
def monitoring_records(case: Case, ctx: RuleContext) -> list[Due]:
    """Code ``monitoring-record``: a monitoring record in every month of the plan, by the
    month's end.

    Source: seed 002 (002_ac00e42d951987eb.txt) 資料1-7 「1か月に1回はモニタリングの結果を
    記録する」; seed 000 step 15; background/national-rules.md §2 Rule D.
    """
    plan = _current_started_plan(case)
    if plan is None or case.status != "active":
        return []
    months = {month_index(m.date) for m in case.monitoring if m.date >= plan.service_start}
    out = []
    for index in range(month_index(plan.service_start), _last_month(case, plan) + 1):
        if index not in months:
            first = month_start(index)
            out.append(_make(case, "monitoring-record", f"{first:%Y年%m月}のモニタリング記録", month_end(index), first,
                             "seed 002 資料1-7; seed 000 手順15"))
    return out


def _last_month(case: Case, plan: Plan) -> int:
    """The plan's last month, or the month the case left 介護予防支援 (死亡, 施設入所, 転出,
    要介護: rules/events.py) when that came first: nothing is due after it."""
    last = _plan_last_month(plan)
    left = leaving_event(case)
    return min(last, month_index(left.date)) if left is not None else last


def _away_excuse(case: Case, first: date, last: date) -> str:
    """Why a home visit due in [first, last] could not be made: the user was in hospital or
    a facility on its last day, or the whole time (seed 002 資料1-7 特段の事情「利用者の事情により、
    利用者宅を訪問し、利用者に面接することができない場合」)."""
    away = away_on(case, last)
    if away is None:
        away = away_on(case, first)
        if away is None or (away.end is not None and away.end <= last):
            return ""
    return away.label


def _visits(case: Case, plan: Plan) -> list:
    return [m for m in case.monitoring if m.method == "visit" and m.date >= plan.service_start]


def _excuse(case: Case, plan: Plan, first: int, last: int) -> str:
    """The 特段の事情 recorded in those months, if any (the user's reason, never the staff's)."""
    for m in case.monitoring:
        if m.reason and first <= month_index(m.date) <= last and m.date >= plan.service_start:
            return m.reason
    return ""


@rule("visit-start-month")
def home_visits(case: Case, ctx: RuleContext) -> list[Due]:
    """Codes ``visit-start-month``, ``visit-quarter``, ``visit-evaluation-month``,
    ``visit-state-change``: a home visit (居宅を訪問し面接) in the service start month,
    at least once in every 3-month window counted from the month after it, in the
    evaluation month, and promptly after a recorded change of state.  A missed visit
    with a recorded 特段の事情 is excused.  Where the profile allows video
    monitoring and a 合意 is recorded, a video contact may stand in for every
    other window (a home visit still at least every 6 months).

    Source: seed 000 (000_74768b37736573e7.txt) step 15; seed 002 資料1-7 (開始月◎,
    2〜4月目に1回◎, 評価月◎; 特段の事情); seed 001 (3ヶ月に1回); background/national-rules.md
    §2, §2.1 (2024 video rule), §2.2.
    """
    profile = ctx.profile
    plan = _current_started_plan(case)
    if plan is None or case.status != "active":
        return []
    settings = profile.get("monitoring", {})
    interval = settings.get("visit_interval_months", 3)
    visits = _visits(case, plan)
    visit_months = {month_index(v.date) for v in visits}
    start = month_index(plan.service_start)
    last = _last_month(case, plan)
    waived = waives_evaluation(case, profile) is not None
    src = "seed 000 手順15; seed 002 資料1-7"
    out = []
    if start not in visit_months:
        out.append(_make(case, "visit-start-month", f"サービス開始月（{plan.service_start:%Y年%m月}）の居宅訪問",
                         month_end(start), month_start(start), src,
                         excused=_excuse(case, plan, start, start)
                         or _away_excuse(case, max(plan.service_start, month_start(start)), month_end(start))))
    video_ok = bool(settings.get("video")) and any(n.kind == "video-agreement" for n in case.notes)
    video_months = {month_index(m.date) for m in case.monitoring if m.method == "video" and m.date >= plan.service_start}
    previous_had_visit = True
    k = 0
    while True:
        first = start + 1 + interval * k
        if first > last:
            break
        window_last = min(first + interval - 1, last)
        covered = any(first <= v <= window_last for v in visit_months)
        by_video = video_ok and previous_had_visit and any(first <= v <= window_last for v in video_months)
        # a window reaching the evaluation month is met by that month's own visit (its own rule)
        if not covered and not by_video and window_last != last:
            out.append(_make(case, "visit-quarter",
                             f"居宅訪問（{month_start(first):%Y年%m月}〜{month_start(window_last):%Y年%m月}に1回）",
                             month_end(window_last), month_start(first), src,
                             excused=_excuse(case, plan, first, window_last)
                             or _away_excuse(case, month_start(first), month_end(window_last))))
        previous_had_visit = covered
        k += 1
    if last not in visit_months and not waived:  # no evaluation, no evaluation-month visit
        out.append(_make(case, "visit-evaluation-month", f"評価月（{month_start(last):%Y年%m月}）の居宅訪問",
                         month_end(last), month_start(last), src,
                         excused=_excuse(case, plan, last, last) or _away_excuse(case, month_start(last), month_end(last))))
    days = settings.get("state_change_visit_days", 7)
    for change in (m for m in case.monitoring if m.state_change and m.date >= plan.service_start):
        if not any(v.date >= change.date for v in visits):
            # a change met in hospital is visited at home after the 退院 (the days count from it)
            away = away_on(case, change.date)
            since = away.end if away is not None and away.end is not None else change.date
            if leaving_event(case) is not None and leaving_event(case).date <= since:
                continue
            out.append(_make(case, "visit-state-change", f"状態の変化（{change.date}）後の居宅訪問",
                             since + timedelta(days=days), change.date,
                             "seed 000 手順15（状況の変化があった場合は必ず訪問）; seed 002 資料1-7",
                             excused=away.label if away is not None and away.end is None else ""))
    return out


# -- evaluation, next plan ----------------------------------------------------------------------------


@rule("evaluation")
def evaluation(case: Case, ctx: RuleContext) -> list[Due]:
    """Codes ``evaluation``, ``evaluation-submit``, ``evaluation-return``,
    ``provider-evaluation``: the 評価表 at the plan's end; its submission to the 包括 by
    the profile's day of the evaluation month; the 包括's return within the profile's
    days (shown to the 包括); the providers' 個別評価 by the profile's day.

    One evaluation item a plan: ``evaluation`` at the plan's end, or, where the 包括
    reviews it and the profile has a submission day, ``evaluation-submit`` alone.  The
    providers' evaluation stays until marked done (``yobo monitor done --code
    provider-evaluation --month <評価月> --case ID``).  Days handed to an office move by
    the profile's ``shift`` rule.

    Source: seed 000 (000_74768b37736573e7.txt) step 16 (評価月の概ね5日まで / 評価月の
    14日まで / 評価表提出後10日以内); seed 002 資料1-8.
    """
    profile = ctx.profile
    plan = _current_started_plan(case)
    if plan is None or case.status != "active":
        return []
    settings = profile.get("evaluation", {})
    last = _plan_last_month(plan)
    src = "seed 000 手順16; seed 002 資料1-8"
    reviewed = hokatsu_confirms(case.mode, profile)
    submits = bool(reviewed and settings.get("submit_day"))
    out = []
    if plan.evaluation is None and waives_evaluation(case, profile) is not None:
        return []  # the case left without one to evaluate with (rules/events.py)
    if plan.evaluation is None:
        # one evaluation item a plan: where the 評価表 goes to the 包括 by a day of the
        # evaluation month, that day is its deadline (``evaluation-submit``)
        if not submits:
            out.append(_make(case, "evaluation", f"計画 {plan.id} の評価表（期間 {plan.start}〜{plan.end}）", plan.end,
                             month_start(month_index(plan.end)), src))
        month = f"{month_start(last):%Y-%m}"
        if settings.get("provider_report_day") and not _marked(case, "provider-evaluation", month):
            due = _shifted(profile, "provider-evaluation", day_in_month(last, settings["provider_report_day"]))
            out.append(_make(case, "provider-evaluation", f"サービス事業所の個別評価（評価月 {month_start(last):%Y年%m月}）",
                             due, month_start(last), "seed 000 手順16（評価月の概ね5日まで）", party="provider"))
    if not reviewed:
        return out
    submitted = [s for s in case.submissions if s.occasion == "evaluation" and s.plan == plan.id]
    if not submitted and submits:
        due = _shifted(profile, "evaluation-submit", day_in_month(last, settings["submit_day"]))
        out.append(_make(case, "evaluation-submit", f"評価表の作成と包括への提出（計画 {plan.id}）", due, month_start(last),
                         "seed 000 手順16（評価月の14日まで）"))
    if submitted and plan.evaluation_review is None and settings.get("return_days"):
        sent = submitted[-1].date
        due = _shifted(profile, "evaluation-return", sent + timedelta(days=settings["return_days"]))
        out.append(_make(case, "evaluation-return", f"評価表の確認と返却（計画 {plan.id}、{sent} 提出）", due, sent,
                         "seed 000 手順16（評価表提出後10日以内）", staff=case.hokatsu or "", party="hokatsu"))
    return out


@rule("next-plan")
def next_plan(case: Case, ctx: RuleContext) -> list[Due]:
    """Codes ``next-plan`` and ``plan-period``: the next plan is ready before the current
    one ends (unless the evaluation ended support); a plan over 12 months or past the
    certification's end is flagged.

    Source: seed 000 step 9 (ケアプランの最長は1年), step 18 (評価後のプランの作成);
    seed 002 資料1-8; seed 002 §3 (期間は認定の有効期間内).
    """
    if case.status != "active" or not case.plans:
        return []
    out = []
    current = case.current_plan
    plan = _current_started_plan(case)
    if (plan is not None and plan is current and not (plan.evaluation and plan.evaluation.decision == "end")
            and leaving_event(case) is None):
        out.append(_make(case, "next-plan", f"次の計画（計画 {plan.id} は {plan.end} まで）", plan.end,
                         plan.end - timedelta(days=30), "seed 000 手順18; seed 002 資料1-8"))
    if plan_too_long(current.start, current.end):
        out.append(_make(case, "plan-period", f"計画 {current.id} の期間が{MAX_PLAN_MONTHS}か月を超えています",
                         current.start, current.start, "seed 000 手順9（最長は1年）"))
    cert = plan_past_certification(case, current.start, current.end)
    if cert is not None:
        out.append(_make(case, "plan-period", f"計画 {current.id} が認定の有効期間（{cert.end} まで）を超えています",
                         min(current.end, cert.end), current.start, "seed 002 §3（期間は認定の有効期間内）"))
    return out


# -- certification, migration, retention -------------------------------------------------------------


@rule("certification-renewal")
def certification(case: Case, ctx: RuleContext) -> list[Due]:
    """Codes ``certification-renewal`` and ``certification-end``: the renewal window opens
    the profile's days before the end (60); the application is due by the end, or
    by the profile's cut-off (seed 002 V: at least 31 days before the end for the
    special treatment); the end itself.  A 事業対象者 without a validity period has none.

    Source: background/national-rules.md §3 (更新申請は満了日の60日前から); seed 002
    (002_ac00e42d951987eb.txt) V; seed 000 step 19.
    """
    profile = ctx.profile
    if case.status != "active" or not case.certifications or leaving_event(case) is not None:
        return []
    latest = case.latest_certification
    settings = profile.get("certification", {})
    if latest.status == "pending":
        if application_kind(case, latest) == "change":
            return _pending_change(case, latest, profile)
        return _pending_renewal(case, latest, settings)
    if latest.level in OUT_OF_CARE_LEVELS:
        return _out_of_care(case, latest, profile)
    followed = _provisional_follow_up(case, latest, profile)
    if latest.end is None:
        return followed
    window = latest.end - timedelta(days=settings.get("renewal_window_days", 60))
    cutoff = settings.get("early_filing_days")
    due = latest.end - timedelta(days=cutoff) if cutoff else latest.end
    note = f"（{cutoff}日前まで）" if cutoff else ""
    return followed + [
        _make(case, "certification-renewal", f"認定の更新申請{note}（有効期間 {latest.end} まで）", due, window,
              "national-rules.md §3; seed 002 V" if cutoff else "national-rules.md §3"),
        _make(case, "certification-end", f"認定の有効期間の満了（{latest.end}）", latest.end, window,
              "national-rules.md §3"),
    ]


def _decided_day(cert) -> date:
    """When a result became known: the day it was recorded, else its 認定年月日, else its start."""
    return cert.decided_on or cert.certified_on or cert.start


def _pending_change(case: Case, pending, profile: dict) -> list[Due]:
    """Code ``provisional-plan``: a 区分変更 has been applied for; services until the result
    go on a 暫定ケアプラン, needed at once — from the application, not at the old period's
    end (seed 002 II-1(2): 「区分変更申請を行い、認定結果が出るまでの間にサービスを利用する場合」;
    II 冒頭「サービス開始前にケアプランの作成が必要」).  Met by a plan drafted while 申請中
    on or after the application.
    """
    applied = pending.applied_on or pending.start
    if any(p.data.get("cert_status") == "pending" and p.created_on >= applied for p in case.plans):
        return []
    return [_make(case, "provisional-plan",
                  f"区分変更申請中（{applied} 申請）：暫定ケアプランの作成（yobo plan draft --provisional change）",
                  applied, applied, "seed 002 II-1(2)・II-2(2)")]


def _out_of_care(case: Case, cert, profile: dict) -> list[Due]:
    """Code ``certification-out-of-care``: the result is 要介護 or 非該当, so the case leaves
    preventive care management: a word to the 包括 and the closure (termination
    submission, ``case close``) are due within the profile's days of the result.

    Source: seed 000 手順2 line 13–14 (認定の変更は包括へ連絡), seed 003 台帳管理
    (「介護度の変更…があった場合は、居宅から担当包括に一報する」), seed 002 II-7 (非該当);
    the number of days is yobo's default (profile ``provisional``).
    """
    settings = profile.get("provisional") or {}
    day = _decided_day(cert)
    return [_make(case, "certification-out-of-care",
                  f"認定結果が{DECIDED_LEVELS.get(cert.level, cert.level)}：介護予防支援の対象外。包括へ一報し、"
                  "終了の手続き（終了時の提出・yobo case close）",
                  day + timedelta(days=settings.get("follow_up_days", 0)), day,
                  "seed 000 手順2; seed 003 台帳管理; seed 002 II-7")]


def _provisional_follow_up(case: Case, cert, profile: dict) -> list[Due]:
    """Code ``provisional-replan``: the current plan is a 暫定ケアプラン and the decided level
    differs from the one it expected, so a 確定ケアプラン is made with the whole process
    (seed 002 II-6(2): 「一連の業務を行い、確定ケアプランの作成を行ってください」).  A
    result equal to the expectation is recorded as a 軽微な変更 by ``yobo cert decide``
    (II-6(1)) and leaves nothing due.  Days: profile ``provisional`` (yobo's default).
    """
    plan = case.current_plan
    if plan is None or plan.evaluation is not None or plan.data.get("cert_status") != "pending":
        return []
    if cert.decided_on is None or plan.created_on > cert.decided_on or plan.data.get("level") == cert.level:
        return []
    settings = profile.get("provisional") or {}
    day = _decided_day(cert)
    return [_make(case, "provisional-replan",
                  f"認定結果（{DECIDED_LEVELS.get(cert.level, cert.level)}）が暫定ケアプラン {plan.id} の見込みと違う："
                  "一連の業務を行い確定ケアプランを作成（yobo evaluate のあと yobo plan draft）",
                  day + timedelta(days=settings.get("follow_up_days", 0)), day, "seed 002 II-6(2)")]


def _pending_renewal(case: Case, pending, settings: dict) -> list[Due]:
    """Code ``certification-pending``: a renewal (or 区分変更) has been applied for and the
    result is not in.  If the current period ends first, the services go on under a
    暫定ケアプラン; where the profile has an early-filing cut-off (seed 002: 31 days)
    and the application met it, the 特例取扱い申出書 can be filed (``yobo render CASE
    provisional``).  Shown from the renewal window and kept after the end (a notice:
    yobo cannot see the result until it is recorded with ``yobo cert decide``).

    Source: seed 002 (002_ac00e42d951987eb.txt) II 暫定ケアプラン（特例取扱い）; national-rules.md §3.
    """
    current = case.decided_before(pending)
    if current is None or current.end is None:
        return []
    cutoff = settings.get("early_filing_days")
    applied = f"{pending.applied_on} 申請、" if pending.applied_on else ""
    special = ""
    if cutoff and pending.applied_on is not None:
        met = pending.applied_on <= current.end - timedelta(days=cutoff)
        special = ("。特例取扱い申出書を出せます" if met else f"。{cutoff}日前までの申請ではないため特例取扱いの対象外")
    window = current.end - timedelta(days=settings.get("renewal_window_days", 60))
    return [_make(case, "certification-pending",
                  f"認定結果待ち（{applied}有効期間 {current.end} まで）：間に合わなければ暫定ケアプラン{special}",
                  current.end, window, "seed 002 II 暫定ケアプラン; national-rules.md §3", kind=NOTICE)]


@rule("migration-to-shitei")
def migration(case: Case, ctx: RuleContext) -> list[Due]:
    """Code ``migration-to-shitei``: a 居宅 newly designated for 介護予防支援 moves every
    entrusted 介護予防支援 case to a direct contract within the profile's days (30).

    Source: seed 004 (004_039b0045c9f97517.txt) 「委託ケースから直接実施への移行期間」.

    A case opened as 委託 after the designation (seed 004 line 41–42: 原則として委託しません;
    ``case new`` warns) is counted from the day it was opened, not shown overdue at once.
    The item clears when ``yobo case switch --mode shitei`` records the move.
    """
    profile, config = ctx.profile, ctx.config
    days = profile.get("migration_days")
    if (not days or config.designated_on is None or config.office_kind != "kyotaku" or case.status != "active"
            or case.mode != "itaku" or case.route != "yobo-shien"):
        return []
    since = max(config.designated_on, case.opened)
    return [_make(case, "migration-to-shitei", "委託ケースを直接契約（指定）へ移行（yobo case switch --mode shitei）",
                  since + timedelta(days=days), since, "seed 004 委託ケースから直接実施への移行期間（30日以内）")]


def retention_end(case: Case, profile: dict) -> date | None:
    """The day a closed case's records may be disposed of: its 完結日 plus the profile's
    ``retention_years`` (seed 002 資料1-10: 5 years; national 2), or None while it is open."""
    if case.status != "closed" or case.closed_on is None:
        return None
    return add_months(case.closed_on, 12 * profile.get("retention_years", 2))


@rule("retention-end")
def retention(case: Case, ctx: RuleContext) -> list[Due]:
    """Code ``retention-end``: the records of a closed case are kept for the profile's
    years from 完結日 (national 2, seed 002: 5); shown when they may be disposed of.

    Source: seed 002 (002_ac00e42d951987eb.txt) 資料1-10 and §1 (完結日より5年間保存);
    background/national-rules.md (基準 §28②: 2年).
    """
    profile = ctx.profile
    end = retention_end(case, profile)
    if end is None:
        return []
    years = profile.get("retention_years", 2)
    return [_make(case, "retention-end", f"記録の保存期間の満了（完結日 {case.closed_on} から{years}年。yobo case purge で削除）", end, end,
                  "seed 002 資料1-10（完結日より5年間保存）", kind=NOTICE)]


# -- new cases, the 届出書, the monthly cycle, 福祉用具 -------------------------------------------------


@rule("assessment")
def new_case(case: Case, ctx: RuleContext) -> list[Due]:
    """Codes ``assessment`` and ``first-plan``: a case opened without a plan gets its
    assessment (利用者基本情報 and 基本チェックリスト) and its first plan's 原案 within the
    profile's days from the day it was opened.

    Source: seed 000 steps 4–5 and seed 002 I-1(3) give the order (アセスメント → 原案)
    but no number of days: the days are yobo's defaults (profile ``new_case``, marked so).
    """
    profile = ctx.profile
    if case.status != "active" or case.plans:
        return []
    settings = profile.get("new_case") or {}
    src = settings.get("source", "")
    out = []
    days = settings.get("assessment_days")
    if days and not (case.basic_infos and case.checklists):
        out.append(_make(case, "assessment", "アセスメント（利用者基本情報・基本チェックリスト）",
                         case.opened + timedelta(days=days), case.opened, src))
    days = settings.get("first_plan_days")
    if days:
        out.append(_make(case, "first-plan", "最初の計画の原案", case.opened + timedelta(days=days), case.opened, src))
    return out


@rule("notification-filing")
def notification(case: Case, ctx: RuleContext) -> list[Due]:
    """Code ``notification-filing``: the 介護予防サービス計画作成依頼（変更）届出書 reaches the
    保険者 on or before the first plan's service start (the plan's first day), filed by
    the 包括 for an entrusted case and by the 居宅 for its own (指定) one.  Shown until
    marked done (``yobo monitor done --code notification-filing --case ID``) or until the
    service start is recorded (filed or not, the day has then passed).

    Source: seed 002 (002_ac00e42d951987eb.txt) I-1(2)④ and 資料1-2 (「届出書はサービス利用
    開始日以前に広域へ届ける」); seed 000 step 3 (the 包括 files it); seed 003 (003_f73aac61ef8be17b.txt)
    line 13 作成届 (再委託: 包括が高齢者福祉課へ提出; 居宅指定: 居宅が介護保険課へ) — the profile's
    ``notification.filed_by``.
    """
    profile = ctx.profile
    settings = profile.get("notification") or {}
    if not settings.get("before_service_start") or case.status != "active" or not case.plans:
        return []
    first = min(case.plans, key=lambda p: p.number)
    if first.service_start is not None or _marked(case, "notification-filing"):
        return []
    # who files it is the profile's (seed 000 手順3 / seed 003 作成届: the 包括 for 委託, the 居宅 for 指定),
    # under the mode the service starts in (a case moved to 指定 later filed it as 委託)
    party = party_for({"who": settings.get("filed_by") or {"itaku": "hokatsu", "shitei": "kyotaku"}},
                      case.mode_on(first.start))
    due = _shifted(profile, "notification-filing", first.start)
    return [_make(case, "notification-filing", "計画作成依頼届出書を保険者へ（サービス開始日以前）", due, first.created_on,
                  settings.get("source", ""), staff=(case.hokatsu or "") if party == "hokatsu" else None,
                  party=party)]


def _service_months(case: Case) -> list[int]:
    """The months in which a plan of the case ran: service start to its evaluation month
    (or the month the case closed)."""
    months: set[int] = set()
    for plan in case.plans:
        if plan.service_start is None:
            continue
        last = _plan_last_month(plan)
        if case.closed_on is not None:
            last = min(last, month_index(case.closed_on))
        months.update(range(month_index(plan.service_start), last + 1))
    return sorted(months)


def party_for(entry: dict, mode: str) -> str:
    """Who acts on a monthly entry for a case of ``mode``: ``who`` is one party, or one
    per mode (the 給付管理 of a 指定 case is the 居宅's own, seed 003)."""
    who = entry["who"]
    return who if isinstance(who, str) else who.get(mode, who.get("itaku", "kyotaku"))


@rule("monthly-cycle")
def monthly_cycle(case: Case, ctx: RuleContext) -> list[Due]:
    """Code per profile entry (e.g. ``commission-claim``; a crash is reported as
    ``monthly-cycle``): the monthly cycle — 実績,
    委託料請求, 給付管理 — for every month a plan of the case ran, due on a day of the
    following month, moved by the profile's ``shift`` rule.  Each stays (overdue after
    its day) until marked done with ``yobo monitor done`` for the case or the whole
    casebook (:func:`drop_marked`); labelled with the party who acts for the case's mode.
    The 包括's receipt of a monthly report (``who: hokatsu``, e.g. ``usage-results-received``:
    the 実績 received from the 居宅, checked, then marked done by the 包括) is an entry of its
    own on the same day (a YAML anchor in the profile: one day, one place).

    Source: seed 000 (000_74768b37736573e7.txt) steps 12–14 (5日・8日・10日、土日・休日は
    その前日まで); seed 002 資料1-9 (4日, 10日); seed 003 (5日; 居宅指定の給付管理); domain.md §5.
    Receipts by the 包括: seed 000 line 186 (包括「利用実績及び利用状況の確認」); seed 002 line 624
    (〈居宅からの実績報告内容確認〉); seed 003 line 26 (毎月5日までに包括に提出).
    """
    profile = ctx.profile
    entries = profile.get("monthly") or ()
    if not entries:
        return []
    # each month by its own 区分 and 実施形態 (seed 004 参考: 請求方法 per month): the
    # route of the month, the mode in force at its end (the one that bills it); worked
    # out once per month, not once per entry and month (issue 16: the cold due list)
    months = [(index, *_month_facts(index)) for index in _service_months(case)]
    months = [(index, first, last, month, label, case.mode_on(last), case.route_on(first))
              for index, first, last, month, label in months]
    marks = {(m.code, m.month, m.party) for m in case.done_marks}
    year_end_closed = bool(profile.get("year_end_closed"))
    out = []
    for entry in entries:
        code, title, modes = entry["code"], entry["title"], entry.get("modes") or ("itaku", "shitei")
        routes = entry.get("routes") or ROUTES
        rule = shift_rule(profile, code)[0]
        for index, first, last, month, label, mode, route in months:
            if mode not in modes or route not in routes:
                continue
            party = party_for(entry, mode)
            staff = (case.hokatsu or "") if party == "hokatsu" else case.manager
            if marks and any((code, month, p) in marks for p in ("kyotaku", "hokatsu") if covers(p, party)):
                continue
            due = _monthly_due(index + 1, entry["day"], rule, year_end_closed)
            out.append(Due(case.id, code, f"{title}（{label}分）", due, last,
                           staff, party, entry["source"], MONTHLY, "", case.person.name))
    return out


@lru_cache(maxsize=4096)
def _month_facts(index: int) -> tuple[date, date, str, str]:
    """(first day, last day, ``YYYY-MM``, ``YYYY年MM月``) of month ``index``: the same few
    months recur in every case of a casebook."""
    first = month_start(index)
    return first, month_end(index), f"{first:%Y-%m}", f"{first:%Y年%m月}"


@lru_cache(maxsize=4096)
def _monthly_due(index: int, day: int, rule: str, year_end_closed: bool) -> date:
    """Day ``day`` of month ``index`` moved by the shift ``rule`` (:func:`_shifted`)."""
    return shift_deadline(day_in_month(index, day), rule, year_end_closed=year_end_closed)


def covers(mark_party: str, item_party: str) -> bool:
    """A mark made by ``mark_party`` settles an item of ``item_party``: its own, or a
    provider's (the office that receives the 実績 records it)."""
    return item_party in (mark_party, "provider")


def drop_marked(items: list[Due], marks: set[tuple[str, str, str]]) -> list[Due]:
    """``items`` without the monthly ones a casebook-wide mark (code, ``YYYY-MM``, party)
    covers (see :func:`covers`)."""
    if not marks:
        return items
    # the parties that marked each (code, month): one lookup an item, not a scan of every
    # mark (10,000 cases: ~290,000 items against a year of marks)
    parties: dict[tuple[str, str], set[str]] = {}
    for code, month, party in marks:
        parties.setdefault((code, month), set()).add(party)
    # an item's month and whether a mark settles it, worked out once per distinct value
    # (a cold due list at 10,000 cases drops from ~220,000 monthly items)
    months: dict[date, str] = {}
    settled: dict[tuple[str, str, str], bool] = {}
    kept = []
    for d in items:
        if d.kind == MONTHLY:
            month = months.get(d.opens)
            if month is None:
                month = months[d.opens] = d.month
            key = (d.code, month, d.party)
            done = settled.get(key)
            if done is None:
                marked = parties.get((d.code, month))
                done = settled[key] = bool(marked) and any(covers(p, d.party) for p in marked)
            if done:
                continue
        kept.append(d)
    return kept


def for_office(items: list[Due], config: Config) -> list[Due]:
    """``items`` without the monthly ones of a 包括 where nobody of the 包括 works in this
    casebook (a 居宅's own casebook): the 居宅 can neither do them nor see them done.  A
    shared casebook (a staff member with party hokatsu) keeps them.  Applied after the
    index (it depends on the staff list, which the index does not key on)."""
    if config.office_kind == "hokatsu" or any(s.party == "hokatsu" for s in config.staff):
        return items
    return [d for d in items if not (d.kind == MONTHLY and d.party == "hokatsu")]


@rule("equipment-consultation")
def equipment_renewal(case: Case, ctx: RuleContext) -> list[Due]:
    """Code ``equipment-consultation``: a 福祉用具 the current plan rents by exception
    (車いす, 特殊寝台 … for 要支援) needs, for each certification period, the survey's
    confirmation or a 協議 with the 保険者 and its 確認書 (``yobo equipment record``),
    before the service starts in that period.

    Source: seed 002 (002_ac00e42d951987eb.txt) IV 2(1) (協議はサービス利用開始前), 2(4)
    (認定有効期間ごとに協議), 2(5) (算定は認定有効期間内).
    """
    profile = ctx.profile
    from ..safeguards import EQUIPMENT, LIGHT_LEVELS, plan_equipment

    plan = case.current_plan
    cert = case.latest_certification
    if case.status != "active" or plan is None or cert is None or cert.status != "certified":
        return []
    if cert.level not in LIGHT_LEVELS:
        return []
    out = []
    for item in plan_equipment(plan.data):
        done = [e for e in case.equipment if e.item == item and e.cert_start == cert.start
                and (e.basis == "survey" or (e.consulted_on and e.confirmed_on))]
        if done:
            continue
        due = _shifted(profile, "equipment-consultation", max(cert.start, plan.start))
        out.append(_make(case, "equipment-consultation",
                         f"{EQUIPMENT[item].label}の例外給付：認定有効期間（{cert.start}〜）の確認・保険者との協議",
                         due, cert.start - timedelta(days=30), "seed 002 IV 2(1)(4)(5)"))
    return out


@rule("draft-review")
def draft_review(case: Case, ctx: RuleContext) -> list[Due]:
    """Code ``draft-review``: a 原案 sent to the 包括 waits for its confirmation — the 包括's
    own task (party hokatsu), opened on the day it was sent (its age is counted from then)
    and due by the plan's start, since the user consents only after it.

    Source: seed 002 ㉜「地域包括支援センター意見・確認印」(この確認欄を受けた後に、本人に最終的な
    ケアプラン原案の説明を行い、同意を得る); seed 000 原案の承認; seed 002 資料 3 ケアプラン原案の作成
    (確認し…居宅へ返却する).  No seed gives a number of days, so no earlier day is made up.
    """
    profile = ctx.profile
    reviewed = hokatsu_confirms(case.mode, profile)
    plan = case.current_plan
    if case.status != "active" or not reviewed or plan is None or plan.consent is not None:
        return []
    sent = [s for s in case.submissions if s.occasion == "draft" and s.plan == plan.id]
    if not sent or sent[-1].plan_digest != plan.digest or any(r.plan_digest == plan.digest for r in plan.reviews):
        return []
    day = sent[-1].date
    return [_make(case, "draft-review", f"原案の確認と返却（計画 {plan.id}、{day} 提出）", max(plan.start, day), day,
                  "seed 002 ㉜ 地域包括支援センター意見・確認印（確認の後に同意）", staff=case.hokatsu or "",
                  party="hokatsu")]


#: The per-case rules, in display order.
CASE_RULES = [new_case, monitoring_records, home_visits, evaluation, next_plan, certification, retention,
              notification, equipment_renewal, monthly_cycle, draft_review, migration, course_changes,
              event_reports, closure_pending]


def case_obligations(case: Case, profile: dict, config: Config) -> list[Due]:
    """Every unmet deadline of one case (independent of today: what the index caches).

    A rule that crashes on the case becomes an overdue item under the rule's code
    (:func:`rule_error_item`), so the case stays on the list and the other rules' items
    are kept."""
    ctx = RuleContext(profile, config)
    return [item if isinstance(item, Due) else rule_error_item(case, item, config.office_kind)
            for item in run_rules(CASE_RULES, case, ctx)]


def rule_error_item(case: Case, problem, party: str) -> Due:
    """A due rule's crash (:func:`~yobo.rules.runner.rule_error`) as an item of the list: no
    day of its own, overdue from the start like an unreadable document, its message the title."""
    return Due(case.id, problem.code, problem.message, UNREADABLE_DUE, UNREADABLE_DUE, case.manager, party,
               str(problem.source), TASK, "", case.person.name)


#: Code of the item an unreadable document becomes; it has no day of its own and is
#: overdue from the start, so it heads the list until the file is fixed.
UNREADABLE = "unreadable-document"
UNREADABLE_DUE = date.min


def unreadable_documents(case_id: str, problems, *, staff: str = "", name: str = "",
                         party: str = "kyotaku") -> list[Due]:
    """Code ``unreadable-document``: 読めない文書 — one overdue item for each document of
    the case that could not be read (YAML syntax, a key written twice, a misspelt
    status, a missing required field…), its ``source`` naming ``file:line`` and the
    problem's code.

    Source: no seed rule but the due list's own promise (issue 10, 「何も黙って消えない」):
    a record yobo cannot read may hide any deadline above (seed 002 資料1-7, 資料1-10:
    records must be kept and usable), so the person never silently drops off the list.
    """
    by_file: dict[str, list] = {}
    for problem in sorted(problems):
        by_file.setdefault(problem.source.path, []).append(problem)
    out = []
    for found in by_file.values():
        more = f"（ほか {len(found) - 1} 件）" if len(found) > 1 else ""
        out.append(Due(case_id, UNREADABLE, "読めない文書", UNREADABLE_DUE, UNREADABLE_DUE, staff, party,
                       f"{found[0]}{more}", TASK, "", name))
    return out


def unreadable_in_casebook(casebook: Casebook) -> list[Due]:
    """``unreadable_documents`` of every case of a casebook read without the index
    (its problems are those of the documents that failed to load)."""
    loaded = {c.dir: c for c in casebook.cases}
    by_case: dict[str, list] = {}
    for problem in casebook.problems:
        parts = problem.source.path.split("/")
        if len(parts) >= 4 and parts[0] == CASES_DIR:
            by_case.setdefault("/".join(parts[:3]), []).append(problem)
    out = []
    for case_dir, found in sorted(by_case.items()):
        case = loaded.get(case_dir)
        out.extend(unreadable_documents(case_dir.rsplit("/", 1)[-1], found, staff=case.manager if case else "",
                                        name=case.person.name if case else "", party=casebook.config.office_kind))
    return out


def running_modes(casebook: Casebook) -> set[str]:
    """The modes (委託・指定) of the active cases whose plan has started."""
    return {c.mode for c in casebook.cases if c.status == "active" and _current_started_plan(c) is not None}
