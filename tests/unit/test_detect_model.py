"""The learned label model: its file, features shared with training, calibration, reasons."""

from __future__ import annotations

import importlib.util
import json
import math
from datetime import date
from pathlib import Path

import pytest

from bot.detect.classify import classify_text, decide_by_rules
from bot.detect.evaluate import BadLine, LabelledItem, parse_labelled_line, parse_published
from bot.detect.features import GROUPS, Evidence, FeatureConfig, extract, group_of, phrase_of
from bot.detect.lexicon import load_lexicon
from bot.detect.model import (
    Decision,
    ModelError,
    decide,
    load_model,
    packaged_model,
    phrase_weight,
)
from bot.types import LABELS
from corpus.dataset import corpus_hash, in_test, load, make_split, read_split

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "bot" / "detect" / "data" / "model.json"
FIXTURES = ROOT / "tests" / "fixtures"
DEV = ROOT.parent / "shared" / "data" / "labeled" / "dev.jsonl"
CORPUS = ROOT / ".corpus-cache" / "items.jsonl"


def _evidence(title: str, summary: str = "", lang: str = "en") -> Evidence:
    seen: list[Evidence] = []

    def capture(ev: Evidence) -> Decision:
        seen.append(ev)
        return decide_by_rules(ev)

    classify_text(title, summary, lang=lang, with_facts=False, decider=capture)
    return seen[0]


def test_packaged_model_format() -> None:
    model = packaged_model()
    assert model.format_version == 1
    assert len(model.corpus_hash) == 64 and int(model.corpus_hash, 16) >= 0
    assert set(model.labels) == set(LABELS)
    for lm in model.labels.values():
        assert 0 < lm.threshold < 1
        assert lm.weights and all(abs(w) >= 0.005 for w in lm.weights.values())
    # Small enough to ship in the package, and plain JSON.
    assert MODEL.stat().st_size < 30 * 1024 * 1024
    assert json.loads(MODEL.read_text(encoding="utf-8"))["format_version"] == 1


def test_wrong_format_version_is_a_clear_error(tmp_path: Path) -> None:
    obj = json.loads(MODEL.read_text(encoding="utf-8"))
    obj["format_version"] = 99
    path = tmp_path / "model.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    with pytest.raises(ModelError, match=r"format_version 99 is not 1"):
        load_model(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda o: o.update(corpus_hash="abc"), "corpus_hash"),
        (lambda o: o["labels"].pop("legal"), "labels"),
        (lambda o: o["labels"]["cutoff"].update(threshold=1.5), "threshold"),
        (lambda o: o["labels"]["cutoff"]["calibration"].update(a=-1), "calibration"),
        (lambda o: o["features"].update(colour=True), "unknown feature"),
    ],
)
def test_damaged_model_files_are_refused(tmp_path: Path, change: object, message: str) -> None:
    obj = json.loads(MODEL.read_text(encoding="utf-8"))
    assert callable(change)
    change(obj)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    with pytest.raises(ModelError, match=message):
        load_model(path)
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match="invalid JSON"):
        load_model(tmp_path / "bad.json")


def test_corpus_hash_names_the_training_data() -> None:
    if not CORPUS.exists():
        pytest.skip("the corpus cache is absent (python corpus/rebuild.py makes it)")
    files = [CORPUS, *sorted(FIXTURES.glob("headlines_own*.jsonl"))]
    items, _ = load(files)
    split = read_split(ROOT / "corpus" / "split.json")
    trained = [i for i in items if not in_test(i, split)]
    assert corpus_hash(trained) == packaged_model().corpus_hash
    # The hash follows the text and labels, not the order of the files.
    assert corpus_hash(list(reversed(trained))) == corpus_hash(trained)


