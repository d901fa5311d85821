"""Japanese line breaking for rich (a light 禁則処理), on its own so that ``yobo --help``
can use it without importing :mod:`yobo.cli.common` and the core modules that imports."""

from __future__ import annotations

import re

#: Japanese line breaking (a light 禁則処理): a line may break between any two Japanese
#: characters, but not before closing punctuation nor after an opening bracket.
_CJK = "\u3001-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60\uffe0-\uffe6"
_OPENING = "（「『【〔［｛〈《"
_CLOSING = "、。，．）」』】〕］｝〉》！？：；ー〜～…・"
#: compiled when rich first wraps a line (re keeps it), not when this module is imported:
#: the command that prints only JSON need not pay for it
_JAPANESE_WORD = rf"\s*[{_OPENING}]*(?:[{_CJK}]|[^\s{_CJK}]+)[{_CLOSING}]*\s*"


def _japanese_words(text: str):
    """rich's ``words`` (start, end, word) with every Japanese character a word of its own:
    Japanese has no spaces, so rich would otherwise treat a whole sentence as one word and
    move it to a line of its own, or fold it mid-number."""
    word = re.compile(_JAPANESE_WORD)
    position = 0
    match = word.match(text, position)
    while match is not None and match.end() > position:
        yield match.start(), match.end(), match.group(0)
        position = match.end()
        match = word.match(text, position)


def japanese_line_breaking() -> None:
    """Teach rich (pinned below 16 in pyproject.toml) to break lines the Japanese way, for
    tables and for --help alike.  Called by the CLI only, before anything is printed."""
    from rich import _wrap

    _wrap.words = _japanese_words
