"""Smoke test of the benchmark mail generator: seeded, well-formed, the promised mix."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from pathlib import Path

from bench.generate import MAX_SIZE, Corpus, write_corpus
from intake.attachments import extract_text, sniff
from intake.parse import ParseLimits
from routing.registry import parse_csv


def test_same_seed_same_mail_and_subsets_are_stable() -> None:
    a, b = Corpus(8), Corpus(8)
    assert a.mail(17).data == b.mail(17).data
    assert Corpus(9).mail(17).data != a.mail(17).data
    # mail i does not depend on which mails were generated before it
    assert [m.data for m in a.mails(3, start=5)] == [b.mail(i).data for i in range(5, 8)]


def test_corpus_mix_sizes_and_attachments(tmp_path: Path) -> None:
    manifest = write_corpus(tmp_path, 250, seed=3)
    files = sorted((tmp_path / "mails").glob("*.eml"))
    assert len(files) == 250 == manifest.count
    assert set(manifest.languages) == {"nl", "fr", "en"}
    for kind in ("cancel_monthly", "copy", "auto_reply", "bounce", "newsletter"):
        assert manifest.kinds.get(kind, 0) > 0, kind
    assert {"plain", "alternative", "html"} <= set(manifest.shapes)
    assert 0.05 <= manifest.attachments / manifest.count <= 0.16
    assert manifest.bytes_min >= 900 and manifest.bytes_max <= MAX_SIZE
    # the registry parses as Postkamer's importer reads it
    contracts = parse_csv((tmp_path / "contracts.csv").read_text(encoding="utf-8"))
    assert len(contracts) > 100

    ids: Counter[str] = Counter()
    limits = ParseLimits()
    extracted = 0
    for path in files:
        data = path.read_bytes()
        data.decode("ascii")  # 7-bit clean, as mail on the wire
        msg = email.message_from_bytes(data, policy=email.policy.default)
        assert not msg.defects, path.name
        ids[str(msg["Message-ID"])] += 1
        for part in msg.iter_attachments():
            name = part.get_filename() or ""
            if not name.endswith((".pdf", ".docx")):
                continue  # the parts of a delivery report
            payload = part.get_content()
            text, error = extract_text(name, part.get_content_type(), sniff(payload), payload,
                                       limits)
            assert error is None and text, name
            extracted += 1
    assert max(ids.values()) == 1
    assert extracted >= manifest.attachments