def test_runtime_decides_from_the_shared_features() -> None:
    model = packaged_model()
    ev = _evidence("Apple removes Fortnite from the App Store", "Epic Games says it will sue.")
    feats = extract(ev, model.config)
    assert "t:removes" in feats and "t:app store" in feats
    # The shipped model reads no summary words (out-of-fold F1 was better without them).
    assert not model.config.summary and not any(f.startswith("s:") for f in feats)
    assert "rule:cutoff:store-removal" in feats or any(f.startswith("rule:cutoff:") for f in feats)
    assert "rdec:cutoff" in feats
    # The named sides masked, and the rule that matched but did not fire ("pulls … from").
    assert {"m:PARTY removes", "m:removes PARTY"} <= set(feats)
    assert "near:cutoff:pulls-from" in feats
    det = classify_text("Apple removes Fortnite from the App Store", "Epic Games says it will sue.")
    for label in LABELS:
        lm = model.labels[label]
        margin = lm.bias + sum(lm.weights.get(name, 0.0) * v for name, v in feats.items())
        assert det.confidence[label] == round(lm.probability(margin), 3)
        assert (label in det.labels) == (lm.probability(margin) >= lm.threshold_for("en"))


@pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None, reason="the train extra is not installed"
)
def test_training_uses_the_runtime_features() -> None:
    from corpus import train

    assert train.extract is extract
    item = parse_labelled_line(
        json.dumps({"id": "x", "title": "X sues Media Matters", "cutoff": "no", "legal": "yes"}),
        1,
    )
    assert not isinstance(item, BadLine)
    assert train.evidence_of(item) == _evidence("X sues Media Matters")


def test_features_keep_title_and_summary_apart() -> None:
    config = FeatureConfig()
    feats = extract(Evidence(title="Judge blocks the ban", summary="A judge ruled.", lang="en"),
                    config)  # fmt: skip
    assert {"t:judge", "t:blocks the", "s:judge", "s:a judge", "lang:en"} <= set(feats)
    assert phrase_of("t:blocks the") == "blocks the"
    assert phrase_of("rule:legal:sue") is None
    assert phrase_of("m:PARTY sues") is None and phrase_of("near:cutoff:cut-party") is None
    # Accents and case are folded, digits made generic.
    french = extract(Evidence(title="Amende RETIRÉE en 2023", summary="", lang="fr"), config)
    assert {"t:amende", "t:retiree", "t:0000"} <= set(french)
    # Without summary words, the summary adds nothing.
    no_summary = FeatureConfig(summary=False)
    assert not any(
        f.startswith("s:")
        for f in extract(Evidence(title="Judge blocks", summary="A judge.", lang="en"), no_summary)
    )


def test_rule_engine_reports_near_misses() -> None:
    # "cut off" matched, but the negation stopped it: a near miss, not a hit.
    ev = _evidence("Zorbly refuses to cut off Krandle API access")
    assert "cutoff" not in ev.rule_labels
    misses = {(m.rule, m.why) for m in ev.near}
    assert ("cut-party", "negated") in misses
    assert all(m.where == 0 and m.labels for m in ev.near)
    fired = {h.rule for h in ev.hits}
    assert not fired & {m.rule for m in ev.near if m.where == 0}
    feats = extract(ev, FeatureConfig(near=True))
    assert "near:cutoff:cut-party" in feats
    assert not any(f.startswith("near:") for f in extract(ev, FeatureConfig()))
    # Only in the summary: a body near miss.
    body = _evidence("Zorbly news", "Zorbly refuses to cut off Krandle API access.")
    assert "near:cutoff:cut-party:body" in extract(body, FeatureConfig(near=True))


def test_masked_pairs_share_what_the_sides_do() -> None:
    config = FeatureConfig(masked=True)
    one = extract(_evidence("Apple removes Fortnite from its store"), config)
    two = extract(_evidence("Google removes TikTok from its store"), config)
    shared = {f for f in one if f.startswith("m:")} & {f for f in two if f.startswith("m:")}
    assert {"m:PARTY removes", "m:removes PARTY", "m:PARTY from"} <= shared
    # Only pairs that touch a side; two names side by side are one PARTY.
    assert not any(f.startswith("m:") and "PARTY" not in f for f in one)
    ev = Evidence(title="Apple Google sue", summary="", lang="en", names=((0, 5), (6, 12)))
    assert {f for f in extract(ev, config) if f.startswith("m:")} == {"m:PARTY sue"}
    assert not any(f.startswith("m:") for f in extract(ev, FeatureConfig()))


