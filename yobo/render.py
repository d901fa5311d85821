"""Jinja2 rendering with StrictUndefined: a missing field is an error, never a blank box."""

from __future__ import annotations

from functools import lru_cache

from .resources import data_dir


@lru_cache(maxsize=None)
def environment(autoescape: bool):
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md_cell"] = lambda value: str(value).replace("|", "｜").replace("\n", " ")
    return env


def render_template(name: str, **context) -> str:
    """Render ``templates/<name>`` (HTML templates are autoescaped)."""
    return environment(name.endswith(".html.j2")).get_template(name).render(**context)
