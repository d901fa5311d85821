"""Custody (原本/写し) walked through each seed's flow, checked after every step.

The expected holders are typed from the seed texts in shared/seeds/, each with the
line it comes from — never from what yobo prints.  After every step the whole
ledger is compared, so a row nobody handed over (a "ghost") fails too.

Holders: kyotaku＝居宅, hokatsu＝包括, user＝利用者, providers＝サービス事業所,
town＝保険者 (町・広域連合・区).  Keys: a yobo document by its path in the case
folder, a paper by its code, a contract paper by ``code#party`` (whose contract).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ANSWERS, NEW_CASE, PLAN, STAFF, assert_one_line_error, basic_info, flags, snapshot

HOKATSU = "包括 花子"


class Flow:
    """One case of one profile, driven through Typer's runner; ``state`` is what the seed
    says the ledger must be, compared whole (:meth:`check`) after each step."""

    def __init__(self, cli, tmp_path: Path, profile: str, **case):
        self.cli, self.root = cli, tmp_path / f"cb-{profile}"
        self.run("init", str(self.root), "--office-name", "さくら居宅", "--office-kind", "kyotaku",
                 "--office-no", "1234567890", "--profile", profile, "--staff", STAFF, at=False)
        self.run("staff", "add", HOKATSU, "--party", "hokatsu")
        options = dict(NEW_CASE, **{"--cert-from": "2026-11-01", "--cert-to": "2028-10-31"})
        options.update(case)
        self.case = self.run("case", "new", *flags(options)).strip().splitlines()[-1]
        self.folder = f"cases/{self.case[:2]}/{self.case}/"
        self.state: dict[str, tuple] = {}
        for name, text in (("basic.yaml", basic_info()), ("plan.yaml", PLAN)):
            (tmp_path / name).write_text(text, encoding="utf-8")
        self.files = tmp_path
        (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4 scan")

    def run(self, *args: str, who: str | None = STAFF, day: str = "2027-06-30", at: bool = True) -> str:
        extra = ("-C", str(self.root), *(("--as", who) if who else ())) if at else ()
        result = self.cli(*args, *extra, env={"YOBO_TODAY": day})
        assert result.code == 0, (args, result.stderr)
        return result.stdout

    def survey(self, day: str) -> None:
        """The 認定調査票・主治医意見書 写し from the 保険者, attached as a scan on ``day``."""
        self.run("attach", self.case, "survey-and-opinion", str(self.files / "scan.pdf"), "--copy", "--date", day,
                 day=day)

    def assess(self, day: str, *, info: bool = True) -> None:
        """The 基本チェックリスト and (``info``) the 利用者基本情報, both recorded on ``day``."""
        self.run("checklist", "record", self.case, "--answers", ANSWERS, "--height-cm", "150", "--weight-kg", "45",
                 "--date", day, day=day)
        if info:
            self.run("info", "set", self.case, "--file", str(self.files / "basic.yaml"), "--date", day, day=day)

    def expect(self, key: str, original: str | None, *copies: str) -> None:
        """What the seed says about one paper now: who holds the 原本, who holds 写し."""
        self.state[key] = (original, tuple(sorted(set(copies))))

    def holdings(self) -> dict[str, tuple]:
        shown = json.loads(self.run("case", "show", self.case, "--json", who=None))
        out = {}
        for h in shown["custody"]:
            key = h["ref"].removeprefix(self.folder) if h["ref"] else h["doc"]
            if "#" in key:
                key = f"{h['doc']}#{key.rsplit('#', 1)[1]}"
            out[key] = (h["original"], tuple(h["copies"]))
        return out

    def check(self) -> None:
        assert self.holdings() == self.state

    def validate(self) -> None:
        """Every record written on the way passes its schema and the rules."""
        result = self.cli("validate", "-C", str(self.root), env={"YOBO_TODAY": "2027-06-30"})
        assert result.code in (0, 1), result.stderr
        assert "schema" not in result.stdout + result.stderr, result.stdout

    def refused(self, *args: str, needle: str, who: str = STAFF, day: str = "2027-06-30") -> None:
        """A step refused with one line naming ``needle``; nothing written."""
        before = snapshot(self.root)
        result = self.cli(*args, "-C", str(self.root), "--as", who, env={"YOBO_TODAY": day})
        assert_one_line_error(result, needle)
        assert snapshot(self.root) == before


# -- seed 000 舟形町 (委託) --------------------------------------------------------------------------


def test_seed_000_funagata(cli, tmp_path):
    f = Flow(cli, tmp_path, "funagata")
    P1 = "plans/P1/plan.yaml"

    # 手順3 — line 21–23「作成した「重要事項説明書」、「介護予防支援等契約」、「計画書作成依頼届出書」を居宅へ渡し、
    # …（原本）を保管する」(包括); line 25–27「…包括に書類を戻す。（写しを保管。）」(居宅); line 67–77
    # 「（すべて原本で保管）」「（すべて写しで保管）」; line 17–18 個人情報使用同意書 (no copy named)
    f.run("contract", "record", f.case, "--date", "2026-11-10", day="2026-11-10")
    f.expect("important-matters#hokatsu", "hokatsu", "kyotaku")
    f.expect("contract#hokatsu", "hokatsu", "kyotaku")
    f.expect("request-form#hokatsu", "hokatsu", "kyotaku")
    f.expect("privacy-consent#hokatsu", "hokatsu")
    f.check()

    # 手順4 — line 37「認定調査票（写し）および主治医意見書（写し）を町から取り寄せる」
    f.survey("2026-11-10")
    f.expect("survey-and-opinion", "town", "kyotaku")
    f.check()
    # 手順4 — line 38–39 利用者基本情報・基本チェックリストを作成する; line 55–56「利用者基本情報（原本）
    # 基本チェックリスト（原本）」(居宅の列)
    f.assess("2026-11-10")
    f.expect("checklists/2026-11-10.yaml", "kyotaku")
    f.expect("basic-info/2026-11-10.yaml", "kyotaku")
    f.check()
    # 手順5 — line 47–48 原案を作成し
    f.run("plan", "draft", f.case, "--start", "2026-12-01", "--end", "2027-05-31", "--file",
          str(f.files / "plan.yaml"), "--date", "2026-11-20", day="2026-11-20")
    f.expect(P1, "kyotaku")
    f.check()

    # 手順5 — line 45–46「利用者基本情報（写し）と基本チェックリスト（写し）をセンターに提出する」; line 61–65
    # (包括の列)「利用者基本情報（写し）」「基本チェックリスト（写し）」「ケアプラン原案（原本）」
    f.run("submit", "hokatsu", f.case, "--occasion", "draft", "--date", "2026-11-22", day="2026-11-22")
    f.expect("basic-info/2026-11-10.yaml", "kyotaku", "hokatsu")
    f.expect("checklists/2026-11-10.yaml", "kyotaku", "hokatsu")
    f.expect(P1, "hokatsu", "kyotaku")
    f.check()
    # 手順6 on the same day (line 92–93「５，６の手続きは担当者会議に時に行ってもよい」) — line 86「意見欄に意見を
    # 記入し、居宅へ渡す」; line 138–139「ケアプラン原案（原本）（センター職員氏名、意見入り）」 back with the 居宅
    f.run("review", "plan", f.case, "--date", "2026-11-22", who=HOKATSU, day="2026-11-22")
    f.expect(P1, "kyotaku")
    f.check()

    # 手順7 — line 101–102「担当者会議の要点について包括へ報告する。（包括が担当者会議に参加する際は提出不可）」
    f.run("meeting", "record", f.case, "--attendee", "佐藤 一郎:本人", "--date", "2026-11-22", day="2026-11-22")
    M1 = "plans/P1/meetings/2026-11-22.yaml"
    f.expect(M1, "kyotaku")
    f.check()
    f.run("submit", "hokatsu", f.case, "--occasion", "meeting", "--date", "2026-11-24", day="2026-11-24")
    f.expect(M1, "kyotaku", "hokatsu")  # line 158 (包括の列)「・担当者会議の要点」
    f.check()

    # 手順8・9 — line 125・153 サービス提供事業者「ケアプラン（写し）を保管する」; the user's copy is the national
    # rule (seed 001 line 13)
    # the plan places 通所リハ, a 医療系サービス: the 主治医's instruction first (seed 002 I-1(3))
    f.run("doctor", "confirm", f.case, "--service", "通所リハ", "--method", "電話", "--doctor", "〇〇 医師",
          "--date", "2026-11-24", day="2026-11-24")
    f.run("plan", "agree", f.case, "--signer", "佐藤 一郎", "--date", "2026-11-25", day="2026-11-25")
    f.expect(P1, "kyotaku", "providers", "user")
    f.check()
    # 手順9・10 — line 118・141 包括「ケアプラン（写し）を保管する」; line 146 居宅「ケアプラン（原本）」;
    # line 135「サービス利用票・別票を本人と包括へ」
    f.refused("submit", "hokatsu", f.case, "--occasion", "new-contract", needle="usage-ticket", day="2026-11-26")
    f.run("submit", "hokatsu", f.case, "--occasion", "new-contract", "--paper", "usage-ticket", "--date",
          "2026-11-26", day="2026-11-26")
    f.expect(P1, "kyotaku", "hokatsu", "providers", "user")
    f.expect("usage-ticket", "kyotaku", "hokatsu")
    f.check()

    # 手順11 — line 176–178「計画書の写しを利用者及び担当ケアマネジャーに渡す」; line 209 事業所「（原本）」
    f.run("plan", "start", f.case, "--date", "2026-12-01", day="2026-12-01")
    f.run("attach", f.case, "service-plan", str(f.files / "scan.pdf"), "--copy", "--date", "2026-12-05",
          day="2026-12-05")
    f.expect("service-plan", "providers", "kyotaku")
    f.check()
    # 手順11 — line 167「事業所から提出を受けた、個別サービス計画書を包括に提出する」; line 220–221 (包括の列)
    # 「個別サービス支援計画書（写し）」: recorded as the 包括's copy
    f.run("attach", f.case, "service-plan", str(f.files / "scan.pdf"), "--copy", "--holder", "hokatsu",
          "--date", "2026-12-05", day="2026-12-05")
    f.expect("service-plan", "providers", "hokatsu", "kyotaku")
    f.check()

    # 手順16 — line 251–255「介護予防支援サービス評価表に記入して包括へ渡す」「同時に介護予防支援計画記録（写し）
    # 及び事業所からの個別サービス支援計画評価表（写し）包括へ渡す」
    f.run("note", "add", f.case, "--text", "通所開始を確認", "--date", "2026-12-10", day="2026-12-10")
    f.run("evaluate", f.case, "--decision", "change", "--next-route", "yobo", "--date", "2027-05-20",
          day="2027-05-20")
    EV = "plans/P1/evaluation.yaml"
    f.expect(EV, "kyotaku")
    f.check()
    f.run("submit", "hokatsu", f.case, "--occasion", "evaluation", "--paper", "provider-evaluation",
          "--date", "2027-05-21", day="2027-05-21")
    f.expect(EV, "hokatsu", "kyotaku")  # line 275 (包括の列)「介護予防サービス評価表（原本）」
    f.expect("notes", "kyotaku", "hokatsu")  # line 276「介護予防支援経過記録（写し）」
    # line 262–264 事業所「評価表（原本）を保管し、（写し）を担当ケアマネジャーに渡す」; line 277 包括「（写し）」
    f.expect("provider-evaluation", "providers", "hokatsu")
    f.check()
    # line 246–248「（写し）を保管し（原本）を居宅へ渡す」
    f.run("review", "evaluation", f.case, "--date", "2027-05-25", who=HOKATSU, day="2027-05-25")
    f.expect(EV, "kyotaku", "hokatsu")
    f.check()

    # 手順19 → 更新 — line 33–34「更新の際は、変更があれば写しを包括に提出ください」: only the 基本情報's copy;
    # the 評価表 原本 stays with the 居宅 and no row appears that nobody handed over
    f.run("submit", "hokatsu", f.case, "--occasion", "renewal", "--date", "2027-05-26", day="2027-05-26")
    f.check()
    f.validate()


def test_seed_000_no_meeting_report_when_the_hokatsu_attended(cli, tmp_path):
    f = Flow(cli, tmp_path, "funagata")
    f.run("plan", "draft", f.case, "--start", "2026-12-01", "--end", "2027-05-31", "--date", "2026-11-20",
          day="2026-11-20")
    f.run("meeting", "record", f.case, "--attendee", "佐藤 一郎:本人", "--hokatsu-attended", "--date", "2026-11-22",
          day="2026-11-22")
    f.expect("plans/P1/plan.yaml", "kyotaku")
    f.expect("plans/P1/meetings/2026-11-22.yaml", "kyotaku")
    f.check()
    # seed 000 line 101–102「（包括が担当者会議に参加する際は提出不可）」
    f.refused("submit", "hokatsu", f.case, "--occasion", "meeting", needle="出席", day="2026-11-23")


# -- seed 001 幸田町 (委託) --------------------------------------------------------------------------


def test_seed_001_kota(cli, tmp_path):
    f = Flow(cli, tmp_path, "kota")
    P1 = "plans/P1/plan.yaml"
    # line 7「契約書及び重要事項説明書を交付・説明し、同意を得る ・個人情報の取扱いに対する同意を得る
    # ・介護予防サービス計画作成依頼届出書を幸田町へ提出」; line 8「個人情報の同意書(写)等必要書類を送付し」
    f.run("contract", "record", f.case, "--date", "2026-11-10", day="2026-11-10")
    f.expect("contract#hokatsu", "hokatsu", "user")
    f.expect("important-matters#hokatsu", "hokatsu", "user")
    f.expect("privacy-consent#hokatsu", "hokatsu", "kyotaku")
    f.expect("request-form#hokatsu", "town")
    f.check()
    # line 6「幸田町から認定調査結果、主治医意見書等を入手する」; line 8「認定情報(写)、主治医意見書(写)」を居宅へ
    f.survey("2026-11-10")
    f.expect("survey-and-opinion", "town", "kyotaku")
    f.check()
    f.assess("2026-11-12", info=False)
    f.run("plan", "draft", f.case, "--start", "2026-12-01", "--end", "2027-05-31", "--date", "2026-11-20",
          day="2026-11-20")
    f.expect("checklists/2026-11-12.yaml", "kyotaku")
    f.expect(P1, "kyotaku")
    f.check()
    # line 9「原案を作成しセンターに渡す」; line 19「基本チェックリスト」「介護予防ケアプラン(原案)」⇒ センター
    f.run("submit", "hokatsu", f.case, "--occasion", "draft", "--date", "2026-11-21", day="2026-11-21")
    f.expect("checklists/2026-11-12.yaml", "kyotaku", "hokatsu")
    f.expect(P1, "hokatsu", "kyotaku")
    f.check()
    # line 10「⇒ 介護予防ケアプラン(原案) センター名欄に意見あり」(居宅の列)
    f.run("review", "plan", f.case, "--date", "2026-11-22", who=HOKATSU, day="2026-11-22")
    f.expect(P1, "kyotaku")
    f.check()
    # line 11 (包括の列)「⇒ サービス担当者会議の記録(写) サービス担当者会議の記録(写)を保管する」
    f.run("meeting", "record", f.case, "--attendee", "佐藤 一郎:本人", "--date", "2026-11-23", day="2026-11-23")
    M1 = "plans/P1/meetings/2026-11-23.yaml"
    f.expect(M1, "kyotaku")
    f.check()
    f.run("submit", "hokatsu", f.case, "--occasion", "meeting", "--date", "2026-11-24", day="2026-11-24")
    f.expect(M1, "kyotaku", "hokatsu")
    f.check()
    # line 13「利用者及びサービス担当者等に介護予防ケアプラン(写)を渡す」
    # the plan places 通所リハ, a 医療系サービス: the 主治医's instruction first (seed 002 I-1(3))
    f.run("doctor", "confirm", f.case, "--service", "通所リハ", "--method", "電話", "--doctor", "〇〇 医師",
          "--date", "2026-11-24", day="2026-11-24")
    f.run("plan", "agree", f.case, "--signer", "佐藤 一郎", "--date", "2026-11-25", day="2026-11-25")
    f.expect(P1, "kyotaku", "providers", "user")
    f.check()
    # line 13「センターへ(原本)を渡す ・介護予防ケアプラン(写)を保管する」; 包括「介護予防ケアプラン(原本)を保管する」
    f.run("submit", "hokatsu", f.case, "--occasion", "new-contract", "--date", "2026-11-26", day="2026-11-26")
    f.expect(P1, "hokatsu", "kyotaku", "providers", "user")
    f.check()
    # line 18「介護予防支援・サービス評価表に記入してセンターへ渡す ・同時に介護予防支援経過記録(写)をセンターへ
    # 渡し、(原本)を保管する」
    f.run("plan", "start", f.case, "--date", "2026-12-01", day="2026-12-01")
    f.run("note", "add", f.case, "--text", "通所開始を確認", "--date", "2026-12-10", day="2026-12-10")
    f.run("evaluate", f.case, "--decision", "change", "--next-route", "yobo", "--date", "2027-05-20",
          day="2027-05-20")
    f.run("submit", "hokatsu", f.case, "--occasion", "evaluation", "--date", "2027-05-21", day="2027-05-21")
    EV = "plans/P1/evaluation.yaml"
    f.expect(EV, "hokatsu", "kyotaku")
    f.expect("notes", "kyotaku", "hokatsu")
    f.check()
    # line 18 (包括の列)「(原本)を保管し(写)を居宅へ渡す」
    f.run("review", "evaluation", f.case, "--date", "2027-05-25", who=HOKATSU, day="2027-05-25")
    f.check()


# -- seed 002 鈴鹿亀山 (委託; 資料1 and 資料5) -------------------------------------------------------


def test_seed_002_suzuka_kameyama(cli, tmp_path):
    f = Flow(cli, tmp_path, "suzuka-kameyama")
    P1 = "plans/P1/plan.yaml"
    # 資料1-2 line 606 利用者「同意の署名を行う。○ 1部控えを受取る。」; 包括「利用契約書にて利用者と契約締結する」
    # 「広域へ居宅（介護予防）サービス計画作成依頼（変更）届出書に被保険者証…を添付し提出する」
    f.run("contract", "record", f.case, "--date", "2026-11-10", day="2026-11-10")
    f.expect("contract#hokatsu", "hokatsu", "user")
    f.expect("important-matters#hokatsu", "hokatsu", "user")
    f.expect("privacy-consent#hokatsu", "hokatsu", "user")
    f.expect("request-form#hokatsu", "town")
    f.check()
    # 資料1-2 line 606「広域より被保険者証・認定調査票・主治医意見書を受け取り、内容を確認後居宅へ渡す」
    f.survey("2026-11-11")
    f.expect("survey-and-opinion", "town", "kyotaku")
    f.check()
    f.assess("2026-11-12")
    f.run("plan", "draft", f.case, "--start", "2026-12-01", "--end", "2027-05-31", "--file",
          str(f.files / "plan.yaml"), "--date", "2026-11-20", day="2026-11-20")
    CL, BI = "checklists/2026-11-12.yaml", "basic-info/2026-11-12.yaml"
    f.expect(CL, "kyotaku")
    f.expect(BI, "kyotaku")
    f.expect(P1, "kyotaku")
    f.check()
    # 資料1-3 line 609「包括へ利用者基本情報、基本チェックリスト、ケアプラン原案を提出する」「包括より確認済の
    # ケアプラン原案を受け取る」; 包括「…確認者氏名を記載して居宅へ返却する」 — both on one day
    f.run("submit", "hokatsu", f.case, "--occasion", "draft", "--date", "2026-11-21", day="2026-11-21")
    f.expect(CL, "kyotaku", "hokatsu")
    f.expect(BI, "kyotaku", "hokatsu")
    f.expect(P1, "hokatsu", "kyotaku")
    f.check()
    f.run("review", "plan", f.case, "--date", "2026-11-21", who=HOKATSU, day="2026-11-21")
    f.expect(P1, "kyotaku")
    f.check()
    f.run("meeting", "record", f.case, "--attendee", "佐藤 一郎:本人", "--date", "2026-11-22", day="2026-11-22")
    M1 = "plans/P1/meetings/2026-11-22.yaml"
    f.expect(M1, "kyotaku")
    # 資料1-5 line 613「サービス事業所・利用者へケアプラン(写)を提出する」
    # the plan places 通所リハ, a 医療系サービス: the 主治医's instruction first (seed 002 I-1(3))
    f.run("doctor", "confirm", f.case, "--service", "通所リハ", "--method", "電話", "--doctor", "〇〇 医師",
          "--date", "2026-11-24", day="2026-11-24")
    f.run("plan", "agree", f.case, "--signer", "佐藤 一郎", "--date", "2026-11-25", day="2026-11-25")
    # 資料1-3 line 609「当該意見を踏まえて作成したケアプランについては、意見を求めた主治医に交付する」
    f.expect(P1, "kyotaku", "doctor", "providers", "user")
    f.check()
    # 資料1-5 line 613「包括へケアプラン原本(利用者署名あり)・利用票・利用票別表を提出する。(写しを居宅が保管する。)」;
    # 資料5 新規契約時「利用者基本情報」「基本チェックリスト」「計画書【原本】」「サービス利用票・別表」
    f.run("submit", "hokatsu", f.case, "--occasion", "new-contract", "--paper", "usage-ticket", "--date",
          "2026-11-26", day="2026-11-26")
    f.expect(P1, "hokatsu", "doctor", "kyotaku", "providers", "user")
    f.expect("usage-ticket", "kyotaku", "hokatsu")
    f.check()
    # 資料5 評価時「介護予防支援経過記録」「サービス担当者会議の記録」「評価表【原本】」「基本チェックリスト」
    # 「計画書【原本】」 — the 計画書 原本 is with the 包括 already, so it is not handed over again
    f.run("plan", "start", f.case, "--date", "2026-12-01", day="2026-12-01")
    f.run("note", "add", f.case, "--text", "通所開始を確認", "--date", "2026-12-10", day="2026-12-10")
    f.run("evaluate", f.case, "--decision", "change", "--next-route", "yobo", "--date", "2027-05-20",
          day="2027-05-20")
    EV = "plans/P1/evaluation.yaml"
    f.run("submit", "hokatsu", f.case, "--occasion", "evaluation", "--date", "2027-05-21", day="2027-05-21")
    f.expect(EV, "hokatsu", "kyotaku")
    f.expect("notes", "kyotaku", "hokatsu")
    f.expect(M1, "kyotaku", "hokatsu")
    f.check()
    # 資料1-8 line 621「「原本」を保管し、「写し」を居宅へ渡す」
    f.run("review", "evaluation", f.case, "--date", "2027-05-25", who=HOKATSU, day="2027-05-25")
    f.check()
    # 資料5 認定更新時 lists 評価表【原本】: it is with the 包括 since 資料1-8 — no ghost row, not moved back
    out = f.run("submit", "hokatsu", f.case, "--occasion", "renewal", "--json", "--date", "2027-05-26",
                day="2027-05-26")
    assert "evaluation" not in {h["doc"] for h in json.loads(out)["handovers"]}
    f.check()

    # 区分変更時 on the next plan, not yet evaluated: its 評価表 does not exist, so none is handed over
    f.run("plan", "draft", f.case, "--start", "2027-06-01", "--end", "2027-11-30", "--date", "2027-05-28",
          day="2027-05-28")
    P2 = "plans/P2/plan.yaml"
    f.expect(P2, "kyotaku")
    f.run("cert", "add", f.case, "--level", "要支援2", "--from", "2027-06-10", "--pending", "--applied-on",
          "2027-06-10", day="2027-06-15")
    f.refused("submit", "hokatsu", f.case, "--occasion", "level-change", needle="survey-and-opinion", day="2027-06-15")
    out = f.run("submit", "hokatsu", f.case, "--occasion", "level-change", "--paper", "survey-and-opinion",
                "--json", "--date", "2027-06-15", day="2027-06-15")
    assert [h["doc"] for h in json.loads(out)["handovers"]] == ["progress-notes", "survey-and-opinion"]
    f.expect("survey-and-opinion", "town", "hokatsu", "kyotaku")
    f.check()

    # 資料1-10 line 627「包括へ終了の連絡をし、全ての帳票類を返還する。○ 包括へ返還しない各帳票類の写し等は破棄する。」
    f.run("submit", "hokatsu", f.case, "--occasion", "termination", "--without", "survey-and-opinion",
          "--date", "2027-06-20", day="2027-06-20")
    for key in (CL, BI, M1, P2):
        f.expect(key, "hokatsu", *[c for c in f.state[key][1] if c not in ("kyotaku", "hokatsu")])
    f.expect("usage-ticket", "hokatsu")
    f.expect("notes", "hokatsu")
    f.expect(P1, "hokatsu", "doctor", "providers", "user")
    f.expect(EV, "hokatsu")
    f.expect("survey-and-opinion", "town", "hokatsu")
    f.check()
    f.validate()


# -- seed 003 豊島区 (再委託 and 居宅指定) -----------------------------------------------------------


def test_seed_003_toshima_itaku(cli, tmp_path):
    f = Flow(cli, tmp_path, "toshima")
    P1 = "plans/P1/plan.yaml"
    # line 33 再委託「本人家族⇔包括」「包括」; line 34「包括が高齢者福祉課へ提出」
    f.run("contract", "record", f.case, "--date", "2026-11-10", day="2026-11-10")
    for doc in ("contract", "important-matters", "privacy-consent"):
        f.expect(f"{doc}#hokatsu", "hokatsu")
    f.expect("request-form#hokatsu", "town")
    f.check()
    f.assess("2026-11-12", info=False)
    f.run("plan", "draft", f.case, "--start", "2026-12-01", "--end", "2027-05-31", "--date", "2026-11-20",
          day="2026-11-20")
    CL = "checklists/2026-11-12.yaml"
    f.expect(CL, "kyotaku")
    f.expect(P1, "kyotaku")
    # line 38「原案は包括で事前確認を受ける」
    f.run("submit", "hokatsu", f.case, "--occasion", "draft", "--date", "2026-11-21", day="2026-11-21")
    f.expect(CL, "kyotaku", "hokatsu")
    f.expect(P1, "hokatsu", "kyotaku")
    f.check()
    f.run("review", "plan", f.case, "--date", "2026-11-21", who=HOKATSU, day="2026-11-21")
    f.expect(P1, "kyotaku")
    f.check()
    # line 41 サービス担当者会議の要点(E表別紙)「記録後包括に提出」
    f.run("meeting", "record", f.case, "--attendee", "佐藤 一郎:本人", "--date", "2026-11-22", day="2026-11-22")
    M1 = "plans/P1/meetings/2026-11-22.yaml"
    f.run("submit", "hokatsu", f.case, "--occasion", "meeting", "--date", "2026-11-23", day="2026-11-23")
    f.expect(M1, "kyotaku", "hokatsu")
    f.check()
    # the plan places 通所リハ, a 医療系サービス: the 主治医's instruction first (seed 002 I-1(3))
    f.run("doctor", "confirm", f.case, "--service", "通所リハ", "--method", "電話", "--doctor", "〇〇 医師",
          "--date", "2026-11-24", day="2026-11-24")
    f.run("plan", "agree", f.case, "--signer", "佐藤 一郎", "--date", "2026-11-25", day="2026-11-25")
    f.expect(P1, "kyotaku", "providers", "user")
    # line 38「サービス担当者会議後の確定プラン(写)を包括に提出」; line 39 利用票「初回と変更時は必須」
    f.run("submit", "hokatsu", f.case, "--occasion", "new-contract", "--paper", "usage-ticket", "--date",
          "2026-11-26", day="2026-11-26")
    f.expect(P1, "kyotaku", "hokatsu", "providers", "user")
    f.expect("usage-ticket", "kyotaku", "hokatsu")
    f.check()
    # line 44 評価表(F表)「原本に包括のコメントを記入後、(写)を包括に提出」
    f.run("plan", "start", f.case, "--date", "2026-12-01", day="2026-12-01")
    f.run("evaluate", f.case, "--decision", "end", "--next-route", "ippan", "--date", "2027-05-20", day="2027-05-20")
    EV = "plans/P1/evaluation.yaml"
    f.run("submit", "hokatsu", f.case, "--occasion", "evaluation", "--date", "2027-05-21", day="2027-05-21")
    f.expect(EV, "hokatsu", "kyotaku")
    f.check()
    f.run("review", "evaluation", f.case, "--date", "2027-05-22", who=HOKATSU, day="2027-05-22")
    f.expect(EV, "kyotaku", "hokatsu")
    f.check()
    # line 49 台帳管理「すべての帳票の原本」「委託終了時には左記の帳票を包括に返却。」
    f.run("submit", "hokatsu", f.case, "--occasion", "termination", "--date", "2027-05-31", day="2027-05-31")
    for key in (CL, P1, M1, EV, "usage-ticket"):
        f.expect(key, "hokatsu", *[c for c in f.state[key][1] if c != "hokatsu"] + ["kyotaku"])
    f.check()


def test_seed_003_toshima_shitei(cli, tmp_path):
    f = Flow(cli, tmp_path, "toshima", **{"--mode": "shitei"})
    P1 = "plans/P1/plan.yaml"
    # line 33「同時契約」: 居宅・包括がそれぞれ利用者と契約する; line 34「居宅は介護保険課 給付Gへ提出・包括に
    # おいても届出(受付日・開始日は未記入)を作成し、保管」
    f.run("contract", "record", f.case, "--date", "2026-11-10", day="2026-11-10")
    for doc in ("contract", "important-matters", "privacy-consent"):
        f.expect(f"{doc}#kyotaku", "kyotaku")
        f.expect(f"{doc}#hokatsu", "hokatsu")
    f.expect("request-form#kyotaku", "town")
    f.expect("request-form#hokatsu", "hokatsu")
    f.check()
    f.run("plan", "draft", f.case, "--start", "2026-12-01", "--end", "2027-05-31", "--date", "2026-11-20",
          day="2026-11-20")
    f.expect(P1, "kyotaku")
    f.run("meeting", "record", f.case, "--attendee", "佐藤 一郎:本人", "--date", "2026-11-22", day="2026-11-22")
    f.expect("plans/P1/meetings/2026-11-22.yaml", "kyotaku")
    # the plan places 通所リハ, a 医療系サービス: the 主治医's instruction first (seed 002 I-1(3))
    f.run("doctor", "confirm", f.case, "--service", "通所リハ", "--method", "電話", "--doctor", "〇〇 医師",
          "--date", "2026-11-24", day="2026-11-24")
    f.run("plan", "agree", f.case, "--signer", "佐藤 一郎", "--date", "2026-11-25", day="2026-11-25")
    f.expect(P1, "kyotaku", "providers", "user")
    f.check()
    # line 38 居宅指定「居宅管理 (初回・更新時・区分変更時のケアプランを包括に提出)」: the 包括 gets a copy,
    # the 居宅 keeps the 原本
    f.run("submit", "hokatsu", f.case, "--occasion", "new-contract", "--without", "usage-ticket", "--date",
          "2026-11-26", day="2026-11-26")
    f.expect(P1, "kyotaku", "hokatsu", "providers", "user")
    f.check()
    # line 44 評価表(F表) 居宅指定「居宅」; line 49 台帳管理 居宅指定「居宅」: nothing goes back at the end
    f.run("plan", "start", f.case, "--date", "2026-12-01", day="2026-12-01")
    f.run("evaluate", f.case, "--decision", "end", "--next-route", "ippan", "--date", "2027-05-20", day="2027-05-20")
    f.expect("plans/P1/evaluation.yaml", "kyotaku")
    f.check()
    f.refused("submit", "hokatsu", f.case, "--occasion", "termination", needle="渡す書類がありません", day="2027-05-31")


# -- seed 004 水戸市 (指定) -------------------------------------------------------------------------


def test_seed_004_mito_shitei(cli, tmp_path):
    f = Flow(cli, tmp_path, "mito", **{"--mode": "shitei"})
    P1 = "plans/P1/plan.yaml"
    # line 49「指定支援事業者が利用者と直接契約を行います。」; line 57「水戸市も利用者と介護予防ケアマネジメントの
    # 契約を行います。」(新規ケース); line 69–71 作成依頼（変更）届を包括へ提出
    f.run("contract", "record", f.case, "--signed-with", "both", "--date", "2026-11-10", day="2026-11-10")
    for doc in ("contract", "important-matters", "privacy-consent"):
        f.expect(f"{doc}#kyotaku", "kyotaku")
    f.expect("contract#hokatsu", "hokatsu")
    f.expect("request-form#kyotaku", "hokatsu")
    f.check()
    f.run("info", "set", f.case, "--file", str(f.files / "basic.yaml"), "--date", "2026-11-12", day="2026-11-12")
    f.run("plan", "draft", f.case, "--start", "2026-12-01", "--end", "2027-05-31", "--date", "2026-11-20",
          day="2026-11-20")
    f.run("meeting", "record", f.case, "--attendee", "佐藤 一郎:本人", "--date", "2026-11-22", day="2026-11-22")
    # the plan places 通所リハ, a 医療系サービス: the 主治医's instruction first (seed 002 I-1(3))
    f.run("doctor", "confirm", f.case, "--service", "通所リハ", "--method", "電話", "--doctor", "〇〇 医師",
          "--date", "2026-11-24", day="2026-11-24")
    f.run("plan", "agree", f.case, "--signer", "佐藤 一郎", "--date", "2026-11-25", day="2026-11-25")
    # the 区分 switches to ケアマネジメント (yobo case switch; the reason goes to the 支援経過, line 92)
    f.run("case", "switch", f.case, "--route", "cm-a", "--from", "2027-02", "--reason",
          "通所リハの利用がなく総合事業のみとなる", day="2027-02-03")
    BI = "basic-info/2026-11-12.yaml"
    f.expect(BI, "kyotaku")
    f.expect("plans/P1/meetings/2026-11-22.yaml", "kyotaku")
    f.expect(P1, "kyotaku", "providers", "user")
    f.check()
    # line 90–100「【提出書類】基本情報，ケアプラン，支援経過（…），利用票の写し」「※ケアプランは原本提出」;
    # line 69–71「作成依頼（変更）届」と「被保険者証」を包括へ
    f.refused("submit", "hokatsu", f.case, "--occasion", "route-change", needle="usage-ticket", day="2027-02-05")
    f.run("submit", "hokatsu", f.case, "--occasion", "route-change", "--paper", "usage-ticket", "--paper",
          "request-form", "--paper", "insurance-card", "--date", "2027-02-05", day="2027-02-05")
    f.expect(BI, "kyotaku", "hokatsu")
    f.expect(P1, "hokatsu", "kyotaku", "providers", "user")
    f.expect("notes", "kyotaku", "hokatsu")
    f.expect("usage-ticket", "kyotaku", "hokatsu")
    f.expect("request-form", "hokatsu", "kyotaku")
    f.expect("insurance-card", "hokatsu", "kyotaku")
    f.check()


@pytest.mark.parametrize("profile", ["funagata", "kota", "suzuka-kameyama", "toshima", "mito", "national"])
def test_a_shitei_case_keeps_its_plan_original(cli, tmp_path, profile):
    """Seed 003 line 38 居宅指定「居宅管理」: whatever the profile, a 指定 居宅's plan 原本 never goes to
    the 包括 on an ordinary submission (the user and the providers get copies)."""
    f = Flow(cli, tmp_path, profile, **{"--mode": "shitei"})
    f.run("plan", "draft", f.case, "--start", "2026-12-01", "--end", "2027-05-31", "--date", "2026-11-20",
          day="2026-11-20")
    f.run("meeting", "record", f.case, "--attendee", "佐藤 一郎:本人", "--date", "2026-11-22", day="2026-11-22")
    # the plan places 通所リハ, a 医療系サービス: the 主治医's instruction first (seed 002 I-1(3))
    f.run("doctor", "confirm", f.case, "--service", "通所リハ", "--method", "電話", "--doctor", "〇〇 医師",
          "--date", "2026-11-24", day="2026-11-24")
    f.run("plan", "agree", f.case, "--signer", "佐藤 一郎", "--date", "2026-11-25", day="2026-11-25")
    f.run("submit", "hokatsu", f.case, "--occasion", "new-contract", "--without", "usage-ticket", "--date",
          "2026-11-26", day="2026-11-26")
    plan = f.holdings()["plans/P1/plan.yaml"]
    assert plan[0] == "kyotaku" and "hokatsu" in plan[1]


def test_attach_records_who_holds_the_paper(cli, tmp_path):
    """``attach --holder``: the contract original the 包括 keeps (seed 000 line 21–23), the town's
    調査票・意見書 of which the 居宅 has a copy (seed 000 line 37), the provider's 個別サービス計画
    原本 (seed 000 line 209)."""
    f = Flow(cli, tmp_path, "funagata")
    scan = str(f.files / "scan.pdf")
    f.run("attach", f.case, "contract", scan, "--original", "--holder", "hokatsu", day="2026-11-10")
    f.expect("contract", "hokatsu")
    f.run("attach", f.case, "survey-and-opinion", scan, "--copy", day="2026-11-10")
    f.expect("survey-and-opinion", "town", "kyotaku")
    f.run("attach", f.case, "service-plan", scan, "--original", "--holder", "provider", day="2026-11-10")
    f.expect("service-plan", "providers")
    f.check()
    shown = json.loads(f.run("case", "show", f.case, "--json", who=None))
    assert all(len(h["scans"]) == 1 for h in shown["custody"])
    f.refused("attach", f.case, "contract", scan, "--original", "--holder", "村役場", needle="--holder",
              day="2026-11-10")
