"""Rules or a classifier for the intent stage? The measurement behind the choice.

Reads every labelled ticket (the 45 samples, the 211 generalization mails, the 44 intent
shapes of `tests/intent/cases.py`) through the project's own text views (subject and new text)
and compares, for "does this mail ask to cancel?":

- the rules of `intake.extract.intent` (written with these mails in view: in-sample);
- a small classifier (TF-IDF over words 1-2 and characters 3-5, logistic regression), trained on
  the ordinary mails and tested on the shapes, and 5-fold cross-validated over everything.

scikit-learn is not a dependency of the service; run this in a separate environment:

    python -m venv /tmp/ml && /tmp/ml/bin/pip install scikit-learn
    .venv/bin/python -m bench.intent_classifier --export /tmp/rows.json
    /tmp/ml/bin/python bench/intent_classifier.py --measure /tmp/rows.json

Measured at the commit that added this file: the classifier trained on ordinary mail got 35/44
shapes (retraction 1/6, passed-on forwards 1/3) and read 6 of the 24 non-cancellation shapes as
cancellations; cross-validated, 168/173 generalization and 36/44 shapes, 8 false cancellations
of 115 non-cancellation mails. The rules: 38/38, 173/173, 44/44 and no false cancellation, with
a reason for every reading. The rules were kept: a false cancellation is the costly error, and
the shapes that break the classifier (a retraction, a forward) are structure, not vocabulary.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def export(out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from intake.extract import extract, mail_text
    from intake.parse import parse_mail
    from routing.registry import Registry
    from tests.intent.cases import CASES

    rows: list[dict[str, Any]] = []
    sets = (
        ("samples", ROOT.parent / "shared" / "samples"),
        ("generalization", ROOT / "tests" / "generalization"),
    )
    for name, folder in sets:
        labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
        mails = folder / "mails" if (folder / "mails").exists() else folder
        registry = Registry.from_csv(folder / "contracts.csv")
        for file, label in labels.items():
            if label["disposition"] != "ticket":
                continue
            text = mail_text(parse_mail((mails / file).read_bytes()))
            act = extract(text, registry).intent
            rows.append(
                {
                    "set": name,
                    "shape": "ordinary",
                    "text": text.subject + "\n" + text.new_text,
                    "label": label["queue"] == "cancellation",
                    "rule": act is not None and act.act == "cancel",
                }
            )
    for case in CASES:
        text = mail_text(parse_mail(case.eml()))
        act = extract(text, Registry([])).intent
        rows.append(
            {
                "set": "shapes",
                "shape": case.shape,
                "text": text.subject + "\n" + text.new_text,
                "label": case.act == "cancel",
                "rule": act is not None and act.act == "cancel",
            }
        )
    out.write_text(json.dumps(rows), encoding="utf-8")
    print(f"{len(rows)} labelled tickets written to {out}")


def measure(rows_file: Path) -> None:  # pragma: no cover - needs scikit-learn
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline, make_union

    rows = json.loads(rows_file.read_text(encoding="utf-8"))

    def model() -> Any:
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        classifier = LogisticRegression(C=10, max_iter=2000, class_weight="balanced")
        return make_pipeline(make_union(words, chars), classifier)

    texts = [r["text"] for r in rows]
    y = np.array([r["label"] for r in rows])
    train = [i for i, r in enumerate(rows) if r["set"] != "shapes"]
    test = [i for i, r in enumerate(rows) if r["set"] == "shapes"]
    fitted = model().fit([texts[i] for i in train], y[train])
    predicted = fitted.predict([texts[i] for i in test])
    print(f"trained on ordinary mail, on the shapes: {(predicted == y[test]).sum()}/{len(test)}")
    false_cancel = sum(1 for i, p in zip(test, predicted, strict=True) if p and not y[i])
    print(f"  non-cancellations read as cancellations: {false_cancel}/{(~y[test]).sum()}")
    cv = cross_val_predict(model(), texts, y, cv=StratifiedKFold(5, shuffle=True, random_state=0))
    for name in ("samples", "generalization", "shapes"):
        idx = [i for i, r in enumerate(rows) if r["set"] == name]
        rules = sum(rows[i]["rule"] == rows[i]["label"] for i in idx)
        print(f"{name}: 5-fold CV {(cv[idx] == y[idx]).sum()}/{len(idx)}, rules {rules}/{len(idx)}")
    print(f"CV false cancellations {int(((cv == 1) & (y == 0)).sum())}/{int((y == 0).sum())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", type=Path)
    parser.add_argument("--measure", type=Path)
    args = parser.parse_args()
    if args.export:
        export(args.export)
    if args.measure:
        measure(args.measure)
