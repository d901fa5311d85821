"""基本チェックリスト: every item's scoring answer and every criterion's boundary.

Expected values are typed here from background/national-rules.md §1.1 and §1.3,
not derived from yobo.checklist.ITEMS, so a wrong table fails.
"""

from __future__ import annotations

import re

import pytest

from fractions import Fraction

from yobo.checklist import ITEMS, bmi, parse_answers, program_scores, score, unknown_reasons
from yobo.errors import InputError

#: item → (answer that scores, domain), national-rules.md §1.1
SCORING = {
    1: ("n", "life"), 2: ("n", "life"), 3: ("n", "life"), 4: ("n", "life"), 5: ("n", "life"),
    6: ("n", "motor"), 7: ("n", "motor"), 8: ("n", "motor"), 9: ("y", "motor"), 10: ("y", "motor"),
    11: ("y", "nutrition"),
    13: ("y", "oral"), 14: ("y", "oral"), 15: ("y", "oral"),
    16: ("n", "housebound"), 17: ("y", "housebound"),
    18: ("y", "cognition"), 19: ("n", "cognition"), 20: ("y", "cognition"),
    21: ("y", "mood"), 22: ("y", "mood"), 23: ("y", "mood"), 24: ("y", "mood"), 25: ("y", "mood"),
}
FLIP = {"y": "n", "n": "y"}
HEALTHY = "".join("-" if n == 12 else FLIP[SCORING[n][0]] for n in range(1, 26))  # nothing scores
NORMAL_BMI = {"height_cm": 160, "weight_kg": 55}  # BMI 21.5


def with_scoring(*items: int) -> str:
    """The healthy answers with the given items answered the scoring way."""
    chars = list(HEALTHY)
    for n in items:
        chars[n - 1] = SCORING[n][0]
    return "".join(chars)


def result(*items: int, **body):
    return score(parse_answers(with_scoring(*items)), **(body or NORMAL_BMI))


def test_healthy_answers_score_nothing():
    r = result()
    assert r.total_1_20 == 0 and r.criteria == () and r.jigyo_taishosha is False
    assert all(v == 0 for v in r.domains.values())


@pytest.mark.parametrize("item", sorted(SCORING))
def test_each_item_scores_on_its_answer_in_its_domain(item):
    answer, domain = SCORING[item]
    scored = result(item)
    assert scored.items[item - 1] == 1
    assert scored.domains[domain] == 1
    assert sum(v for k, v in scored.domains.items() if k != domain) == 0
    assert ITEMS[item - 1].no == item and ITEMS[item - 1].scoring_answer == answer
    chars = list(HEALTHY)
    chars[item - 1] = FLIP[answer]
    assert score(parse_answers("".join(chars)), **NORMAL_BMI).items[item - 1] == 0


def test_item_12_scores_below_bmi_18_5_only():
    # 200 cm, 74.0 kg → BMI exactly 18.5: 「18.5 未満」 does not include it
    assert result(height_cm=200, weight_kg=74.0).items[11] == 0
    assert result(height_cm=200, weight_kg=73.99).items[11] == 1
    assert result(height_cm=200, weight_kg=74.01).items[11] == 0
    assert result(height_cm=150, weight_kg=40).bmi == 17.8
    assert result(height_cm=150, weight_kg=40).domains["nutrition"] == 1


#: Real height/weight pairs whose BMI is exactly 18.5 (weight = 18.5 × height(m)²);
#: 「18.5 未満」 (national-rules.md §1.2) so none of them scores item 12.
EXACTLY_18_5 = [(160, 47.36), (150, 41.625), (170, 53.465), (180, 59.94), (200, 74), (155, 44.44625)]


@pytest.mark.parametrize("height, weight", EXACTLY_18_5)
def test_bmi_exactly_18_5_from_recorded_values_does_not_score(height, weight):
    r = result(height_cm=height, weight_kg=weight)
    assert r.items[11] == 0 and r.bmi == 18.5 and r.domains["nutrition"] == 0
    assert bmi(height, weight) == Fraction(37, 2)


