"""Golden files: every form of every document in the sample casebook, in Markdown and
HTML, compared byte for byte with ``tests/golden/forms/``.

A change to a template or to the sample casebook shows up here as a diff to read.
The files are refreshed only on purpose::

    YOBO_UPDATE_GOLDEN=1 python -m pytest tests/test_forms_golden.py

The forms that need the caller's choices (届出書, 暫定ケアプラン申出書, 福祉用具の聴き取り)
are rendered with the options listed in :data:`EXTRA`.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from yobo import forms as kforms
from yobo.casebook import case_dir
from yobo.loader import case_ids, load_case, load_config
from yobo.resources import data_dir

GOLDEN = Path(__file__).parent / "golden" / "forms"
SAMPLE = data_dir("sample-casebook")
UPDATE = bool(os.environ.get("YOBO_UPDATE_GOLDEN"))

#: (case, form, options, file-name suffix) rendered in addition to each form's own instances.
EXTRA: list[tuple[str, str, dict, str]] = [
    # 福祉用具の聴き取り: blank for the pen, and filled from --item/--disease/--date
    ("C2VW9F", "equipment", {}, "blank"),
    ("3QK7WA", "equipment", {"item": "特殊寝台及び特殊寝台付属品", "disease": "パーキンソン病（令和7年4月）",
                             "date": date(2026, 11, 20)}, "filled"),
    # 届出書: every case renders the 新規 form as an instance; 変更 with a 届出日 here
    ("3QK7WA", "request", {"change": True, "date": date(2026, 11, 20)}, "change"),
    ("5MZ2RT", "request", {"change": True}, "change"),
    # 暫定ケアプラン申出書 with the expected result 要介護
    ("C2VW9F", "provisional", {"expected": "kaigo", "date": date(2026, 11, 20)}, "kaigo"),
]


def _cases():
    config = load_config(SAMPLE)
    for case_id in case_ids(SAMPLE):
        case, problems, _ = load_case(SAMPLE, case_id, case_dir(case_id))
        assert case is not None and not problems, problems
        yield config, case


def _renderings():
    """(golden file name, source, form) for every instance of every form in the sample."""
    out = []
    loaded = list(_cases())
    by_id = {case.id: (config, case) for config, case in loaded}
    for config, case in loaded:
        for form in kforms.forms().values():
            for instance in form.instances(case):
                out.append((kforms.output_name(case, form, instance, "{fmt}"),
                            kforms.Source(SAMPLE, config, case, dict(instance)), form))
    for case_id, code, options, suffix in EXTRA:
        config, case = by_id[case_id]
        form = kforms.get_form(code)
        out.append((f"{case_id}-{code}-{suffix}.{{fmt}}", kforms.Source(SAMPLE, config, case, dict(options)), form))
    return out


RENDERINGS = _renderings()


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("name,source,form", RENDERINGS, ids=[r[0].removesuffix(".{fmt}") for r in RENDERINGS])
def test_form_matches_golden_file(name, source, form, fmt):
    text = kforms.render(source, form, fmt)
    path = GOLDEN / name.format(fmt=fmt)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path.name} がありません（YOBO_UPDATE_GOLDEN=1 で作成）"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} と違います（意図した変更なら YOBO_UPDATE_GOLDEN=1）"


def test_every_form_has_golden_files_in_both_formats():
    rendered = {form.code for _, _, form in RENDERINGS}
    assert rendered == set(kforms.forms()), set(kforms.forms()) - rendered


def test_no_stale_golden_files():
    expected = {name.format(fmt=fmt) for name, _, _ in RENDERINGS for fmt in ("md", "html")}
    present = {p.name for p in GOLDEN.iterdir()} if GOLDEN.exists() else set()
    assert present <= expected, sorted(present - expected)


def test_html_is_self_contained():
    """No stylesheet, script, font or image is fetched: the page prints the same offline."""
    for name, source, form in RENDERINGS:
        html = kforms.render(source, form, "html")
        for needle in ("<link", "<script", "src=", "@import", "url("):
            assert needle not in html, (name, needle)
        assert '<html lang="ja">' in html and "<style>" in html
