"""The learned label model: a linear scorer over ``features.extract``, calibrated, explained.

The weights live in ``data/model.json`` (plain JSON written by ``corpus/train.py``): per label a
bias, sparse weights, Platt calibration (``p = 1 / (1 + exp(-(a * margin + b)))``) and the
decision threshold on that probability. Pure Python at run time: a few dozen dictionary
look-ups per item.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from bot.detect.features import Evidence, FeatureConfig, extract, phrase_of, stem
from bot.detect.lexicon import available_langs, load_lexicon
from bot.errors import DisputewatchError
from bot.types import LABELS, Label, Signal

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
# How the final verdict uses the rule engine's own: "model" (the model alone decides) or
# "or" (a label also holds when the rules alone say so).
COMBINE_MODES = frozenset({"model", "or"})
# The text features shown as reasons, per label that holds.
TOP_PHRASES = 3
_MIN_PHRASE_WEIGHT = 0.2


class ModelError(DisputewatchError):
    """The model file is missing, unreadable or of a format this code does not read."""


@dataclass(frozen=True, slots=True)
class LabelModel:
    """One label's linear model, its calibration and its decision threshold."""

    bias: float
    weights: Mapping[str, float]
    platt_a: float
    platt_b: float
    threshold: float
    # Per language, where its calibration set had enough positives; else ``threshold``.
    lang_thresholds: Mapping[str, float] = field(default_factory=dict)

    def threshold_for(self, lang: str) -> float:
        """Return the decision threshold for an item in this language."""
        return self.lang_thresholds.get(lang, self.threshold)

    def margin(self, feats: Mapping[str, float]) -> float:
        """Return the linear score (log-odds before calibration)."""
        w = self.weights
        return self.bias + sum(w.get(name, 0.0) * value for name, value in feats.items())

    def probability(self, margin: float) -> float:
        """Return the calibrated probability of a margin."""
        z = self.platt_a * margin + self.platt_b
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)


@dataclass(frozen=True, slots=True)
class Model:
    """The whole model file, read and checked."""

    format_version: int
    corpus_hash: str
    config: FeatureConfig
    combine: str
    labels: Mapping[Label, LabelModel]
    info: Mapping[str, Any]
    # Every label's weight of a feature in one look-up, in LABELS order.
    joint: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def margins(self, feats: Mapping[str, float]) -> tuple[float, ...]:
        """Return every label's margin, in LABELS order."""
        sums = [self.labels[label].bias for label in LABELS]
        get = self.joint.get
        n = range(len(sums))
        for name, value in feats.items():
            ws = get(name)
            if ws is not None:
                for i in n:
                    sums[i] += ws[i] * value
        return tuple(sums)


@dataclass(frozen=True, slots=True)
class Decision:
    """The labels that hold, their calibrated probabilities and the reasons."""

    labels: tuple[Label, ...]
    confidence: dict[str, float]
    signals: tuple[Signal, ...]


def _number(obj: Mapping[str, Any], key: str, where: str) -> float:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ModelError(f"{where}: '{key}' must be a finite number")
    return float(value)


def parse_model(obj: Any, source: str = "model") -> Model:
    """Check a decoded model file and return the model; raise ModelError on any problem."""
    if not isinstance(obj, dict):
        raise ModelError(f"{source}: not a JSON object")
    version = obj.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{source}: format_version {version!r} is not {FORMAT_VERSION}, the only one this "
            "code reads; retrain with corpus/train.py or install the matching disputewatch"
        )
    corpus_hash = obj.get("corpus_hash")
    if not isinstance(corpus_hash, str) or len(corpus_hash) != 64:
        raise ModelError(f"{source}: 'corpus_hash' must be a sha256 hex digest")
    combine = obj.get("combine", "model")
    if combine not in COMBINE_MODES:
        raise ModelError(f"{source}: 'combine' must be one of {sorted(COMBINE_MODES)}")
    try:
        config = FeatureConfig.from_json(obj.get("features") or {})
    except ValueError as exc:
        raise ModelError(f"{source}: {exc}") from exc
    raw_labels = obj.get("labels")
    if not isinstance(raw_labels, dict) or set(raw_labels) != set(LABELS):
        raise ModelError(f"{source}: 'labels' must hold exactly {list(LABELS)}")
    labels: dict[Label, LabelModel] = {}
    for label in LABELS:
        raw = raw_labels[label]
        where = f"{source}: {label}"
        if not isinstance(raw, dict):
            raise ModelError(f"{where}: not an object")
        weights = raw.get("weights")
        if not isinstance(weights, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in weights.values()
        ):
            raise ModelError(f"{where}: 'weights' must map feature names to numbers")
        calibration = raw.get("calibration")
        if not isinstance(calibration, dict):
            raise ModelError(f"{where}: 'calibration' must be an object with a and b")
        platt_a = _number(calibration, "a", where)
        if platt_a <= 0:
            raise ModelError(f"{where}: calibration 'a' must be positive (a higher score, a "
                             "higher probability)")  # fmt: skip
        threshold = _number(raw, "threshold", where)
        by_lang = raw.get("lang_thresholds", {})
        if not isinstance(by_lang, dict):
            raise ModelError(f"{where}: 'lang_thresholds' must map languages to probabilities")
        lang_thresholds = {str(k): _number(by_lang, str(k), where) for k in by_lang}
        if not all(0.0 < t < 1.0 for t in (threshold, *lang_thresholds.values())):
            raise ModelError(f"{where}: 'threshold' must be a probability in (0, 1)")
        labels[label] = LabelModel(
            bias=_number(raw, "bias", where),
            weights={str(k): float(v) for k, v in weights.items()},
            platt_a=platt_a,
            platt_b=_number(calibration, "b", where),
            threshold=threshold,
            lang_thresholds=lang_thresholds,
        )
    info = obj.get("trained") or {}
    names = {name for lm in labels.values() for name in lm.weights}
    joint = {name: tuple(labels[lb].weights.get(name, 0.0) for lb in LABELS) for name in names}
    return Model(
        format_version=version,
        corpus_hash=corpus_hash,
        config=config,
        combine=str(combine),
        labels=labels,
        info=info if isinstance(info, dict) else {},
        joint=joint,
    )