def test_bmi_is_exact_where_floating_point_is_not():
    # in binary floating point 47.36 / 1.6² is 18.499999999999996: it would score
    assert 47.36 / (1.6 * 1.6) < 18.5
    assert result(height_cm=160, weight_kg=47.36).items[11] == 0
    assert result(height_cm=160, weight_kg=47.35).items[11] == 1  # 18.496… shown 18.5, still under
    assert result(height_cm=160, weight_kg=47.35).bmi == 18.5
    assert result(height_cm="160.0", weight_kg="47.36").items[11] == 0  # decimals as written


def test_program_scores_without_height_and_weight_say_why():
    r = score(parse_answers(with_scoring(11)), height_cm=None, weight_kg=None)
    assert program_scores(r)["nutrition"] == "?/2"
    assert unknown_reasons(r) == {"nutrition": "身長・体重なし"}
    chars = list(HEALTHY)
    chars[10] = "-"
    assert unknown_reasons(score(parse_answers("".join(chars)), height_cm=None, weight_kg=None)) == {
        "nutrition": "未回答あり"}


def test_missing_height_or_weight_leaves_item_12_unknown():
    r = score(parse_answers(HEALTHY), height_cm=None, weight_kg=55)
    assert r.items[11] is None and r.domains["nutrition"] is None and r.total_1_20 is None and r.bmi is None
    # criterion ③ could still be met (item 11 scores), so no judgement yet
    r = score(parse_answers(with_scoring(11)), height_cm=None, weight_kg=None)
    assert r.jigyo_taishosha is None


LOW_BMI = {"height_cm": 150, "weight_kg": 40}


@pytest.mark.parametrize("below, at, criterion", [
    ((1, 2, 3, 4, 5, 13, 16, 17, 19), (1, 2, 3, 4, 5, 13, 16, 17, 19, 20), 1),  # ① 9 vs 10 of items 1–20
    ((6, 7), (6, 7, 8), 2),  # ② 2 vs 3 of 6–10
    ((13,), (13, 14), 4),  # ④ 1 vs 2 of 13–15
    ((), (18,), 6),  # ⑥ 0 vs 1 of 18–20
    ((21,), (21, 22), 7),  # ⑦ 1 vs 2 of 21–25
])
def test_each_criterion_at_its_boundary(below, at, criterion):
    assert criterion not in result(*below).criteria
    assert criterion in result(*at).criteria


def test_criterion_1_counts_items_1_to_20_only():
    r = result(1, 2, 3, 4, 5, 13, 17, 19, 21, 22, 23, 24, 25)
    assert r.total_1_20 == 8 and 1 not in r.criteria and 7 in r.criteria


def test_criterion_3_needs_both_nutrition_items():
    assert 3 not in result(11).criteria  # weight loss only
    assert 3 not in result(**LOW_BMI).criteria  # low BMI only
    assert 3 in result(11, **LOW_BMI).criteria


def test_criterion_5_is_item_16_only():
    assert result(17).criteria == ()  # going out less than last year alone is not 閉じこもり
    assert result(16).criteria == (5,)


def test_judgement_is_true_when_known_answers_already_meet_a_criterion():
    # item 1 unknown, item 18 scores: ⑥ is met whatever item 1 is
    chars = list(with_scoring(18))
    chars[0] = "-"
    r = score(parse_answers("".join(chars)), **NORMAL_BMI)
    assert r.jigyo_taishosha is True and r.criteria == (6,) and r.domains["life"] is None
    # the example: items 1–8, 16, 19 all scoring give ① (10 of 1–20) without item 12
    r = score(parse_answers(with_scoring(1, 2, 3, 4, 5, 6, 7, 8, 16, 19)), height_cm=None, weight_kg=None)
    assert r.jigyo_taishosha is True and 1 in r.criteria and r.items[11] is None


