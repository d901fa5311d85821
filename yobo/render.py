"""Jinja2 rendering with StrictUndefined: a missing field is an error, never a blank box.

Two environments share the templates folder: Markdown (no escaping) and HTML
(autoescaped).  The filters that print paper conventions — 和暦 dates, ☑/□ boxes,
the circled 「明・大・昭」, 見え消し (struck-through old text beside the new,
seed 002 III-2(2)) — have one name in both, so a form's two templates read alike.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from . import wareki
from .resources import data_dir

def _as_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _md_cell(value) -> str:
    return str(value).replace("|", "｜").replace("\n", "<br>")


def _md_inline(value) -> str:
    return str(value).replace("\n", "  \n")


@lru_cache(maxsize=None)
def environment(autoescape: bool):
    import jinja2
    from markupsafe import Markup, escape

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )

    def text(value) -> str:
        """Multi-line text: <br> in HTML, a Markdown line break in Markdown."""
        if autoescape:
            return Markup("<br>".join(escape(line) for line in str(value).split("\n")))
        return _md_inline(value)

    def check(value: bool) -> str:
        return "☑" if value else "□"

    def choice(value, options: dict, sep: str = "　") -> str:
        """Every option with its box: ☑初回　□紹介　□継続."""
        return sep.join(f"{check(key == value)}{label}" for key, label in options.items())

    def circle(label: str, chosen: bool = True) -> str:
        """A choice circled by hand on paper: a ring in HTML, （ ） in Markdown."""
        if not chosen:
            return label
        if autoescape:
            return Markup('<span class="circled">') + escape(label) + Markup("</span>")
        return f"（{label}）"

    def circle_choice(value, options: dict, sep: str = "・") -> str:
        parts = [circle(label, key == value) for key, label in options.items()]
        return Markup(sep).join(parts) if autoescape else sep.join(parts)

    def birth(value) -> str:
        """明・大・昭 with the era circled, then 年月日: 明・大・（昭）15年3月5日."""
        day = _as_date(value)
        choices, rest = wareki.birth_choice(day)
        head = [circle(label, chosen) for label, chosen in choices]
        if autoescape:
            return Markup("・").join(head) + Markup(" ") + escape(rest)
        return "・".join(head) + " " + rest

    def revised(context, path: str, value) -> str:
        """The field at ``path`` with every 軽微な変更 made to it: the old text struck
        through beside the new, as the plan is amended on paper (seed 002 III-2(2))."""
        changes = [a for a in context.get("amendments") or () if a.get("field") == path]
        if not changes:
            return text(value)
        parts = []
        for change in changes:
            when = wareki.format_date(_as_date(change.get("date")))
            if autoescape:
                parts.append(Markup('<del class="struck">') + text(change["old"]) + Markup("</del>"))
            else:
                parts.append(f"~~{change['old']}~~")
            label = f"（{when} 軽微な変更）"
            parts.append(Markup('<span class="amended-on">') + escape(label) + Markup("</span>") if autoescape else label)
        current = (Markup('<ins class="amended">') + text(value) + Markup("</ins>")) if autoescape else str(value)
        return (Markup(" ").join(parts) + Markup(" ") + current) if autoescape else " ".join(parts) + " " + current

    env.filters.update(
        md_cell=_md_cell,
        text=text,
        wareki=lambda value: wareki.format_date(_as_date(value)),
        wareki_month=lambda value: wareki.format_month(_as_date(value)),
        age=lambda birth_day, on: wareki.age_on(_as_date(birth_day), _as_date(on)),
        check=check,
        choice=choice,
        circle=circle,
        circle_choice=circle_choice,
        birth=birth,
    )
    env.globals["revised"] = jinja2.pass_context(revised)
    return env


def render_template(name: str, **context) -> str:
    """Render ``templates/<name>`` (HTML templates are autoescaped)."""
    return environment(name.endswith(".html.j2")).get_template(name).render(**context)

