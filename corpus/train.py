"""Train the label model shipped in bot/detect/data/model.json from labelled JSON lines.

Usage:
  python corpus/train.py --data .corpus-cache/items.jsonl --split corpus/split.json \
      --out bot/detect/data/model.json
  python corpus/train.py --data FILE --split corpus/split.json --make-split   # fix the split

Needs the `train` extra (pip install -e '.[train]'). Features come from bot.detect.features,
the same code the runtime uses; the rule engine's fired rules are features too. Calibration
(Platt) and each label's threshold are chosen on out-of-fold scores of a seeded k-fold
cross-validation of the training part; the final weights are fitted on the whole training part.
The test part of the split is never trained on; `--test-out` writes it for `python -m bot eval`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.detect.classify import classify_text, decide_by_rules  # noqa: E402
from bot.detect.evaluate import Counts, LabelledItem  # noqa: E402
from bot.detect.features import GROUPS, Evidence, FeatureConfig, extract, group_of  # noqa: E402
from bot.detect.model import FORMAT_VERSION, Decision, parse_model  # noqa: E402
from bot.types import LABELS, Label  # noqa: E402
from corpus.dataset import corpus_hash, in_test, load, make_split, read_split  # noqa: E402

FAMILIES = ("logreg", "svm", "cnb")


def evidence_of(item: LabelledItem) -> Evidence:
    """Run the rule engine on an item and return what the model would decide from."""
    seen: list[Evidence] = []

    def capture(ev: Evidence) -> Decision:
        seen.append(ev)
        return decide_by_rules(ev)

    classify_text(item.title, item.summary, lang=item.lang, with_facts=False, decider=capture)
    return seen[0]


def _estimator(family: str, c: float, seed: int) -> Any:
    if family == "logreg":
        return LogisticRegression(
            C=c, solver="liblinear", class_weight="balanced", random_state=seed, max_iter=1000
        )
    if family == "svm":
        return LinearSVC(C=c, class_weight="balanced", random_state=seed, max_iter=20000)
    return ComplementNB(alpha=c)


def _linear(est: Any, family: str) -> tuple[np.ndarray, float]:
    """Return (weights, bias) such that margin = X @ weights + bias."""
    if family == "cnb":
        flp = est.feature_log_prob_
        return flp[1] - flp[0], 0.0
    return est.coef_[0].copy(), float(est.intercept_[0])


def _fit(
    X: Any, y: np.ndarray, family: str, c: float, seed: int, sw: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    est = _estimator(family, c, seed)
    est.fit(X, y, sample_weight=sw)
    return _linear(est, family)


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    cal = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000)
    cal.fit(z.reshape(-1, 1), y)
    return float(cal.coef_[0, 0]), float(cal.intercept_[0])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


# A language needs this many calibration positives for a threshold of its own.
LANG_THRESHOLD_MIN_POSITIVES = 20


def _best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """Return the probability threshold with the best F1 on (p, y), between two scores."""
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(1 - ys)
    f1 = 2 * tp / (tp + fp + ys.sum())
    # Only cut between distinct scores.
    distinct = np.append(ps[1:] < ps[:-1], True)
    f1 = np.where(distinct, f1, -1)
    k = int(np.argmax(f1))
    low = ps[k + 1] if k + 1 < len(ps) else 0.0
    return float(min(max((ps[k] + low) / 2, 0.02), 0.98))


def _counts(pred: np.ndarray, y: np.ndarray) -> Counts:
    return Counts(
        tp=int(((pred == 1) & (y == 1)).sum()),
        fp=int(((pred == 1) & (y == 0)).sum()),
        fn=int(((pred == 0) & (y == 1)).sum()),
        tn=int(((pred == 0) & (y == 0)).sum()),
    )


def _fmt(c: Counts) -> str:
    return (
        f"P {100 * c.precision:5.1f} R {100 * c.recall:5.1f} F1 {100 * c.f1:5.1f} (+{c.tp + c.fn})"
    )


def _oof(
    X: Any, y: np.ndarray, sw: np.ndarray | None, args: argparse.Namespace, seed: int
) -> np.ndarray:
    """Return every item's out-of-fold margin from a seeded stratified k-fold."""
    z = np.zeros(len(y))
    folds = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=seed)
    for tr, va in folds.split(X, y):
        w, b = _fit(X[tr], y[tr], args.family, args.C, seed, None if sw is None else sw[tr])
        z[va] = X[va] @ w + b
    return z


