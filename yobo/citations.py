"""Where a rule comes from, in words a care manager can look up (出典).

Rules and profiles cite their source tersely (``seed 002 資料1-7; seed 000 手順15``,
``national-rules.md §3``): exact for developers, opaque to a care manager.  The
readable 出典 is worked out from these references with the tables below — the seed
files once (shared/domain.md's table of seeds: file → municipality and document) and
the sections of the national fact sheet once — so the terse reference stays the key
(kept in JSON as ``source``) and every screen, CSV, Excel sheet, calendar and report
shows the same readable words (``source_label``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple


class Seed(NamedTuple):
    municipality: str  # who wrote it
    title: str  # the document's own title
    short: str  # how the readable 出典 names it, before the section


#: The municipal documents yobo's rules come from (shared/domain.md, table of seeds;
#: titles as printed at the head of each seed file; seed 000 is a flow chart headed
#: 「業務の流れ」, its steps numbered 1–19 — cited as 手順N).
SEEDS = {
    "000": Seed("舟形町", "業務の流れ", "業務の流れ"),
    "001": Seed("幸田町", "予防給付ケアマネジメントのプロセス（居宅介護支援事業所へ委託する場合）",
                "予防給付ケアマネジメントのプロセス"),
    "002": Seed("鈴鹿亀山地区広域連合", "介護予防支援・介護予防ケアマネジメント業務マニュアル【第1版】", "業務マニュアル"),
    "003": Seed("豊島区", "令和6年10月～介護予防支援業務（居宅指定）の運用におけるモデル実施について",
                "介護予防支援業務（居宅指定）のモデル実施"),
    "004": Seed("水戸市", "指定介護予防支援事業所の指定を受けた際の事務手続きについて", "指定を受けた際の事務手続き"),
}

#: The national rules behind each section of background/national-rules.md (the texts
#: that section itself names as its legal basis).
NATIONAL = {
    "1": "国の基準：基本チェックリスト（平成27年厚生労働省告示第197号）",
    "2": "国の基準：指定介護予防支援等基準 第30条（モニタリング）",
    "2.1": "国の基準：令和6年度介護報酬改定（テレビ電話装置等によるモニタリング）",
    "3": "国の基準：要支援認定の有効期間と更新申請（介護保険法・同施行規則）",
    "4": "国の標準様式",
    "5": "国の基準：指定介護予防支援等基準 第28条（記録の保存）",
    "6": "国民の祝日に関する法律",
}
NATIONAL_DEFAULT = "国の基準"

#: shared/domain.md compares the municipal documents; its sections, by topic.
DOMAIN = {"5": "自治体資料の月次の期限（舟形町 業務の流れ 手順12〜14、鈴鹿亀山地区広域連合 業務マニュアル 資料1-9、豊島区）"}
DOMAIN_DEFAULT = "各自治体の資料の比較"

_SEED = re.compile(r"seeds?/?\s*(\d{3})(?:_[0-9a-f]+\.txt)?")
# a reference may name several sections: ``national-rules.md §2・§2.1``
_SECTIONS = r"((?:\s*[・,、]?\s*§\s*[\d.]+)*)"
_NATIONAL = re.compile(r"(?:background/)?national-rules\.md" + _SECTIONS)
_DOMAIN = re.compile(r"(?:shared/)?domain\.md" + _SECTIONS)


def _seed(match: re.Match) -> str:
    seed = SEEDS.get(match.group(1))
    return f"{seed.municipality} {seed.short}" if seed else match.group(0)


def _sections(table: dict[str, str], default: str, sections: str) -> str:
    labels = []
    for section in re.findall(r"§\s*([\d.]+)", sections) or [""]:
        section = section.rstrip(".")
        # §2.2 falls back to §2: a subsection shares its section's legal basis
        while section and section not in table:
            section = section.rpartition(".")[0]
        label = table.get(section, default)
        if label not in labels:
            labels.append(label)
    return "・".join(labels)


@lru_cache(maxsize=1024)
def label_source(ref: str) -> str:
    """The readable 出典 of a rule reference: ``seed 002 資料1-7; seed 000 手順15`` →
    ``鈴鹿亀山地区広域連合 業務マニュアル 資料1-7、舟形町 業務の流れ 手順15``.  What the
    tables do not know is left as written (a hand-written profile may cite anything)."""
    if not ref:
        return ""
    text = _SEED.sub(_seed, ref)
    text = _NATIONAL.sub(lambda m: _sections(NATIONAL, NATIONAL_DEFAULT, m.group(1)), text)
    text = _DOMAIN.sub(lambda m: _sections(DOMAIN, DOMAIN_DEFAULT, m.group(1)), text)
    return re.sub(r"\s*;\s*", "、", text).strip()
