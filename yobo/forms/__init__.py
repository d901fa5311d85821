"""The standard forms (domain.md §4): each document of a case rendered to Markdown or
print-ready HTML from Jinja templates in ``templates/forms/``.

A form is a :class:`Form` in :data:`FORMS`: a stable ASCII code, the Japanese title,
which paper it prints on, and a ``build`` function that turns a :class:`Source`
(the case, the chosen plan, the raw YAML documents) into the template's context.
Templates run with StrictUndefined: a field the context lacks is an error, never a
silently blank box.  Boxes left blank on purpose (a signature, a date the user
writes by hand) are blank in the template itself.

No clock and no I/O outside the casebook: dates printed on a form come from the
documents or from the caller (``--date``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

from ..errors import InputError
from ..model import Case, Config, Plan

FORMATS = ("md", "html", "pdf")


@dataclass(frozen=True)
class Form:
    code: str  # stable kebab-case, used in file names and on the command line
    title: str  # the form's Japanese name, as printed
    build: Callable[["Source"], dict]
    #: CSS @page size: "A4" (portrait) or "A4 landscape"; a landscape form that reads
    #: the ``paper`` option prints on "A3 landscape" with ``--paper a3``
    page: str = "A4"
    #: which instances exist for ``--all``: a function of the case returning option dicts
    instances: Callable[[Case], list[dict]] = field(default=lambda case: [{}])
    #: the options this form reads; ``yobo render`` refuses any other (a flag that
    #: would silently do nothing is a mistake worth a message)
    options: tuple[str, ...] = ()

    def page_for(self, options: dict) -> str:
        """The paper this rendering prints on."""
        if "paper" in self.options and options.get("paper") == "a3" and self.page.endswith("landscape"):
            return "A3 landscape"
        return self.page


@dataclass
class Source:
    """What a form is rendered from: the casebook folder, its settings, the case and
    the caller's choices (``plan``, ``date`` and the form-specific options)."""

    root: Path
    config: Config
    case: Case
    options: dict[str, Any]

    def read(self, rel: str) -> dict:
        """A document's data as written (comments and key order aside)."""
        from ..loader import parse_document

        data, _ = parse_document(self.root, rel)
        if not isinstance(data, dict):
            raise InputError("文書の形式が正しくありません（yobo validate で確認してください）", field=rel)
        return data

    @cached_property
    def office(self) -> dict:
        """The office block of ``yobo.yaml`` (name, kind, number, address, phone…), read
        once per rendering (the settings loaded for the command omit the address lines)."""
        return dict(self.read("yobo.yaml")["office"])

    @cached_property
    def profile(self) -> dict:
        """The municipal profile with the casebook's overrides (e.g. the 保険者 to address)."""
        from ..profiles import load_profile

        return load_profile(self.config.profile, self.config.overrides)

    def option(self, name: str, default: Any = None) -> Any:
        value = self.options.get(name)
        return default if value is None else value

    def plan(self, *, need: str = "") -> Plan:
        """The plan named by ``--plan``, else the newest plan; with ``need`` (a key of
        :data:`NEEDS`), one that has that record — refused by name when it has not."""
        what, command, has = NEEDS[need]
        wanted = self.options.get("plan")
        if wanted:
            found = self.case.plan(str(wanted).upper())
            if found is None:
                known = "、".join(p.id for p in self.case.plans) or "なし"
                raise InputError(f"ケース {self.case.id} に計画 {wanted} はありません（計画: {known}）", field="--plan")
            if not has(found):
                raise InputError(f"計画 {found.id} の{what}はまだありません（{command}）", field="--plan")
            return found
        plans = [p for p in sorted(self.case.plans, key=lambda p: p.number) if has(p)]
        if not plans:
            raise InputError(f"ケース {self.case.id} には{what}がまだありません（{command}）", field="--plan")
        return plans[-1]

    def day(self) -> date | None:
        value = self.options.get("date")
        return value if isinstance(value, date) else None


#: What a form may need a plan to have: (the record's name, the command that makes it, the test).
NEEDS = {
    "": ("計画", "yobo plan draft", lambda plan: True),
    "evaluation": ("評価表", "yobo evaluate", lambda plan: plan.evaluation is not None),
    "meeting": ("サービス担当者会議の記録", "yobo meeting record", lambda plan: bool(plan.meetings)),
    "weekly": ("週間計画表", "yobo plan weekly", lambda plan: plan.weekly is not None),
}


def _registry() -> dict[str, Form]:
    from . import assessment, plans, records, requests

    forms: list[Form] = [*assessment.FORMS, *plans.FORMS, *records.FORMS, *requests.FORMS]
    return {form.code: form for form in forms}


_FORMS: dict[str, Form] | None = None


def forms() -> dict[str, Form]:
    """Every form by code, in the order a case file is kept."""
    global _FORMS
    if _FORMS is None:
        _FORMS = _registry()
    return _FORMS


def get_form(code: str) -> Form:
    known = forms()
    if code not in known:
        listed = "、".join(f"{c}（{f.title}）" for c, f in known.items())
        raise InputError(f"'{code}' という様式はありません。様式: {listed}", field="FORM")
    return known[code]


def render(source: Source, form: Form, fmt: str) -> str:
    """The form as Markdown or self-contained HTML text."""
    from .. import render as jinja

    if fmt not in ("md", "html"):
        raise InputError(f"'{fmt}' は出力形式ではありません（md、html、pdf）", field="--format")
    context = form.build(source)
    context["form"] = {"code": form.code, "title": form.title, "page": form.page_for(source.options)}
    context.setdefault("office", source.office)
    return jinja.render_template(f"forms/{form.code}.{fmt}.j2", **context)


def output_name(case: Case, form: Form, instance: dict, fmt: str) -> str:
    """The file name of one rendered form: opaque case id, form code, plan and date —
    never a name (no personal data in file names)."""
    parts = [case.id, form.code]
    if instance.get("plan"):
        parts.append(str(instance["plan"]))
    if instance.get("date"):
        parts.append(instance["date"].isoformat())
    if instance.get("occasion"):
        parts.append(str(instance["occasion"]))
    return "-".join(parts) + "." + fmt
