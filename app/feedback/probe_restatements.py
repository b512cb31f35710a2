"""How much of AnnoMI's question/not-question split on restatements can the words predict?

`python -m app.feedback.probe_restatements` (needs scikit-learn, a dev dependency).

A restatement asks only with a statement voiced with a question mark ("So you're drinking a
lot?"). AnnoMI's annotators split on these (see `make eval-feedback`). This probe trains a
TF-IDF logistic regression on the restatements of EVEN transcripts and scores it on those of
the ODD ones: if the text decided the label, a model of the text would separate them well.
It is a measurement, not part of the analyzer; nothing it fits is used at run time.
"""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score

from app.feedback.evaluate import asks_only_by_restatement, load_annomi

SETTINGS = (("word", (1, 2)), ("char_wb", (2, 5)))
CS = (0.3, 1.0, 3.0)


def _restatements(parity: str) -> tuple[list[str], list[bool]]:
    items = [it for it in load_annomi(parity) if asks_only_by_restatement(it.text)]
    return [it.text for it in items], [it.label == "question" for it in items]


def main() -> int:
    train_x, train_y = _restatements("even")
    test_x, test_y = _restatements("odd")
    majority = max(sum(test_y), len(test_y) - sum(test_y)) / len(test_y)
    print(f"restatements: {len(train_x)} even (train), {len(test_x)} odd (test)")
    print(f"odd: {sum(test_y) / len(test_y):.0%} labelled question; majority answer {majority:.3f}")
    print("| features | C | AUC | accuracy |")
    print("| --- | ---: | ---: | ---: |")
    for analyzer, ngrams in SETTINGS:
        vectorizer = TfidfVectorizer(
            analyzer=analyzer, ngram_range=ngrams, min_df=2, sublinear_tf=True
        )
        x = vectorizer.fit_transform(train_x)
        xt = vectorizer.transform(test_x)
        for c in CS:
            model = LogisticRegression(C=c, max_iter=2000).fit(x, train_y)
            p = model.predict_proba(xt)[:, 1]
            print(
                f"| {analyzer} {ngrams} | {c} | {roc_auc_score(test_y, p):.3f} | "
                f"{accuracy_score(test_y, p > 0.5):.3f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