def _cuts(langs: np.ndarray, threshold: float, lang_thresholds: dict[str, float]) -> np.ndarray:
    """Each item's decision threshold: its language's, else the label's."""
    return np.array([lang_thresholds.get(lang, threshold) for lang in langs])


def _calibrate(
    label: Label, z: np.ndarray, y: np.ndarray, cal: np.ndarray, langs: np.ndarray
) -> tuple[float, float, np.ndarray, float, dict[str, float], np.ndarray]:
    """Platt-calibrate margins on the calibration items; pick the thresholds there.

    Return (a, b, probabilities, threshold, per-language thresholds, each item's threshold).
    """
    if y[cal].sum() < 3:
        raise SystemExit(f"{label}: fewer than 3 positives to calibrate on")
    a, b_cal = _platt(z[cal], y[cal])
    if a <= 0:
        raise SystemExit(f"{label}: calibration slope {a:.3f} <= 0: the scores say nothing")
    p = _sigmoid(a * z + b_cal)
    threshold = _best_threshold(p[cal], y[cal])
    # A language with enough positives gets its own threshold (headlines differ in style).
    lang_thresholds = {
        lang: _best_threshold(p[cal & (langs == lang)], y[cal & (langs == lang)])
        for lang in sorted(set(langs))
        if y[cal & (langs == lang)].sum() >= LANG_THRESHOLD_MIN_POSITIVES
    }
    return a, b_cal, p, threshold, lang_thresholds, _cuts(langs, threshold, lang_thresholds)


def _column_scales(names: Any, label: Label, scales: dict[tuple[str, str], float]) -> np.ndarray:
    """Return each feature column's scale for this label (1.0 unless --scale says otherwise)."""
    return np.array([scales.get((label, group_of(str(n))), 1.0) for n in names])


def _collection_weight(item_id: str, weights: dict[str, float]) -> float:
    """The sample weight of an item by its collection (the id's part before the colon)."""
    return weights.get(item_id.split(":", 1)[0], 1.0)


def parse_weights(specs: list[str]) -> dict[str, float]:
    """Parse --weight COLLECTION=VALUE options (a collection is an id prefix: en6-reddit)."""
    out: dict[str, float] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        if not sep or not name or ":" in name:
            raise ValueError(f"--weight {spec!r}: expected COLLECTION=VALUE, e.g. en6-reddit=0.5")
        weight = float(value)
        if weight <= 0:
            raise ValueError(f"--weight {spec!r}: the weight must be positive")
        out[name] = weight
    return out


def parse_scales(specs: list[str]) -> dict[tuple[str, str], float]:
    """Read --scale LABEL:GROUP=VALUE settings; raise ValueError on a bad one."""
    out: dict[tuple[str, str], float] = {}
    for spec in specs:
        head, sep, value = spec.partition("=")
        label, colon, group = head.partition(":")
        if not sep or not colon:
            raise ValueError(f"--scale {spec!r}: expected LABEL:GROUP=VALUE")
        if label not in LABELS:
            raise ValueError(f"--scale {spec!r}: unknown label {label!r}")
        if group not in GROUPS:
            raise ValueError(f"--scale {spec!r}: unknown group {group!r} (one of {GROUPS})")
        scale = float(value)
        if not scale > 0:
            raise ValueError(f"--scale {spec!r}: the value must be positive")
        out[(label, group)] = scale
    return out


