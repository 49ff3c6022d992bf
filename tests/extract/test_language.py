"""Language detection methods measured on the labelled samples (subject + new text).

Measured when written: stopwords 45/45 at ~0.035 ms a mail; py3langid (nl/fr/en only) 45/45
at ~0.45 ms a mail plus about a second and ~110 MB of memory to load its model once; hybrid
45/45 at ~0.04 ms. Hence the default "stopwords" (words a supervisor can extend): the model's
memory would break the 200 MB bound for a mail with a 25 MB attachment, for no gain here.
"hybrid" (py3langid only when the stopwords do not decide) stays available in the config.
"""

from __future__ import annotations

import time

import pytest

from intake.extract import ExtractionConfig, mail_text
from intake.extract.language import detect
from intake.extract.text import compiled
from tests.extract.helpers import labels, parse, sample_paths


@pytest.mark.parametrize("method", ["stopwords", "langid", "hybrid"])
def test_language_method_accuracy(method: str) -> None:
    c = compiled(ExtractionConfig(language_method=method))
    texts = []
    for path in sample_paths():
        mt = mail_text(parse(path.read_bytes()))
        texts.append((path.name, mt.subject + "\n\n" + mt.new_text))
    detect("warm up", c)
    start = time.perf_counter()
    results = [(name, detect(text, c)[0]) for name, text in texts]
    elapsed = (time.perf_counter() - start) / len(texts) * 1000
    misses = [(name, got) for name, got in results if got != labels()[name]["language"]]
    print(f"\n{method}: {len(texts) - len(misses)}/{len(texts)}, {elapsed:.3f} ms/mail {misses}")
    assert len(misses) <= 1, misses
