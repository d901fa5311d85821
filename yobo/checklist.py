"""基本チェックリスト (the national 25-question checklist): scoring and the 事業対象者 judgement.

Source: background/national-rules.md §1.1–§1.4 (平成27年厚生労働省告示第197号
様式第一 = the checklist, 様式第二 = 事業対象者の基準).  Answers are matched by
item number, never by wording.  Pure functions: no I/O, no clock.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .errors import InputError


@dataclass(frozen=True)
class Item:
    no: int
    text: str
    domain: str
    #: the answer that scores 1 point: "y" (はい) or "n" (いいえ); None for item 12 (BMI)
    scoring_answer: str | None


#: The 25 items (national-rules.md §1.1).  いいえ scores for items 1–8, 16 and 19;
#: はい for the others; item 12 scores when BMI < 18.5.
ITEMS: tuple[Item, ...] = (
    Item(1, "バスや電車で1人で外出していますか", "life", "n"),
    Item(2, "日用品の買物をしていますか", "life", "n"),
    Item(3, "預貯金の出し入れをしていますか", "life", "n"),
    Item(4, "友人の家を訪ねていますか", "life", "n"),
    Item(5, "家族や友人の相談にのっていますか", "life", "n"),
    Item(6, "階段を手すりや壁をつたわらずに昇っていますか", "motor", "n"),
    Item(7, "椅子に座った状態から何もつかまらずに立ち上がっていますか", "motor", "n"),
    Item(8, "15分位続けて歩いていますか", "motor", "n"),
    Item(9, "この1年間に転んだことがありますか", "motor", "y"),
    Item(10, "転倒に対する不安は大きいですか", "motor", "y"),
    Item(11, "6ヵ月間で2～3kg以上の体重減少がありましたか", "nutrition", "y"),
    Item(12, "身長・体重（BMI が 18.5 未満なら該当）", "nutrition", None),
    Item(13, "半年前に比べて固いものが食べにくくなりましたか", "oral", "y"),
    Item(14, "お茶や汁物等でむせることがありますか", "oral", "y"),
    Item(15, "口の渇きが気になりますか", "oral", "y"),
    Item(16, "週に1回以上は外出していますか", "housebound", "n"),
    Item(17, "昨年と比べて外出の回数が減っていますか", "housebound", "y"),
    Item(18, "周りの人から「いつも同じ事を聞く」などの物忘れがあると言われますか", "cognition", "y"),
    Item(19, "自分で電話番号を調べて、電話をかけることをしていますか", "cognition", "n"),
    Item(20, "今日が何月何日かわからない時がありますか", "cognition", "y"),
    Item(21, "（ここ2週間）毎日の生活に充実感がない", "mood", "y"),
    Item(22, "（ここ2週間）これまで楽しんでやれていたことが楽しめなくなった", "mood", "y"),
    Item(23, "（ここ2週間）以前は楽にできていたことが今ではおっくうに感じられる", "mood", "y"),
    Item(24, "（ここ2週間）自分が役に立つ人間だと思えない", "mood", "y"),
    Item(25, "（ここ2週間）わけもなく疲れたような感じがする", "mood", "y"),
)

#: Domain code → (Japanese label, item numbers).  JSON keys of the scores.
DOMAINS: dict[str, tuple[str, tuple[int, ...]]] = {
    "life": ("生活（IADL）", (1, 2, 3, 4, 5)),
    "motor": ("運動器", (6, 7, 8, 9, 10)),
    "nutrition": ("栄養", (11, 12)),
    "oral": ("口腔", (13, 14, 15)),
    "housebound": ("閉じこもり", (16, 17)),
    "cognition": ("認知（物忘れ）", (18, 19, 20)),
    "mood": ("うつ", (21, 22, 23, 24, 25)),
}

#: The plan form's row 「基本チェックリストの（該当した質問項目数）／（質問項目数）」
#: (national-rules.md §1.4): program label for each domain but 生活.
PROGRAMS: dict[str, str] = {
    "motor": "運動不足",
    "nutrition": "栄養改善",
    "oral": "口腔内ケア",
    "housebound": "閉じこもり予防",
    "cognition": "物忘れ予防",
    "mood": "うつ予防",
}

#: 事業対象者の判定基準 ①–⑦ (様式第二; national-rules.md §1.3): (label, items, threshold).
CRITERIA: dict[int, tuple[str, tuple[int, ...], int]] = {
    1: ("No.1～20 のうち10項目以上（複数の項目に支障）", tuple(range(1, 21)), 10),
    2: ("No.6～10 のうち3項目以上（運動機能の低下）", (6, 7, 8, 9, 10), 3),
    3: ("No.11・12 の2項目すべて（低栄養状態）", (11, 12), 2),
    4: ("No.13～15 のうち2項目以上（口腔機能の低下）", (13, 14, 15), 2),
    5: ("No.16 に該当（閉じこもり）", (16,), 1),
    6: ("No.18～20 のうち1項目以上（認知機能の低下）", (18, 19, 20), 1),
    7: ("No.21～25 のうち2項目以上（うつ病の可能性）", (21, 22, 23, 24, 25), 2),
}

#: Item 12 scores when BMI is *below* this (「18.5 未満」, national-rules.md §1.2), compared
#: exactly: a Fraction, so 160 cm and 47.36 kg (BMI exactly 18.5) does not score.
BMI_THRESHOLD = Fraction(37, 2)

#: Why a program score is unknown, as the plan form prints it beside 「?/2」.
NO_HEIGHT_WEIGHT = "身長・体重なし"
UNANSWERED = "未回答あり"


@dataclass(frozen=True)
class ChecklistResult:
    """Scores of one checklist.  A value is None where an answer it needs is missing."""

    items: tuple[int | None, ...]  # 25 item scores (0/1/None)
    bmi: float | None  # shown to one decimal (half up); item 12 uses the exact value
    domains: dict[str, int | None]
    total_1_20: int | None
    criteria: tuple[int, ...]
    jigyo_taishosha: bool | None

    def to_json(self) -> dict:
        return {**self.domains, "total_1_20": self.total_1_20, "bmi": self.bmi, "criteria": list(self.criteria),
                "jigyo_taishosha": self.jigyo_taishosha, "items": list(self.items)}


def parse_answers(text: str) -> tuple[bool | None, ...]:
    """25 answers: ``y`` はい → True, ``n`` いいえ → False, ``-`` unanswered → None.

    Position 12 must be ``-``: item 12 has no はい/いいえ, it is computed from the BMI.
    Full-width and upper-case letters are accepted.
    """
    normalized = unicodedata.normalize("NFKC", text).strip().lower().replace("ー", "-")
    if len(normalized) != 25:
        raise InputError(f"回答は25文字です（'{text}' は{len(normalized)}文字）", field="--answers")
    answers: list[bool | None] = []
    for position, char in enumerate(normalized, 1):
        if position == 12:
            if char != "-":
                raise InputError("12文字目は - にしてください（項目12は身長・体重から計算します）", field="--answers")
            answers.append(None)
        elif char in "yn":
            answers.append(char == "y")
        elif char == "-":
            answers.append(None)
        else:
            raise InputError(f"{position}文字目の '{char}' は使えません（y＝はい、n＝いいえ、-＝未回答）", field="--answers")
    return tuple(answers)


def format_answers(answers: tuple[bool | None, ...]) -> str:
    """The stored form of parsed answers (``y``/``n``/``-``)."""
    return "".join("-" if a is None else ("y" if a else "n") for a in answers)


def _exact(value: float | int | str | Decimal) -> Fraction:
    """The recorded number exactly as written: 47.36 is 4736/100, not the nearest binary float."""
    return Fraction(Decimal(str(value)))


def bmi(height_cm: float, weight_kg: float) -> Fraction:
    """Body mass index, exactly: weight ÷ height(m)² = weight × 10000 ÷ height(cm)², as a
    ratio of integers built from the recorded decimals (no floating point, so a BMI of
    exactly 18.5 stays 18.5).  Implausible values are refused."""
    height, weight = _exact(height_cm), _exact(weight_kg)
    if not 100 <= height <= 230:
        raise InputError(f"身長 {height_cm} cm は範囲外です（100〜230）", field="--height-cm")
    if not 20 <= weight <= 200:
        raise InputError(f"体重 {weight_kg} kg は範囲外です（20〜200）", field="--weight-kg")
    return weight * 10000 / (height * height)


def bmi_shown(value: Fraction) -> Decimal:
    """A BMI to one decimal, rounded half up as written by hand on the form."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def judge(items: tuple[int | None, ...]) -> tuple[tuple[int, ...], bool | None]:
    """The criteria met and the 事業対象者 judgement, three-valued (様式第二,
    national-rules.md §1.3): ``True`` when the known answers already meet a
    criterion; ``False`` when no criterion could be met whatever the unknown
    answers turn out to be; ``None`` only otherwise."""
    met, possible = [], False
    for number, (_, numbers, threshold) in CRITERIA.items():
        known = sum(items[n - 1] or 0 for n in numbers)
        unknown = sum(1 for n in numbers if items[n - 1] is None)
        if known >= threshold:
            met.append(number)
        elif known + unknown >= threshold:
            possible = True
    if met:
        return tuple(met), True
    return (), (None if possible else False)