def test_a_word_weighs_with_its_stem() -> None:
    weights = {"t:access": 0.1, "st:acces": 2.0, "t:cuts off": 0.5, "st:cut": 1.0}
    feats = {"t:access": 1.0, "st:acces": 1.0, "t:cuts off": 1.0, "st:cut": 1.0, "t:api": 1.0}
    assert phrase_weight(weights, feats, "t:access") == pytest.approx(2.1)
    # Pairs and words whose stem the model lacks weigh alone.
    assert phrase_weight(weights, feats, "t:cuts off") == 0.5
    assert phrase_weight(weights, feats, "t:api") == 0.0
    # No stem feature in this item (a model without stems): the word alone.
    assert phrase_weight(weights, {"t:access": 1.0}, "t:access") == 0.1


def test_feature_groups() -> None:
    assert group_of("t:cuts off") == "t" and group_of("rule:legal:sue:body") == "rule"
    feats = extract(_evidence("Apple removes Fortnite", "Epic sues."), packaged_model().config)
    assert {group_of(f) for f in feats} <= set(GROUPS)


def test_calibration_is_monotonic_and_a_probability() -> None:
    for lm in packaged_model().labels.values():
        margins = [-1e6, -50.0, -5.0, -1.0, 0.0, 0.5, 1.0, 5.0, 50.0, 1e6]
        probs = [lm.probability(m) for m in margins]
        assert all(0.0 <= p <= 1.0 and not math.isnan(p) for p in probs)
        assert probs == sorted(probs)
        assert probs[0] < 0.01 and probs[-1] > 0.99


def test_signals_name_the_heaviest_phrases() -> None:
    model = packaged_model()
    title = "Twitter cuts off API access for third-party clients"
    det = classify_text(title, lang="en")
    assert det.labels == ("cutoff",)
    ev = _evidence(title)
    n_rules = len(ev.hits)
    # The rules' phrases come first, as before the model, heaviest first.
    assert {s.phrase for s in det.signals[:n_rules]} == {h.signal.phrase for h in ev.hits}
    assert det.signals[0].phrase == "cuts off"
    shown = list(det.signals[n_rules:])
    assert shown and all(s.label == "cutoff" for s in shown)
    assert "api" in [s.phrase for s in shown]
    weights = model.labels["cutoff"].weights
    feats = extract(ev, model.config)
    for s in shown:
        # The weight shown is the model's weight of that phrase (a word with its stem's),
        # found in this text.
        assert any(
            phrase_of(f) == s.phrase and round(phrase_weight(weights, feats, f), 3) == s.weight
            for f in feats
        )
    assert [s.weight for s in shown] == sorted((s.weight for s in shown), reverse=True)
    # No heavier phrase of the text was left out, but those the rules already name and
    # stopword-only ones ("for", "off").
    stop = load_lexicon("en").stopwords
    lightest = min(s.weight for s in shown)
    heavier = {
        p
        for f in feats
        if (p := phrase_of(f)) is not None
        and phrase_weight(weights, feats, f) > lightest
        and not all(w in stop or len(w) < 3 for w in p.split())
    }
    named = {h.signal.phrase.casefold() for h in ev.hits} | {s.phrase for s in shown}
    assert len(shown) == 3 or heavier <= named


def test_published_dates_of_every_kind() -> None:
    assert parse_published("2015-10-12 05:07:20").date() == date(2015, 10, 12)  # type: ignore[union-attr]
    assert parse_published("Mon, 15 May 2023 10:00:00 +0000").date() == date(2023, 5, 15)  # type: ignore[union-attr]
    assert parse_published("23/06/2026").date() == date(2026, 6, 23)  # type: ignore[union-attr]
    assert parse_published("next week") is None
    assert parse_published(None) is None


def _item(i: int, lang: str, source: str, published: str) -> LabelledItem:
    parsed = parse_labelled_line(
        json.dumps({"id": f"{lang}{i}", "lang": lang, "source": source, "title": f"Story {i}",
                    "published": published, "cutoff": "no", "legal": "no"}), i)  # fmt: skip
    assert not isinstance(parsed, BadLine)
    return parsed