def test_judgement_is_null_only_while_an_unknown_answer_could_still_meet_one():
    chars = list(HEALTHY)
    chars[17] = "-"  # item 18 alone would meet ⑥
    assert score(parse_answers("".join(chars)), **NORMAL_BMI).jigyo_taishosha is None
    # no height/weight and item 11 not scoring: ③ cannot be met, nothing else can either
    assert score(parse_answers(HEALTHY), height_cm=None, weight_kg=None).jigyo_taishosha is False
    # item 11 scores: ③ now hangs on the BMI
    assert score(parse_answers(with_scoring(11)), height_cm=None, weight_kg=None).jigyo_taishosha is None
    # item 17 unknown: it feeds only ① (9 short of 10), never ⑤ (No.16 only)
    chars = list(HEALTHY)
    chars[16] = "-"
    assert score(parse_answers("".join(chars)), **NORMAL_BMI).jigyo_taishosha is False


#: Bases for the exhaustive check: nothing, one short of ②, one short of ①, ② met.
BASES = [(), (6, 7), (1, 2, 3, 4, 5, 13, 16, 19, 20), (6, 7, 8), (21,), (13,), (11,)]


def _brute_force(answers: str, position: int, body: dict) -> bool | None:
    """The judgement by trying every completion of the one missing answer: met by all →
    True, by none → False, else None (the definition in issue 13)."""
    outcomes = set()
    if position == 12:
        for weight in (40, 55):  # BMI 15.6 (scores) and 21.5 (does not), 160 cm
            outcomes.add(score(parse_answers(answers), height_cm=160, weight_kg=weight).jigyo_taishosha)
    else:
        for char in "yn":
            filled = answers[:position - 1] + char + answers[position:]
            outcomes.add(score(parse_answers(filled), **body).jigyo_taishosha)
    assert None not in outcomes
    return outcomes.pop() if len(outcomes) == 1 else None


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("position", range(1, 26))
def test_three_valued_judgement_over_every_single_missing_answer(base, position):
    answers = with_scoring(*base)
    body = dict(LOW_BMI) if 11 in base else dict(NORMAL_BMI)
    if position == 12:
        r = score(parse_answers(answers), height_cm=None, weight_kg=None)
    else:
        answers = answers[:position - 1] + "-" + answers[position:]
        r = score(parse_answers(answers), **body)
    assert r.jigyo_taishosha == _brute_force(answers, position, body)


def test_program_scores_for_the_plan_form():
    r = result(6, 7, 9, 11, 13, **LOW_BMI)
    assert program_scores(r) == {"motor": "3/5", "nutrition": "2/2", "oral": "1/3", "housebound": "0/2",
                                 "cognition": "0/3", "mood": "0/5"}


def test_json_has_the_documented_keys():
    assert set(result().to_json()) == {"life", "motor", "nutrition", "oral", "housebound", "cognition", "mood",
                                       "total_1_20", "bmi", "criteria", "jigyo_taishosha", "items"}


@pytest.mark.parametrize("answers, field, needle", [
    ("n" * 24, "--answers", "25文字"),
    ("n" * 26, "--answers", "25文字"),
    ("n" * 25, "--answers", "12文字目"),
    ("nnnnnnnnnnn-nnnnnnnnnnnnx", "--answers", "25文字目"),
])
def test_bad_answers_are_refused_in_japanese(answers, field, needle):
    with pytest.raises(InputError) as info:
        parse_answers(answers)
    assert info.value.field == field and needle in info.value.message
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", info.value.message)


def test_full_width_and_upper_case_answers_are_accepted():
    assert parse_answers("ＹＮ" + HEALTHY[2:].upper()) == parse_answers("yn" + HEALTHY[2:])


@pytest.mark.parametrize("height, weight, field", [(0, 50, "--height-cm"), (300, 50, "--height-cm"),
                                                   (150, 5, "--weight-kg"), (150, 500, "--weight-kg")])
def test_impossible_body_measures_are_refused(height, weight, field):
    with pytest.raises(InputError) as info:
        score(parse_answers(HEALTHY), height_cm=height, weight_kg=weight)
    assert info.value.field == field
