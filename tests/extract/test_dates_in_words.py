"""Requested end dates in words and without a year, counted from the day the mail was written:
relative periods, quarters, durations and day/month forms around month ends, year ends and
29 February; ambiguous words give no date and the evidence says so."""

from __future__ import annotations

import calendar
import time
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.extract import ExtractionConfig, extract
from intake.model import Evidence, Extraction, MailText
from routing.registry import Registry

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2098, 12, 31))


def run(body: str, sent: date | None, subject: str = "") -> Extraction:
    mail = MailText(subject=subject, new_text=body, full_text=body, signature="", sent=sent)
    return extract(mail, Registry([]))


def end_evidence(found: Extraction) -> list[Evidence]:
    return [e for e in found.found if e.fact == "requested_end_date"]


@pytest.mark.parametrize(
    ("body", "sent", "expected"),
    [
        # the end of next month, across month and year ends and in a leap year
        ("Graag opzeggen tegen eind volgende maand.", date(2026, 1, 31), date(2026, 2, 28)),
        ("Graag opzeggen tegen eind volgende maand.", date(2028, 1, 15), date(2028, 2, 29)),
        ("Graag opzeggen tegen eind volgende maand.", date(2026, 12, 31), date(2027, 1, 31)),
        ("Merci de résilier à la fin du mois prochain.", date(2026, 11, 30), date(2026, 12, 31)),
        ("Merci de résilier à la fin du mois prochain.", date(2026, 12, 1), date(2027, 1, 31)),
        ("Please cancel at the end of next month.", date(2027, 1, 31), date(2027, 2, 28)),
        ("Opzeggen per einde van deze maand.", date(2028, 2, 1), date(2028, 2, 29)),
        ("We want to cancel at the end of the month.", date(2026, 12, 31), date(2026, 12, 31)),
        # quarters: named, the current one, the next one; the first end on or after the mail
        ("Please terminate at the end of Q2.", date(2026, 3, 10), date(2026, 6, 30)),
        ("Please terminate at the end of Q2.", date(2026, 6, 30), date(2026, 6, 30)),
        ("Please terminate at the end of Q2.", date(2026, 7, 1), date(2027, 6, 30)),
        ("Opzeggen tegen einde Q4 2027.", date(2026, 3, 10), date(2027, 12, 31)),
        ("Wij zeggen op tegen het einde van het kwartaal.", date(2026, 11, 2), date(2026, 12, 31)),
        ("Wij zeggen op tegen het einde van het kwartaal.", date(2026, 12, 31), date(2026, 12, 31)),
        ("Wij zeggen op tegen het einde van het kwartaal.", date(2027, 1, 1), date(2027, 3, 31)),
        ("Nous résilions le contrat à la fin du trimestre.", date(2026, 2, 10), date(2026, 3, 31)),
        ("Nous résilions à la fin du 3e trimestre.", date(2026, 10, 1), date(2027, 9, 30)),
        ("Opzeggen tegen eind volgend kwartaal.", date(2026, 11, 15), date(2027, 3, 31)),
        ("Opzeggen tegen eind dit jaar.", date(2026, 12, 31), date(2026, 12, 31)),
        (
            "Merci de résilier pour la fin de l'année prochaine.",
            date(2026, 5, 2),
            date(2027, 12, 31),
        ),
        # the first day of the next period after a start cue
        ("Opzeggen met ingang van volgende maand.", date(2026, 12, 31), date(2027, 1, 1)),
        ("Résiliation à partir du mois prochain.", date(2026, 1, 31), date(2026, 2, 1)),
        ("Please cancel the licence as of next month.", date(2028, 2, 29), date(2028, 3, 1)),
        ("We don't need it anymore from next month.", date(2026, 11, 30), date(2026, 12, 1)),
        # durations from the mail's day
        (
            "Gelieve de licentie binnen twee weken op te zeggen.",
            date(2026, 12, 25),
            date(2027, 1, 8),
        ),
        ("Pouvez-vous résilier dans deux semaines ?", date(2028, 2, 20), date(2028, 3, 5)),
        ("Please cancel in two weeks.", date(2026, 2, 20), date(2026, 3, 6)),
        ("Gelieve op te zeggen binnen 30 dagen.", date(2026, 12, 15), date(2027, 1, 14)),
        ("Please terminate the licence within one month.", date(2026, 1, 31), date(2026, 2, 28)),
        # without a year: the first such day on or after the mail, always day/month
        ("Opzeggen per 1/4 aub.", date(2026, 3, 31), date(2026, 4, 1)),
        ("Opzeggen per 1/4 aub.", date(2026, 4, 1), date(2026, 4, 1)),
        ("Opzeggen per 1/4 aub.", date(2026, 4, 2), date(2027, 4, 1)),
        ("Résiliation à partir du 1er avril.", date(2026, 12, 15), date(2027, 4, 1)),
        ("Please terminate as of the 1st of April.", date(2026, 5, 1), date(2027, 4, 1)),
        ("Opzeggen tegen eind juni.", date(2026, 7, 1), date(2027, 6, 30)),
        ("Opzeggen tegen eind februari.", date(2027, 3, 1), date(2028, 2, 29)),
        ("Opzeggen tegen eind februari.", date(2026, 3, 1), date(2027, 2, 28)),
        ("Opzeggen per 29/02.", date(2027, 3, 1), date(2028, 2, 29)),
        ("Opzeggen per 29 februari.", date(2028, 2, 29), date(2028, 2, 29)),
        ("Opzeggen per 31.12.", date(2026, 12, 31), date(2026, 12, 31)),
        ("Opzeggen per 1/1.", date(2026, 12, 31), date(2027, 1, 1)),
        ("Opzeggen per 1/1/27.", date(2026, 12, 31), date(2027, 1, 1)),
    ],
)
def test_end_dates_in_words_and_without_a_year(body: str, sent: date, expected: date) -> None:
    found = run(body, sent)
    assert found.requested_end_date == expected
    taken = [e for e in end_evidence(found) if e.dropped is None]
    assert [e.value for e in taken] == [expected.isoformat()]
    assert taken[0].source == "body"
    assert taken[0].text == body.strip()  # the sentence it came from