def test_split_holds_out_the_latest_months_and_an_outlet_per_language() -> None:
    items = [_item(i, "en", "big.com", f"2023-{1 + i % 12:02d}-10") for i in range(60)]
    items += [_item(100 + i, "en", "small.com", "2023-03-01") for i in range(6)]
    items += [_item(200 + i, "fr", "grand.fr", f"2024-{1 + i % 6:02d}-02") for i in range(30)]
    items += [_item(300 + i, "fr", "petit.fr", "2024-01-05") for i in range(4)]
    split = make_split(items)
    assert split["test_from"] == {"en": "2023-11-01", "fr": "2024-05-01"}
    assert split["test_outlets"] == {"en": ["small.com"], "fr": ["petit.fr"]}
    assert make_split(list(reversed(items)))["test_outlets"] == split["test_outlets"]
    test = [i for i in items if in_test(i, split)]
    assert {i.source for i in test if i.lang == "en"} == {"big.com", "small.com"}
    assert all(
        i.source == "small.com" or str(i.published)[:7] >= "2023-11" for i in test if i.lang == "en"
    )
    assert not any(
        in_test(i, split) for i in items if i.source == "big.com" and "-05-" in str(i.published)
    )


@pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None, reason="the train extra is not installed"
)
def test_training_scales_parse_and_fold_into_the_weights() -> None:
    from corpus import train

    scales = train.parse_scales(["cutoff:t=0.4", "legal:rdec=2", "cutoff:st=2.5"])
    assert scales == {("cutoff", "t"): 0.4, ("legal", "rdec"): 2.0, ("cutoff", "st"): 2.5}
    for bad in ("cutoff:t", "cutoff=1", "spam:t=1", "cutoff:colour=1", "cutoff:t=0", "legal:t=x"):
        with pytest.raises(ValueError):
            train.parse_scales([bad])
    names = ["t:sues", "st:su", "rule:legal:sue", "lang:en"]
    assert list(train._column_scales(names, "cutoff", scales)) == [0.4, 2.5, 1.0, 1.0]
    assert list(train._column_scales(names, "legal", scales)) == [1.0, 1.0, 1.0, 1.0]
    with pytest.raises(SystemExit):
        train.main(["--data", "x.jsonl", "--extra-weight", "0.5"])  # needs --calibrate-on


@pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None, reason="the train extra is not installed"
)
def test_collection_weights_parse_and_apply_by_id_prefix() -> None:
    from corpus import train

    weights = train.parse_weights(["en6-reddit=0.5", "fr3-rsstrends=2"])
    assert weights == {"en6-reddit": 0.5, "fr3-rsstrends": 2.0}
    assert train._collection_weight("en6-reddit:0070fbdf9d14", weights) == 0.5
    assert train._collection_weight("en5-reddit:0070fbdf9d14", weights) == 1.0
    for bad in ("en6-reddit", "=0.5", "en6-reddit=0", "en6-reddit=-1", "en6-reddit:x=1", "a=b"):
        with pytest.raises(ValueError):
            train.parse_weights([bad])


@pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None, reason="the train extra is not installed"
)
def test_pooled_thresholds_train_a_model_that_loads_and_decides(tmp_path: Path) -> None:
    from corpus import train

    own = sorted(str(p) for p in (Path(__file__).parents[1] / "fixtures").glob("headlines_own*"))
    out = tmp_path / "model.json"
    args = ["--context", "--stems", "--cv-seeds", "13,1", "--out", str(out)]
    assert train.main([*(a for p in own for a in ("--data", p)), *args, "--pooled-thresholds"]) == 0
    model = load_model(out)
    for label in LABELS:
        lm = model.labels[label]
        assert all(0.0 < t < 1.0 for t in (lm.threshold, *lm.lang_thresholds.values()))
    ev = _evidence("Zorbly sues Fenwick Mobile over its patents")
    assert "legal" in decide(ev, model).labels