def score(answers: tuple[bool | None, ...], *, height_cm: float | None, weight_kg: float | None) -> ChecklistResult:
    """Score every item and judge 事業対象者 (any criterion met; see :func:`judge`).

    Item 12 compares the exact BMI with 18.5, so exactly 18.5 does not score
    (「18.5 未満」) even where a rounded display would look the same; a missing
    height or weight leaves item 12 unknown rather than silently 0.
    """
    value = bmi(height_cm, weight_kg) if height_cm is not None and weight_kg is not None else None
    items: list[int | None] = []
    for item, answer in zip(ITEMS, answers):
        if item.scoring_answer is None:
            items.append(None if value is None else int(value < BMI_THRESHOLD))
        elif answer is None:
            items.append(None)
        else:
            items.append(int(answer == (item.scoring_answer == "y")))

    def total(numbers) -> int | None:
        scores = [items[n - 1] for n in numbers]
        return None if None in scores else sum(scores)

    met, judgement = judge(tuple(items))
    return ChecklistResult(
        items=tuple(items),
        bmi=float(bmi_shown(value)) if value is not None else None,
        domains={code: total(numbers) for code, (_, numbers) in DOMAINS.items()},
        total_1_20=total(range(1, 21)),
        criteria=tuple(met),
        jigyo_taishosha=judgement,
    )