@pytest.mark.parametrize(
    ("body", "sent", "why"),
    [
        ("Wij willen volgende maand opzeggen.", date(2026, 3, 10), "ambiguous"),
        ("Please cancel by next month.", date(2026, 3, 10), "ambiguous"),
        ("Nous voulons résilier le mois prochain.", date(2026, 3, 10), "ambiguous"),
        ("Please cancel at the end of next week.", date(2026, 3, 10), "ambiguous"),
        ("Graag binnen enkele weken opzeggen.", date(2026, 3, 10), "ambiguous"),
        ("Opzeggen per 31/02.", date(2026, 1, 10), "February has no day 31"),
        ("Opzeggen per 29/02.", date(2026, 1, 10), "29 February does not exist in 2026 or 2027"),
        ("Opzeggen per 29/02/2027.", date(2026, 1, 10), "February 2027 has 28 days"),
        ("Terminate as of 4/13 please.", date(2026, 1, 10), "no month 13"),
        ("Je suis absente jusqu'au 21 août.", date(2026, 8, 3), "someone is away"),
        ("Ik ben met verlof tot en met eind volgende maand.", date(2026, 8, 3), "someone is away"),
    ],
)
def test_no_date_where_the_words_name_none_and_the_evidence_says_why(
    body: str, sent: date, why: str
) -> None:
    found = run(body, sent)
    assert found.requested_end_date is None
    dropped = end_evidence(found)
    assert len(dropped) == 1
    assert dropped[0].dropped is not None and why in dropped[0].dropped
    assert dropped[0].text == body.strip()


def test_a_version_number_is_not_a_date_the_date_after_it_is() -> None:
    found = run("Versie 4.2.1 hebben we niet meer nodig; opzeggen per 1/4.", date(2026, 3, 2))
    assert found.requested_end_date == date(2026, 4, 1)
    assert [(e.value, e.text) for e in end_evidence(found)] == [("2026-04-01", "opzeggen per 1/4.")]


def test_dates_that_are_not_end_dates_stay_out_of_the_evidence() -> None:
    for body in (
        "Onze factuur van 15/01 is betaald.",
        "De technicus komt volgende week langs.",
        "We renewed the licence two weeks ago and it works fine.",
        "Versie 12.2.1 geeft een foutmelding sinds 1.5% van de schijf vrij is.",
    ):
        found = run(body, date(2026, 3, 10))
        assert found.requested_end_date is None
        assert end_evidence(found) == [], body


def test_an_earlier_ambiguous_phrase_is_evidence_and_the_next_date_is_taken() -> None:
    body = "Wij willen volgende maand opzeggen. Concreet: opzeggen per 30/04."
    found = run(body, date(2026, 3, 10))
    assert found.requested_end_date == date(2026, 4, 30)
    [first, second] = end_evidence(found)
    assert first.dropped and "volgende maand" in first.dropped
    assert (second.value, second.dropped, second.text) == (
        "2026-04-30",
        None,
        "Concreet: opzeggen per 30/04.",
    )


