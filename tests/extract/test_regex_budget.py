"""Every RE2 pattern of the shipped configuration runs within its memory budget on ordinary
mail. When a pattern's DFA does not fit, RE2 falls back to a slower engine and writes
"DFA out of memory" to the process's stderr for every search: a log flood in production
and a slowdown nobody asked for. The check runs `postkamer route` on a few hundred generated
mails of every kind (the benchmark's generator) and reads its stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.generate import write_corpus

REPO = Path(__file__).resolve().parents[2]
CLI = "import sys; from postkamer.cli import main; sys.exit(main(sys.argv[1:]))"


def test_routing_generated_mail_stays_within_the_regex_memory_budget(tmp_path: Path) -> None:
    write_corpus(tmp_path, 300, seed=11)
    mails = sorted(str(p) for p in (tmp_path / "mails").glob("*.eml"))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CLI,
            "route",
            "--json",
            *mails,
            "--registry",
            str(tmp_path / "contracts.csv"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(done.stdout.splitlines()) == len(mails)
    assert "DFA out of memory" not in done.stderr, done.stderr[:500]


def test_routing_the_labelled_sets_stays_within_the_regex_memory_budget() -> None:
    """The generated mails carry no certificates, scans or forms; the labelled sets do (a blank
    form's dotted fields once cost a DFA out of memory on every attachment search)."""
    sets = [REPO / "tests" / "requests_set", REPO / "tests" / "generalization"]
    for folder in sets:
        mails = sorted(str(p) for p in (folder / "mails").glob("*.eml"))
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                CLI,
                "route",
                "--json",
                *mails,
                "--registry",
                str(folder / "contracts.csv"),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert len(done.stdout.splitlines()) == len(mails)
        assert "DFA out of memory" not in done.stderr, (folder.name, done.stderr[:500])


def test_a_blank_form_with_placeholders_stays_within_the_regex_memory_budget(
    tmp_path: Path,
) -> None:
    """The desk's form sent back with its placeholders: the placeholder patterns once made an
    RE2 program too large for the DFA (bounded repetitions of a letter class), so every search
    that found one wrote 'DFA out of memory'."""
    mail = tmp_path / "form.eml"
    mail.write_text(
        "From: Jan <jan@example.be>\nTo: support@contracts.example.com\n"
        "Subject: Opzegging ML-100\nDate: Tue, 3 Mar 2026 10:00:00 +0100\n"
        "Message-ID: <form@example.be>\n\n"
        "Wij zeggen ML-100 op. Hierbij de verklaring.\n"
        "Ondergetekende [naam klant] verklaart dat alle kopieën vernietigd werden.\n"
        "Handtekening: [handtekening]  Datum: <<datum>>  {{firma}}\n" + "tekst " * 2000 + "\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-c", CLI, "route", "--json", str(mail)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"destruction_confirmation": false' in done.stdout
    assert "DFA out of memory" not in done.stderr, done.stderr[:500]
