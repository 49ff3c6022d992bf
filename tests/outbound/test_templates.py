"""Reply templates: every reply exists in nl, fr and en, renders with the policy's numbers,
keeps customer text literal and escaped, and a broken template refuses the load."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from outbound.templates import (
    CANCELLATION_OUTCOMES,
    LANGUAGES,
    REQUIRED_NAMES,
    PolicyParams,
    ReplyContext,
    TemplateSet,
    TemplateSetError,
    check_folder,
    format_date,
    sample_contexts,
)
from postkamer.cli import main

from .conftest import REPO

CTX = sample_contexts()[0]


def test_every_required_reply_renders_in_every_language(templates: TemplateSet) -> None:
    assert set(REQUIRED_NAMES) <= templates.known_names()
    assert check_folder(REPO / "templates") == []
    for language in LANGUAGES:
        for name in REQUIRED_NAMES:
            assert name in templates.names_in(language)
            reply = templates.render(name, language, CTX)
            assert reply.language == language
            assert reply.subject and "\n" not in reply.subject
            assert "PK-7F3K9Q" in reply.text
            assert reply.html.startswith("<!DOCTYPE html>")
            assert f'<html lang="{language}">' in reply.html


def test_cli_templates_check_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["templates", "check", "--folder", str(REPO / "templates")]) == 0
    out = capsys.readouterr().out
    assert "60 of 60 templates render (0 problems)" in out


def test_babel_dates_in_the_reply_language(templates: TemplateSet) -> None:
    assert format_date(date(2026, 12, 31), locale="nl_BE") == "31 december 2026"
    assert format_date(date(2026, 12, 31), locale="fr_BE") == "31 décembre 2026"
    ctx = replace(CTX, effective_date=date(2026, 12, 31))
    assert "31 december 2026" in templates.render("cancellation/accepted", "nl", ctx).text
    assert "31 décembre 2026" in templates.render("cancellation/accepted", "fr", ctx).text
    assert "31 December 2026" in templates.render("cancellation/accepted", "en", ctx).text


def test_not_yet_eligible_states_the_earliest_notice_date(templates: TemplateSet) -> None:
    ctx = replace(CTX, earliest_notice_date=date(2026, 8, 31))
    text = templates.render("cancellation/not_yet_eligible", "nl", ctx).text
    assert "31 augustus 2026" in text
    assert "6 maanden" in text


def test_periods_come_from_the_policy_config(templates: TemplateSet) -> None:
    policy = PolicyParams.from_mapping(
        {
            "pa_lapse_days": 45,
            "monthly_license_notice_days": 60,
            "maintenance_notice_months": 2,
            "maintenance_minimum_months": 9,
            "provider_notice_months": 4,
            "provider_minimum_months": 24,
            "not_a_period": 1,
        }
    )
    ctx = replace(CTX, policy=policy)
    pa = templates.render("cancellation/pa_no_cancellation_needed", "nl", ctx).text
    assert "45 dagen" in pa and "59" not in pa
    destroy = templates.render("cancellation/needs_destruction_confirmation", "fr", ctx).text
    assert "60 jours" in destroy and "30 jours" not in destroy
    eligible = templates.render("cancellation/not_yet_eligible", "en", ctx).text
    assert "2 months" in eligible and "9 months" in eligible
    provider = templates.render("lifecycle/provider_notice", "nl", ctx).text
    assert "4 maanden vooropzeg" in provider and "2 jaar" in provider
    default = templates.render("lifecycle/provider_notice", "fr", CTX).text
    assert "préavis de 3 mois" in default and "au moins 1 an" in default


def test_passport_advantage_and_destruction_wording(templates: TemplateSet) -> None:
    nl = templates.render("cancellation/pa_no_cancellation_needed", "nl", CTX).text
    assert "Passport Advantage" in nl and "59 dagen" in nl and "geen opzegging nodig" in nl
    nl = templates.render("cancellation/needs_destruction_confirmation", "nl", CTX).text
    assert "ALLE kopieën" in nl and "30 dagen" in nl
    fr = templates.render("cancellation/needs_destruction_confirmation", "fr", CTX).text
    assert "TOUTES les copies" in fr
    breach = templates.render("lifecycle/breach_termination", "en", CTX).text
    assert "does not meet its obligations" in breach


def test_sender_unverified_reveals_nothing_about_the_contract(templates: TemplateSet) -> None:
    ctx = replace(CTX, effective_date=date(2027, 1, 31), contract_number="MA1234567")
    for language in LANGUAGES:
        reply = templates.render("cancellation/sender_unverified", language, ctx)
        for secret in ("MA1234567", "2027", "Passport", "opzeg", "résili", "cancel"):
            assert secret.lower() not in (reply.subject + reply.text + reply.html).lower()


def test_customer_text_is_literal_and_escaped(templates: TemplateSet) -> None:
    ctx = replace(CTX, requester_name="{{7*7}} {% if 1 %}x{% endif %} <script>alert(1)</script>")
    reply = templates.render("ack/general", "nl", ctx)
    assert "Geachte {{7*7}} {% if 1 %}x{% endif %} <script>alert(1)</script>," in reply.text
    assert "49" not in reply.text
    assert "<script>" not in reply.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reply.html
    assert "{{7*7}}" in reply.html


def test_only_our_own_urls_become_links(templates: TemplateSet) -> None:
    ctx = replace(CTX, requester_name="https://evil.example/login", portal_url="https://c.example/")
    html = templates.render("general/view-online", "fr", ctx).html
    assert '<a href="https://c.example/">https://c.example/</a>' in html
    assert 'href="https://evil.example' not in html


def test_language_fallback_is_dutch(templates: TemplateSet) -> None:
    reply = templates.render("ack/hardware", "de", CTX)
    assert reply.language == "nl"
    assert reply.text.startswith("Geachte An Peeters")
    with pytest.raises(TemplateSetError):
        templates.render("ack/nonexistent", "nl", CTX)


def test_reminder_says_what_we_wait_for(templates: TemplateSet) -> None:
    ctx = replace(CTX, waiting_for="contract_number", close_after_days=10)
    text = templates.render("lifecycle/reminder", "nl", ctx).text
    assert "contractnummer" in text and "over 10 dagen af" in text
    bare = templates.render("lifecycle/reminder", "en", sample_contexts()[1]).text
    assert "Dear customer," in bare and "close your request" not in bare


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    shutil.copytree(REPO / "templates", folder)
    return folder


def test_broken_template_refuses_the_load_naming_the_file(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "fr" / "cancellation" / "accepted.txt.j2"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("{% block body %}", "{% block body %}{{ effective_dat|format_date }}"),
        encoding="utf-8",
    )
    with pytest.raises(TemplateSetError, match=r"fr/cancellation/accepted\.txt\.j2"):
        TemplateSet.load(folder)
    syntax = folder / "en" / "ack" / "general.txt.j2"
    syntax.write_text(
        "{% extends 'en/_layout.txt.j2' %}{% block subject %}x{% endblock %}"
        "{% block body %}{% if %}{% endblock %}",
        encoding="utf-8",
    )
    with pytest.raises(TemplateSetError, match=r"en/ack/general\.txt\.j2"):
        TemplateSet.load(folder)


def test_sandbox_refuses_unsafe_template_code(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "nl" / "ack" / "general.txt.j2"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "{% block body %}", "{% block body %}{{ ''.__class__.__mro__[1].__subclasses__() }}"
        ),
        encoding="utf-8",
    )
    with pytest.raises(TemplateSetError, match=r"nl/ack/general\.txt\.j2"):
        TemplateSet.load(folder)


def test_missing_language_is_reported_and_falls_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _copy(tmp_path)
    (folder / "fr" / "lifecycle" / "closed.txt.j2").unlink()
    tset = TemplateSet.load(folder)  # still usable: French falls back to Dutch
    assert tset.render("lifecycle/closed", "fr", CTX).language == "nl"
    problems = check_folder(folder)
    assert [(p.kind, p.language, p.name) for p in problems] == [
        ("missing", "fr", "lifecycle/closed")
    ]
    assert main(["templates", "check", "--folder", str(folder)]) == 1
    assert "missing: fr/lifecycle/closed" in capsys.readouterr().out


def test_outcome_names_match_the_policy_outcomes(templates: TemplateSet) -> None:
    for outcome in CANCELLATION_OUTCOMES:
        assert f"cancellation/{outcome}" in templates.known_names()
    assert isinstance(CTX, ReplyContext)