def train_label(
    label: Label,
    items: list[LabelledItem],
    feats: list[dict[str, float]],
    evidence: list[Evidence],
    args: argparse.Namespace,
    calibrate: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Fit one label: cross-validated calibration and threshold, then the final weights."""
    keep = [k for k, item in enumerate(items) if item.gold[label] != "borderline"]
    y = np.array([1 if items[k].gold[label] == "yes" else 0 for k in keep])
    langs = np.array([items[k].lang for k in keep])
    vec = DictVectorizer()
    X = vec.fit_transform([feats[k] for k in keep]).tocsr()
    names = vec.get_feature_names_out()
    # A feature group scaled by s weighs s times as much before the penalty; the stored weight
    # is the fitted one times s, so the runtime sees the same margins on presence features.
    col_scale = _column_scales(names, label, args.scales)
    if not np.all(col_scale == 1.0):
        X = (X @ sparse.diags(col_scale)).tocsr()
    # liblinear takes 32-bit indices only.
    X.indices = X.indices.astype(np.int32)
    X.indptr = X.indptr.astype(np.int32)
    # Calibration and threshold come from the items of --calibrate-on (real text at its real
    # prevalence) when given, else from every training item.
    cal = np.array([items[k].id in calibrate for k in keep]) if calibrate else np.ones(len(y), bool)
    sw = None
    if calibrate and args.extra_weight != 1.0:
        sw = np.where(cal, 1.0, args.extra_weight)
    if args.weights:
        ws = np.array([_collection_weight(items[k].id, args.weights) for k in keep])
        sw = ws if sw is None else sw * ws
    z = _oof(X, y, sw, args, args.seed)
    # Out-of-fold margins of every cross-validation seed (the main seed's first).
    seed_z = {args.seed: z}
    for seed in args.cv_seeds:
        if seed not in seed_z:
            seed_z[seed] = _oof(X, y, sw, args, seed)
    if args.pooled_thresholds and len(seed_z) > 1:
        # Calibration and thresholds on the margins of all seeds pooled: one fold assignment
        # moves an F1-best threshold a lot where positives are few; the pool averages that out.
        n = len(seed_z)
        a, b_cal, _, threshold, lang_thresholds, _ = _calibrate(
            label,
            np.concatenate(list(seed_z.values())),
            np.tile(y, n),
            np.tile(cal, n),
            np.tile(langs, n),
        )
        p = _sigmoid(a * z + b_cal)
        cut = _cuts(langs, threshold, lang_thresholds)
    else:
        a, b_cal, p, threshold, lang_thresholds, cut = _calibrate(label, z, y, cal, langs)
    rules = np.array([1 if label in evidence[k].rule_labels else 0 for k in keep])
    model_pred = (p >= cut).astype(int)
    print(
        f"{label}: {len(y)} items, {int(y.sum())} positive; threshold {threshold:.3f}"
        + "".join(f", {lang} {t:.3f}" for lang, t in lang_thresholds.items())
    )
    groups = [("all", np.ones(len(y), bool))]
    groups += [(lang, langs == lang) for lang in sorted(set(langs))]
    if calibrate:
        groups += [(f"cal-{lang}", cal & (langs == lang)) for lang in sorted(set(langs[cal]))]
        groups.insert(1, ("cal", cal))
    for lang, m in groups:
        print(
            f"  validation (out of fold) {lang:<6} model {_fmt(_counts(model_pred[m], y[m]))} | "
            f"model or rules {_fmt(_counts(np.maximum(model_pred, rules)[m], y[m]))} | "
            f"rules {_fmt(_counts(rules[m], y[m]))}"
        )
    # The same out-of-fold figures over several cross-validation seeds, to see past the noise
    # of one fold assignment.
    seed_f1: dict[str, list[float]] = {}
    recent = (
        np.array([str(items[k].published or "") >= args.recent_from for k in keep])
        if args.recent_from
        else None
    )
    for seed in args.cv_seeds:
        if args.pooled_thresholds:
            pred = (_sigmoid(a * seed_z[seed] + b_cal) >= cut).astype(int)
        else:
            *_, ps, _, _, cuts = _calibrate(label, seed_z[seed], y, cal, langs)
            pred = (ps >= cuts).astype(int)
        for lang in sorted(set(langs[cal])):
            m = cal & (langs == lang)
            seed_f1.setdefault(lang, []).append(100 * _counts(pred[m], y[m]).f1)
            if recent is not None:
                m = m & recent
                seed_f1.setdefault(f"{lang}-recent", []).append(100 * _counts(pred[m], y[m]).f1)
    if seed_f1:
        print(
            f"  out-of-fold F1 on the calibration items, mean of {len(args.cv_seeds)} seeds:"
            + "".join(
                f" {lang} {np.mean(v):.1f} (sd {np.std(v):.1f})" for lang, v in seed_f1.items()
            )
        )
    w, bias = _fit(X, y, args.family, args.C, args.seed, sw)
    fitted = (_sigmoid(a * (X @ w + bias)) >= cut).astype(int)
    print(f"  training set (fitted)     all model {_fmt(_counts(fitted, y))}")
    w = w * col_scale
    weights = {
        str(names[j]): round(float(w[j]), 4) for j in np.flatnonzero(np.abs(w) >= args.prune)
    }
    out: dict[str, Any] = {
        "bias": round(bias, 6),
        "weights": dict(sorted(weights.items())),
        "calibration": {"a": round(a, 6), "b": round(b_cal, 6)},
        "threshold": round(threshold, 4),
        "lang_thresholds": {lang: round(t, 4) for lang, t in lang_thresholds.items()},
        "validation": {
            "items": len(y),
            "positives": int(y.sum()),
            "model_f1": round(_counts(model_pred, y).f1, 4),
            "rules_f1": round(_counts(rules, y).f1, 4),
        },
    }
    if seed_f1:
        out["validation"]["oof_f1_seeds"] = {
            "seeds": args.cv_seeds,
            **{lang: round(float(np.mean(v)), 2) for lang, v in seed_f1.items()},
        }
    return out


def main(argv: list[str] | None = None) -> int:
    """Train and write the model; print validation and training figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, action="append", required=True, help="labelled JSON lines (repeat)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bot" / "detect" / "data" / "model.json")
    parser.add_argument(
        "--split", type=Path, help="split file: its test items are never trained on"
    )
    parser.add_argument(
        "--make-split", action="store_true", help="write --split from the data and stop"
    )
    parser.add_argument(
        "--force", action="store_true", help="let --make-split replace a split file"
    )
    parser.add_argument("--test-out", type=Path, help="write the split's test items here and stop")
    parser.add_argument("--family", choices=FAMILIES, default="logreg")
    parser.add_argument("--C", type=float, default=1.0, help="regularisation (alpha for cnb)")
    parser.add_argument(
        "--char-ngrams", default="", help="headline character n-gram sizes, e.g. 3,5"
    )
    parser.add_argument("--no-rules", action="store_true", help="leave the rule features out")
    parser.add_argument("--no-bigrams", action="store_true")
    parser.add_argument("--context", action="store_true", help="who the headline names")
    parser.add_argument("--stems", action="store_true", help="crude word stems of the headline")
    parser.add_argument("--cross", action="store_true", help="headline stems x who it names")
    parser.add_argument(
        "--near", action="store_true", help="rules whose phrase matched but did not fire"
    )
    parser.add_argument(
        "--masked", action="store_true", help="headline word pairs with the named sides masked"
    )
    parser.add_argument("--no-summary", action="store_true", help="leave the summary words out")
    parser.add_argument(
        "--scale",
        action="append",
        default=[],
        metavar="LABEL:GROUP=VALUE",
        help="scale a feature group's values for one label, e.g. cutoff:s=0.5 (repeat); groups:"
        f" {', '.join(GROUPS)}",
    )
    parser.add_argument(
        "--extra-weight",
        type=float,
        default=1.0,
        help="sample weight of the training items outside the --calibrate-on files",
    )
    parser.add_argument(
        "--cv-seeds",
        default="",
        help="also report out-of-fold F1 averaged over these cross-validation seeds, e.g. 13,1,2",
    )
    parser.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="COLLECTION=VALUE",
        help="sample weight of one collection's items (id prefix before ':'), e.g."
        " en6-reddit=0.5 (repeat)",
    )
    parser.add_argument(
        "--recent-from",
        default="",
        metavar="YYYY-MM-DD",
        help="with --cv-seeds, also report out-of-fold F1 on calibration items published on or"
        " after this day (the news the bot will read is recent)",
    )
    parser.add_argument(
        "--pooled-thresholds",
        action="store_true",
        help="with --cv-seeds, fit the calibration and pick the thresholds on the out-of-fold"
        " scores of all seeds pooled, not of the main seed alone",
    )
    parser.add_argument("--combine", choices=("model", "or"), default="model")
    parser.add_argument(
        "--calibrate-on",
        type=Path,
        action="append",
        default=[],
        help="pick calibration and thresholds on these --data files only (real text; repeat)",
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--prune", type=float, default=0.005, help="drop weights smaller than this")
    args = parser.parse_args(argv)
    try:
        args.scales = parse_scales(args.scale)
        args.weights = parse_weights(args.weight)
        args.cv_seeds = [int(x) for x in args.cv_seeds.split(",") if x.strip()]
    except ValueError as exc:
        parser.error(str(exc))
    if args.extra_weight <= 0:
        parser.error("--extra-weight must be positive")
    if args.extra_weight != 1.0 and not args.calibrate_on:
        parser.error("--extra-weight needs --calibrate-on (the items it does not weigh)")

    items, skipped = load(args.data)
    print(
        f"read {len(items)} labelled items from {len(args.data)} file(s); {skipped} lines skipped"
    )
    if args.make_split:
        if args.split is None:
            parser.error("--make-split needs --split FILE")
        if args.split.exists() and not args.force:
            parser.error(f"{args.split} exists: the split is fixed before scoring (--force)")
        split = make_split(items)
        args.split.write_text(json.dumps(split, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(
            f"wrote {args.split}: test from {split['test_from']}, outlets {split['test_outlets']}"
        )
        return 0
    if args.split is not None:
        split = read_split(args.split)
        test = [i for i in items if in_test(i, split)]
        items = [i for i in items if not in_test(i, split)]
        print(f"split {args.split}: {len(test)} test items left out, {len(items)} for training")
        if args.test_out is not None:
            ids = {i.id for i in test}
            with args.test_out.open("w", encoding="utf-8") as out:
                for path in args.data:
                    for line in path.read_text(encoding="utf-8").splitlines():
                        if line.strip() and json.loads(line).get("id") in ids:
                            out.write(line + "\n")
                            ids.discard(json.loads(line)["id"])
            print(f"wrote {len(test)} test items to {args.test_out}")
            return 0
    elif args.test_out is not None:
        parser.error("--test-out needs --split")
    config = FeatureConfig(
        bigrams=not args.no_bigrams,
        char_ngrams=tuple(int(n) for n in args.char_ngrams.split(",") if n.strip()),
        rules=not args.no_rules,
        context=args.context,
        stems=args.stems,
        cross=args.cross,
        near=args.near,
        masked=args.masked,
        summary=not args.no_summary,
    )
    evidence = [evidence_of(i) for i in items]
    feats = [extract(ev, config) for ev in evidence]
    calibrate: frozenset[str] = frozenset()
    if args.calibrate_on:
        cal_items, _ = load(args.calibrate_on)
        calibrate = frozenset(i.id for i in cal_items) & {i.id for i in items}
        print(
            f"calibration and thresholds on {len(calibrate)} items"
            f" of {len(args.calibrate_on)} file(s)"
        )
    labels = {
        label: train_label(label, items, feats, evidence, args, calibrate) for label in LABELS
    }
    model = {
        "format_version": FORMAT_VERSION,
        "corpus_hash": corpus_hash(items),
        "features": config.to_json(),
        "combine": args.combine,
        "labels": labels,
        "trained": {
            "files": [p.name for p in args.data],
            "items": len(items),
            "split": args.split.name if args.split else None,
            "family": args.family,
            "C": args.C,
            "seed": args.seed,
            "folds": args.folds,
            "prune": args.prune,
            "calibrate_on": [p.name for p in args.calibrate_on],
            "extra_weight": args.extra_weight,
            "scale": sorted(args.scale),
        },
    }
    parse_model(model, "new model")  # the runtime must accept what we write
    text = json.dumps(model, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    n_weights = sum(len(v["weights"]) for v in labels.values())
    print(f"wrote {args.out}: {n_weights} weights, {len(text) / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