def test_the_evidence_names_the_subject_when_the_date_is_there() -> None:
    found = run("Zie onderwerp.", date(2026, 3, 10), subject="Opzeggen per eind volgende maand")
    assert found.requested_end_date == date(2026, 4, 30)
    [item] = end_evidence(found)
    assert (item.source, item.text) == ("subject", "Opzeggen per eind volgende maand")


def test_words_need_the_mail_date() -> None:
    found = run("Graag opzeggen tegen eind volgende maand.", None)
    assert found.requested_end_date is None
    [item] = end_evidence(found)
    assert item.dropped == "no mail date to count from"


def test_date_words_are_configuration() -> None:
    config = ExtractionConfig.model_validate(
        {"date_words": {"within": ["binnen"], "next": ["volgende"]}}
    )
    mail = MailText(
        subject="",
        new_text="Please cancel in two weeks.",
        full_text="",
        signature="",
        sent=date(2026, 3, 10),
    )
    assert extract(mail, Registry([])).requested_end_date == date(2026, 3, 24)
    assert extract(mail, Registry([]), config).requested_end_date is None
    with pytest.raises(ValueError, match="group"):
        ExtractionConfig.model_validate({"date_words": {"quarter_names": [r"q[1-4]"]}})


# -- properties -------------------------------------------------------------------------------


@given(days)
def test_end_of_next_month_is_the_last_day_of_the_month_after(sent: date) -> None:
    found = run("Graag opzeggen tegen eind volgende maand.", sent).requested_end_date
    assert found is not None
    month_after = (sent.year * 12 + sent.month) % 12 + 1
    assert found.month == month_after
    assert found.day == calendar.monthrange(found.year, found.month)[1]
    assert 28 <= (found - sent).days <= 62


@given(days, st.integers(min_value=1, max_value=4))
def test_end_of_a_named_quarter_is_its_first_end_on_or_after_the_mail(
    sent: date, quarter: int
) -> None:
    found = run(f"Please terminate at the end of Q{quarter}.", sent).requested_end_date
    assert found is not None
    assert found.month == 3 * quarter
    assert found.day == calendar.monthrange(found.year, found.month)[1]
    assert sent <= found < sent.replace(day=1) + timedelta(days=366)


@given(days)
def test_end_of_the_quarter_holds_the_mail_day(sent: date) -> None:
    found = run("Nous résilions à la fin du trimestre.", sent).requested_end_date
    assert found is not None
    assert (found.year, (found.month - 1) // 3) == (sent.year, (sent.month - 1) // 3)
    assert found.month % 3 == 0 and found >= sent


@given(days, st.integers(min_value=1, max_value=31), st.integers(min_value=1, max_value=12))
def test_day_and_month_without_a_year(sent: date, day: int, month: int) -> None:
    found = run(f"Opzeggen per {day}/{month}.", sent)
    candidates = []
    for year in (sent.year, sent.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    expected = next((d for d in candidates if d >= sent), None)
    assert found.requested_end_date == expected
    if expected is None:
        [item] = end_evidence(found)
        assert item.dropped is not None and item.dropped.startswith("not a valid date")


@given(days, st.integers(min_value=1, max_value=20), st.sampled_from(["dagen", "weken"]))
def test_durations_count_plain_days(sent: date, count: int, unit: str) -> None:
    found = run(f"Gelieve binnen {count} {unit} op te zeggen.", sent).requested_end_date
    assert found == sent + timedelta(days=count * (7 if unit == "weken" else 1))


def test_a_long_mail_of_ambiguous_phrases_lists_a_bounded_number_and_stays_fast() -> None:
    unit = "Opzeggen volgende maand, binnen enkele weken of eind volgende week; per 31/02. "
    body = unit * (100_000 // len(unit))
    started = time.perf_counter()
    found = run(body, date(2026, 3, 10))
    assert time.perf_counter() - started < 3.0  # 0.4 s measured on a loaded 2-core machine
    assert found.requested_end_date is None
    assert len(end_evidence(found)) == 20


def test_a_forward_takes_the_forwarded_date_and_lists_each_sentence_once() -> None:
    own = "Volgende maand opzeggen, kunnen jullie dit regelen?"
    full = own + "\n\n-----Original Message-----\nGraag opzeggen tegen eind volgende maand."
    mail = MailText(
        subject="FW: opzeggen licentie",
        new_text=own,
        full_text=full,
        signature="",
        sent=date(2026, 3, 10),
    )
    found = extract(mail, Registry([]))
    assert found.requested_end_date == date(2026, 4, 30)
    items = end_evidence(found)
    assert [(e.source, e.value, e.dropped is not None) for e in items] == [
        ("body", None, True),
        ("forwarded", "2026-04-30", False),
    ]
