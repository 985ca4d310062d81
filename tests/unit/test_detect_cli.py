"""The classify and eval subcommands: output shape, malformed input, exit codes."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.detect import commands

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"id", "labels", "score", "parties", "lang", "signals", "facts"}


def run_local(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    code = args.handler(args)
    out, err = capsys.readouterr()
    return code, out, err


def run_cli(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


GOOD = [
    {"id": "1", "title": "Epic Games sues Apple over its fees", "lang": "en"},
    {
        "id": 2,
        "title": "Microsoft abandonne Twitter dans ses outils pour annonceurs",
        "content": "À partir du 25 avril 2023, l'accès coûte 42,000 $ par mois.",
    },
    {"id": "3", "title": "A new phone with a bigger screen"},
]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_classify_good_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(x) for x in GOOD])
    code, out, err = run_local(["classify", str(src)], capsys)
    assert code == 0
    assert err == ""
    rows = [json.loads(line) for line in out.splitlines()]
    assert [set(r) for r in rows] == [KEYS] * 3
    assert rows[0]["labels"] == ["legal"]
    assert rows[0]["signals"][0] == {"label": "legal", "phrase": "sues", "weight": 1.3}
    assert rows[1]["id"] == 2
    assert rows[1]["parties"] == ["Microsoft", "X"]
    assert rows[1]["lang"] == "fr"
    assert rows[1]["facts"]["dates"] == [{"date": "2023-04-25", "text": "25 avril 2023"}]
    assert rows[1]["facts"]["amounts"] == [
        {"value": 42000, "currency": "USD", "period": "month", "text": "42\u202f000 $ par mois"}
    ]
    assert rows[2]["labels"] == []
    assert set(rows[2]["facts"]) == {"dates", "amounts", "quotes"}


def test_classify_bad_lines_continue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [
        "{not json",
        json.dumps({"id": "a"}),
        json.dumps({"id": "b", "title": "   "}),
        json.dumps({"id": "c", "title": ["list"]}),
        json.dumps({"id": "d", "title": "ok title", "summary": 5}),
        json.dumps([1, 2]),
        json.dumps(GOOD[0]),
    ]
    src = write_lines(tmp_path / "bad.jsonl", lines)
    code, out, err = run_local(["classify", str(src)], capsys)
    assert code == 1
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r.get("line") for r in rows[:6]] == [1, 2, 3, 4, 5, 6]
    assert all(set(r) == {"error", "line"} for r in rows[:6])
    assert set(rows[6]) == KEYS
    for n in range(1, 7):
        assert f"{src}:{n}: " in err


def test_classify_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_local(["classify", str(tmp_path / "nope.jsonl")], capsys)
    assert code == 2
    assert out == ""
    assert "nope.jsonl" in err


def test_classify_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "latin1.jsonl"
    src.write_bytes(b'{"id": "x", "title": "caf\xe9"}\n' + json.dumps(GOOD[0]).encode() + b"\n")
    code, out, err = run_local(["classify", str(src)], capsys)
    assert code == 1
    assert json.loads(out.splitlines()[0])["line"] == 1
    assert "UTF-8" in err


LABELLED = [
    {"id": "p1", "lang": "en", "title": "Epic Games sues Apple", "cutoff": "no", "legal": "yes",
     "parties": ["Epic Games", "Apple"]},
    {"id": "p2", "lang": "en", "title": "Apple removes Fortnite from the App Store",
     "cutoff": "yes", "legal": "no", "parties": ["Apple", "Epic Games"]},
    {"id": "n1", "lang": "en", "title": "Google shuts down its podcasts app", "cutoff": "no",
     "legal": "no", "parties": []},
    {"id": "b1", "lang": "fr", "title": "Un réseau social menacé d'interdiction",
     "cutoff": "borderline", "legal": "borderline", "parties": []},
]  # fmt: skip


def test_eval_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_lines(tmp_path / "lab.jsonl", [json.dumps(x) for x in LABELLED])
    code, out, _ = run_local(["eval", str(src), "--json"], capsys)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    legal = next(
        r for r in rows if r["system"] == "detector" and r.get("label") == "legal" and
        r["lang"] == "all"
    )  # fmt: skip
    assert (legal["tp"], legal["fp"], legal["fn"], legal["f1"]) == (1, 0, 0, 1.0)
    recall = next(r for r in rows if r.get("metric") == "party_recall" and r["lang"] == "all")
    assert recall["system"] == "detector"
    assert recall["recall"] == 1.0
    assert any(r["system"] == "baseline" for r in rows)


def test_eval_text_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [*LABELLED, {**LABELLED[2], "id": "m1", "title": "Apple wins", "legal": "yes"}]
    src = write_lines(tmp_path / "lab.jsonl", [json.dumps(x) for x in rows])
    code, out, _ = run_local(["eval", str(src), "--errors"], capsys)
    assert code == 0
    assert "party recall" in out
    assert "base P" in out
    assert "miss" in out and "m1" in out


def test_eval_bad_lines_are_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [json.dumps(LABELLED[0]), "oops", json.dumps({**LABELLED[1], "cutoff": "maybe"})]
    src = write_lines(tmp_path / "lab.jsonl", lines)
    code, out, err = run_local(["eval", str(src), "--json"], capsys)
    assert code == 1
    assert f"{src}:2: " in err
    assert f"{src}:3: " in err
    assert out


def test_eval_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_local(["eval", str(tmp_path / "none.jsonl")], capsys)
    assert code == 2
    assert "none.jsonl" in err


def test_subprocess_classify_stdin() -> None:
    stdin = json.dumps(GOOD[0]) + "\nnot json\n" + json.dumps({"id": "z", "title": ""}) + "\n"
    proc = run_cli(["classify"], stdin=stdin)
    assert proc.returncode == 1, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert set(rows[0]) == KEYS
    assert rows[1] == {"error": rows[1]["error"], "line": 2}
    assert rows[2]["line"] == 3
    assert "<stdin>:2: " in proc.stderr
    assert "<stdin>:3: " in proc.stderr


def test_subprocess_classify_file_ok(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(x) for x in GOOD])
    proc = run_cli(["classify", str(src), "--json"])
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 3


def test_subprocess_classify_missing_file(tmp_path: Path) -> None:
    proc = run_cli(["classify", str(tmp_path / "missing.jsonl")])
    assert proc.returncode == 2


def test_subprocess_eval(tmp_path: Path) -> None:
    src = write_lines(tmp_path / "lab.jsonl", [json.dumps(x) for x in LABELLED] + ["{"])
    proc = run_cli(["eval", str(src), "--json"])
    assert proc.returncode == 1
    assert f"{src}:5: " in proc.stderr
    assert any(json.loads(line).get("label") == "cutoff" for line in proc.stdout.splitlines())


NATURAL = [
    {"id": "a1", "lang": "en", "source": "a.com", "slice": "natural",
     "title": "Epic Games sues Apple", "cutoff": "no", "legal": "yes",
     "parties": ["Epic Games", "Apple"]},
    {"id": "a2", "lang": "en", "source": "a.com", "slice": "natural",
     "title": "Apple removes Fortnite from the App Store", "cutoff": "no", "legal": "no",
     "parties": []},
    {"id": "a3", "lang": "en", "source": "a.com", "slice": "natural",
     "title": "A new phone has a bigger screen", "cutoff": "no", "legal": "no", "parties": []},
    {"id": "a4", "lang": "en", "source": "a.com", "slice": "natural",
     "title": "Microsoft stops supporting Twitter in its advertising tools", "cutoff": "yes",
     "legal": "no", "parties": ["Microsoft"]},
    {"id": "e1", "lang": "fr", "source": "b.fr", "slice": "enriched",
     "title": "Epic Games poursuit Apple en justice", "cutoff": "no", "legal": "yes",
     "parties": ["Epic Games", "Apple"]},
]  # fmt: skip


def test_eval_natural_slice_party_precision_and_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_lines(tmp_path / "lab.jsonl", [json.dumps(x) for x in NATURAL])
    code, out, _ = run_local(["eval", str(src), "--json"], capsys)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    natural = {
        r["system"]: r
        for r in rows
        if r.get("metric") == "natural_false_alarms" and r["lang"] == "all"
    }
    assert set(natural) == {"detector", "rules", "baseline"}
    # Four natural items (the enriched one does not count); a2 is labelled no: a false alarm.
    assert natural["detector"]["items"] == 4
    assert natural["detector"]["false_alarms"] == 1
    assert natural["detector"]["per_100"] == 25.0
    assert (natural["detector"]["disputes"], natural["detector"]["found"]) == (2, 2)
    assert natural["baseline"]["false_alarms"] == 1
    # a4's gold lists Microsoft only: X, also found, lowers party precision but not recall.
    precision = next(r for r in rows if r.get("metric") == "party_precision" and r["lang"] == "all")
    assert precision["system"] == "detector"
    assert precision["correct"] == 5 and precision["predicted"] == 6
    recall = next(r for r in rows if r.get("metric") == "party_recall" and r["lang"] == "all"
                  and r["system"] == "detector")  # fmt: skip
    assert recall["recall"] == 1.0
    rules = {(r["label"], r["lang"]): r for r in rows if r["system"] == "rules" and "label" in r}
    assert rules[("legal", "fr")]["tp"] == 1
    assert rules[("cutoff", "all")]["fp"] == 1
    code, text, _ = run_local(["eval", str(src)], capsys)
    assert "false alarms per 100" in text and "precision" in text and "rule P" in text


def test_eval_another_model_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_lines(tmp_path / "lab.jsonl", [json.dumps(x) for x in NATURAL])
    bad = tmp_path / "model.json"
    bad.write_text(json.dumps({"format_version": 7}), encoding="utf-8")
    code, _, err = run_local(["eval", str(src), "--model", str(bad)], capsys)
    assert code == 2
    assert "format_version 7" in err