def load_model(path: Path | None = None) -> Model:
    """Read a model file (the packaged ``data/model.json`` by default)."""
    if path is None:
        resource = files("bot.detect") / "data" / "model.json"
        source = "bot/detect/data/model.json"
        try:
            text = resource.read_text(encoding="utf-8")
        except OSError as exc:
            raise ModelError(f"{source}: cannot read: {exc}") from exc
    else:
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ModelError(f"{source}: cannot read: {exc.strerror or exc}") from exc
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelError(f"{source}: invalid JSON: {exc.msg}") from exc
    return parse_model(obj, source)


@functools.cache
def packaged_model() -> Model:
    """Return the model shipped with the package, read once per process."""
    model = load_model()
    logger.debug("model loaded: corpus %s", model.corpus_hash[:12])
    return model


def phrase_weight(weights: Mapping[str, float], feats: Mapping[str, float], name: str) -> float:
    """Return what a text feature adds to a margin: its own weight, and a headline word's stem's.

    Stems (``st:``) stand for the headline's words; a model whose words weigh little next to
    their stems still shows the words that pushed it.
    """
    w = weights.get(name, 0.0) * feats[name]
    if name.startswith("t:") and " " not in name:
        st = "st:" + stem(name[2:])
        w += weights.get(st, 0.0) * feats.get(st, 0.0)
    return w


def _reasons(
    model: Model,
    feats: Mapping[str, float],
    labels: tuple[Label, ...],
    taken: set[str],
    stopwords: frozenset[str],
) -> list[Signal]:
    """Return the text features that pushed each holding label most, heaviest first.

    Phrases made only of stopwords ("to", "qui") say nothing to a reader and are not shown.
    A headline word weighs with its stem ("access" with ``st:acces``), when the model has stems.
    """
    out: list[Signal] = []
    for label in labels:
        weights = model.labels[label].weights
        found: list[tuple[float, str]] = []
        for name in feats:
            phrase = phrase_of(name)
            if phrase is None or all(w in stopwords or len(w) < 3 for w in phrase.split()):
                continue
            w = phrase_weight(weights, feats, name)
            if w >= _MIN_PHRASE_WEIGHT:
                found.append((w, phrase))
        found.sort(key=lambda x: (-x[0], x[1]))
        shown: set[str] = set()
        for w, phrase in found:
            if phrase in shown or f"{label}:{phrase}" in taken:
                continue
            shown.add(phrase)
            out.append(Signal(label=label, phrase=phrase, weight=round(w, 3)))
            if len(shown) == TOP_PHRASES:
                break
    return out


def decide(ev: Evidence, model: Model | None = None) -> Decision:
    """Decide the labels of one item with the model (the packaged one by default)."""
    model = model or packaged_model()
    feats = extract(ev, model.config)
    confidence: dict[str, float] = {}
    held: list[Label] = []
    for label, margin in zip(LABELS, model.margins(feats), strict=True):
        lm = model.labels[label]
        p = lm.probability(margin)
        confidence[label] = round(p, 3)
        if p >= lm.threshold_for(ev.lang) or (model.combine == "or" and label in ev.rule_labels):
            held.append(label)
    labels = tuple(held)
    rule_signals = sorted((h.signal for h in ev.hits), key=lambda s: (-s.weight, s.label, s.phrase))
    taken = {f"{s.label}:{s.phrase.casefold()}" for s in rule_signals}
    stopwords = load_lexicon(ev.lang).stopwords if ev.lang in available_langs() else frozenset()
    signals = tuple(rule_signals) + tuple(_reasons(model, feats, labels, taken, stopwords))
    return Decision(labels=labels, confidence=confidence, signals=signals)
