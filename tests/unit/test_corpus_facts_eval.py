"""The facts measurement (corpus/facts_eval.py) on a tiny file of items written for the test."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.types import Amount, EffectiveDate, Facts, Quote
from corpus.facts_eval import Output, agreement, main, score, stored_form

ITEMS = [
    {
        "id": "en1",
        "lang": "en",
        "published": "2023-12-04T10:00:00Z",
        "title": "Example Social cuts off app makers",
        "summary": (
            "An anonymous reader quotes a report from Example Daily: Example Social will cut off "
            "third-party apps starting April 25, its owner said. Developers must pay between "
            "$42,000 and $210,000 a month to keep access. “We will not pay a fee that kills our "
            "small business,” said Jane Doe, founder of an app maker. Read more of this story at "
            "Example Dot."
        ),
    },
    {
        "id": "fr1",
        "lang": "fr",
        "published": "2023-06-10T08:00:00+02:00",
        "title": "Amende record pour Exemple",
        "summary": (
            "Le régulateur a infligé une amende de 1,2 milliard d'euros à Exemple le 25 avril. "
            "« Nous ferons appel de cette décision injuste », a déclaré Jean Martin. L'article "
            "Amende record est apparu en premier sur Exemple."
        ),
    },
    {
        "id": "en2",
        "lang": "en",
        "published": "2023-08-01T12:00:00Z",
        "title": "Example Corp to pay settlement",
        "summary": (
            "Example Corp will pay $5 million on September 1 to settle the claims. “We are "
            "disappointed by the ruling and will appeal it,” the company said."
        ),
        "content": "",
    },
]
PASS_A = [
    {
        "id": "en1",
        "boilerplate": [
            "An anonymous reader quotes a report from Example Daily:",
            "Read more of this story at Example Dot.",
        ],
        "dates": ["2024-04-25"],
        "amounts": [{"low": 42000, "high": 210000, "currency": "USD", "period": "month"}],
        "quotes": [{"speaker": "Jane Doe", "text_start": "We will not pay a fee"}],
    },
    {
        "id": "fr1",
        "boilerplate": ["L'article Amende record est apparu en premier sur Exemple."],
        "dates": ["2023-04-25"],
        "amounts": [{"value": 1.2e9, "currency": "EUR", "period": None}],
        "quotes": [{"speaker": "Jean Martin", "text_start": "Nous ferons appel"}],
    },
    {
        "id": "en2",
        "boilerplate": [],
        "dates": ["2023-09-01"],
        # The annotator read a yearly payment: the shown amount (no period) does not match.
        "amounts": [{"value": 5000000, "currency": "USD", "period": "year"}],
        "quotes": [{"speaker": "Example Corp", "text_start": "We are disappointed"}],
    },
]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    return path


def test_scores_on_a_tiny_annotated_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = write_jsonl(tmp_path / "items.jsonl", ITEMS)  # type: ignore[arg-type]
    pass_a = write_jsonl(tmp_path / "a.jsonl", PASS_A)  # type: ignore[arg-type]
    pass_b_rows = [dict(n) for n in PASS_A]
    pass_b_rows[2] = {"id": "en2", "boilerplate": [], "dates": [], "amounts": [], "quotes": []}
    pass_b = write_jsonl(tmp_path / "b.jsonl", pass_b_rows)
    assert main([str(items), str(pass_a), str(pass_b), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    first = data["passes"]["pass 1 (a.jsonl)"]
    assert first["items"] == 3
    assert (first["boilerplate_items"], first["boilerplate_left"]) == (2, 0)
    assert (first["dates"]["hits"], first["dates"]["shown"], first["dates"]["expected"]) == (
        3,
        3,
        3,
    )
    assert (first["amounts"]["hits"], first["amounts"]["shown"]) == (2, 3)
    assert first["amounts"]["recall"] == pytest.approx(2 / 3)
    # The unnamed "the company said" quote is not shown: precision 1, recall 2/3.
    assert (first["quotes"]["hits"], first["quotes"]["shown"], first["quotes"]["expected"]) == (
        2,
        2,
        3,
    )
    assert first["quotes"]["precision"] == 1.0
    second = data["passes"]["pass 2 (b.jsonl)"]
    assert (second["dates"]["hits"], second["dates"]["shown"]) == (2, 3)
    assert data["agreement"]["boilerplate"] == 1.0
    assert data["agreement"]["dates"] == pytest.approx(2 / 3)


def test_boilerplate_left_and_wrong_speakers_are_counted() -> None:
    facts = Facts(
        dates=(EffectiveDate(date(2024, 4, 25), "April 25"),),
        amounts=(Amount(42000, "USD", "month", "$42,000–$210,000 a month", 210000),),
        quotes=(Quote("We will not pay this fee, ever", "John Roe"),),
    )
    outputs = {"x": Output("Read more. The app is gone.", facts)}
    note = {
        "id": "x",
        "boilerplate": ["Read more."],
        "dates": ["2024-04-25", "2024-05-01"],
        "amounts": [{"value": 42000, "currency": "USD", "period": "month"}],  # not the range
        "quotes": [{"speaker": "Jane Doe", "text_start": "We will not pay"}],
    }
    report = score(outputs, [note])
    assert (report.boilerplate_left, report.boilerplate_left_ids) == (1, ["x"])
    assert (report.dates.precision(), report.dates.recall()) == (1.0, 0.5)
    assert report.amounts.hits == 0
    assert report.quotes.precision() == 0.0


def test_agreement_ignores_items_only_one_pass_has() -> None:
    a = [{"id": "1", "dates": ["2024-01-01"]}, {"id": "2", "dates": ["2024-02-02"]}]
    b = [{"id": "1", "dates": ["2024-01-01"]}]
    assert agreement(a, b)["dates"] == 1.0
    assert agreement(a, b)["quotes"] is None


def test_the_stored_form_holds_no_annotated_words_and_scores_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = write_jsonl(tmp_path / "raw.jsonl", PASS_A)  # type: ignore[arg-type]
    assert main(["--store", str(raw)]) == 0
    stored_text = capsys.readouterr().out
    for phrase in ("anonymous reader", "Read more of this story", "apparu en premier", "ferons"):
        assert phrase not in stored_text
    rows = [json.loads(line) for line in stored_text.splitlines()]
    stored = write_jsonl(tmp_path / "stored.jsonl", rows)
    items = write_jsonl(tmp_path / "items.jsonl", ITEMS)  # type: ignore[arg-type]
    assert main([str(items), str(raw), str(stored), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    first, second = data["passes"].values()
    assert first == second
    assert data["agreement"]["boilerplate"] == data["agreement"]["quotes"] == 1.0


def test_a_stored_boilerplate_key_is_found_wherever_its_words_are_left() -> None:
    facts = Facts(dates=(), amounts=(), quotes=())
    [stored] = [stored_form({"id": "x", "boilerplate": ["Read more at Example Dot."]})]
    kept = score({"x": Output("The app is gone. Read more at Example Dot.", facts)}, [stored])
    cleaned = score({"x": Output("The app is gone. Read more elsewhere.", facts)}, [stored])
    assert (kept.boilerplate_left, cleaned.boilerplate_left) == (1, 0)
    assert (kept.boilerplate_items, cleaned.boilerplate_items) == (1, 1)


def test_store_refuses_other_arguments(tmp_path: Path) -> None:
    raw = write_jsonl(tmp_path / "raw.jsonl", PASS_A)  # type: ignore[arg-type]
    with pytest.raises(SystemExit):
        main(["--store", str(raw), str(raw)])
