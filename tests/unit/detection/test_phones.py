"""Phone-number signals on Kazakh, Russian and foreign numbers."""

from __future__ import annotations

import pytest

from antifraud.detection import report_signals
from antifraud.detection.phones import digit_distance
from antifraud.domain.errors import InvalidInput
from antifraud.domain.model import Assessment, Category, Signal, Verdict


def signal(assessment: Assessment, name: str) -> Signal:
    found = [s for s in assessment.signals if s.name == name]
    assert found, f"no {name!r} signal in {[(s.name, s.detail) for s in assessment.signals]}"
    return found[0]


@pytest.mark.parametrize("number", ["+77272585965", "8 727 258 59 65", "9999", "1414"])
def test_a_protected_number_is_allowed(assess_phone, number):
    result = assess_phone(number)
    assert result.verdict is Verdict.ALLOW
    assert result.signals[0].name == "allowlisted"


def test_an_ordinary_kazakh_mobile_has_no_signal(assess_phone):
    result = assess_phone("+7 701 234 5678")
    assert result.signals == ()
    assert result.verdict is Verdict.NONE


@pytest.mark.parametrize(
    ("number", "weight", "words"),
    [
        ("+77272585966", 60, "one digit"),  # last digit changed
        ("+77272585956", 60, "one digit"),  # adjacent digits swapped
        ("+77272585075", 45, "two digits"),
    ],
)
def test_numbers_near_a_protected_number(assess_phone, number, weight, words):
    result = assess_phone(number)
    near = signal(result, "near_official_number")
    assert near.weight == weight
    assert f"{words} from Kaspi Bank's official number +77272585965" in near.detail
    assert result.category is Category.SPOOFED_CALL


def test_a_short_code_one_digit_from_a_protected_one(assess_phone):
    result = assess_phone("1415")
    assert "eGov's official number 1414" in signal(result, "near_official_number").detail
    assert result.verdict is Verdict.REVIEW


def test_an_unknown_short_code(assess_phone):
    result = assess_phone("5432")
    assert signal(result, "short_code").weight == 15


def test_kazakh_6xx_ranges_are_not_called_unallocated(assess_phone):
    result = assess_phone("+7 600 123 4567")
    assert [s.name for s in result.signals] == ["kz_6xx_range"]
    assert result.score == 0


def test_an_unallocated_number_is_a_spoofed_caller_id(assess_phone):
    result = assess_phone("+7 222 123 4567")
    assert signal(result, "unallocated").weight == 55
    assert result.category is Category.SPOOFED_CALL
    assert result.verdict is Verdict.REVIEW


def test_a_russian_number_on_the_shared_country_code(assess_phone):
    result = assess_phone("+7 916 123 4567")
    assert "Russian number" in signal(result, "foreign_on_plus7").detail
    assert result.verdict is Verdict.NONE


@pytest.mark.parametrize(
    ("number", "kind", "weight"),
    [("+7 809 123 4567", "premium-rate", 40), ("+7 800 555 3535", "toll-free", 15)],
)
def test_number_types(assess_phone, number, kind, weight):
    result = assess_phone(number)
    number_type = signal(result, "type_" + {"premium-rate": "premium_rate", "toll-free": "toll_free"}[kind])
    assert number_type.weight == weight
    assert number_type.detail.startswith(kind)


def test_premium_rate_points_to_wangiri(assess_phone):
    assert assess_phone("+7 809 123 4567").category is Category.WANGIRI


def test_wangiri_regions_come_from_the_lexicon(assess_phone):
    result = assess_phone("+216 71 234 567")  # Tunisia
    assert signal(result, "wangiri_region").weight == 30
    assert result.category is Category.WANGIRI


def test_a_foreign_number(assess_phone):
    assert "(GB)" in signal(assess_phone("+44 7400 123456"), "foreign_number").detail


def test_reports_from_distinct_operators_add_to_the_score(detector):
    from antifraud.domain.normalize import normalize_phone  # noqa: PLC0415

    phone = normalize_phone("+7 916 123 4567")
    result = detector.assess_phone(phone, report_signals(distinct_operators=3, reports=7))
    assert result.score == 15 + 35
    assert "reported by 3 distinct operators (7 reports)" in result.reasons


def test_digit_distance():
    assert digit_distance("+77272585965", "+77272585965") == 0
    assert digit_distance("+77272585965", "+77272585956") == 1
    assert digit_distance("+77272585965", "+7727258596") is None


# --- report signals --------------------------------------------------------------------------------------
def test_report_signals_grow_with_distinct_operators_only():
    assert report_signals(0, 0) == []
    one = report_signals(1, 5)
    assert [(s.name, s.weight) for s in one] == [("reported", 5)]
    assert one[0].detail == "reported by 1 operator (5 reports)"
    weights = [report_signals(n, 10)[0].weight for n in range(1, 7)]
    assert weights == sorted(weights)
    assert weights[-1] == 45  # capped: the policy, not the score, lists on operator count alone


def test_report_signals_reject_negative_counts():
    with pytest.raises(InvalidInput, match="cannot be negative"):
        report_signals(-1, 0)