def program_scores(result: ChecklistResult) -> dict[str, str]:
    """The plan form's 「該当数/質問数」 per program, e.g. ``{"motor": "3/5"}``; unknown → ``"?/5"``."""
    out = {}
    for code in PROGRAMS:
        numbers = DOMAINS[code][1]
        value = result.domains[code]
        out[code] = f"{'?' if value is None else value}/{len(numbers)}"
    return out


def unknown_reasons(result: ChecklistResult) -> dict[str, str]:
    """Why each unknown program score is unknown: ``身長・体重なし`` where only the BMI
    (item 12) is missing, ``未回答あり`` where an answer is.  Printed beside 「?/2」."""
    out = {}
    for code in PROGRAMS:
        numbers = DOMAINS[code][1]
        missing = [n for n in numbers if result.items[n - 1] is None]
        if missing:
            out[code] = NO_HEIGHT_WEIGHT if missing == [12] else UNANSWERED
    return out


def describe(result: ChecklistResult) -> str:
    """A few Japanese lines for the terminal."""
    lines = []
    for code, (label, numbers) in DOMAINS.items():
        value = result.domains[code]
        lines.append(f"{label}: {'未回答あり' if value is None else value}/{len(numbers)}")
    lines.append(f"No.1～20 の合計: {'未回答あり' if result.total_1_20 is None else result.total_1_20}/20")
    lines.append(f"BMI: {result.bmi if result.bmi is not None else '未記入（身長・体重なし）'}")
    met = "、".join("①②③④⑤⑥⑦"[n - 1] for n in result.criteria) or "なし"
    verdict = {True: "該当", False: "非該当",
               None: "未回答の項目しだいで該当するため判定できません"}[result.jigyo_taishosha]
    lines.append(f"事業対象者の基準: {met}（{verdict}）")
    return "\n".join(lines)
