"""Rebuild the corpus texts from committed references and fetched repository snapshots.

Usage: python corpus/rebuild.py [--mirrors DIR] [--out .corpus-cache]

Reads every corpus/refs/*.jsonl, reads each referenced file with
`git --git-dir=<mirror> show <commit>:<path>`, extracts the item's title and summary with the
reader the reference names (feed, csv, tsv, jsonl, json), merges the two annotation passes when
they exist, and writes <out>/items.jsonl (the shape of data/labeled/dev.jsonl). Standard library
and feedparser only.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import re
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEFAULT_MIRRORS = Path("/work/.mirror")
SUMMARY_MAX = 600
READERS = ("feed", "csv", "tsv", "jsonl", "json")
LABEL_VALUES = ("yes", "no", "borderline")

# Reserved for independent evaluation (see corpus/README.md): never read, never written.
RESERVED_REPOS = frozenset({"pranavkangane/techcrunch-news-scraper", "stouph1/veille-actu-tech"})
RESERVED_OUTLETS = ("arstechnica.com", "techcrunch.com")
RESERVED_OUTLET_FROM = "2025-01-01"
RESERVED_FR_SPAN = ("2026-09-01", "2026-10-31")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPACE = re.compile(r"\s+")


class _TextExtractor(HTMLParser):
    """Collect the text content of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "p", "div", "li"}:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"p", "div", "li"}:
            self.parts.append(" ")


def clean_text(value: object) -> str:
    """Return plain text: HTML stripped, entities decoded, whitespace collapsed."""
    if value is None:
        return ""
    text = str(value)
    if "<" in text or "&" in text:
        parser = _TextExtractor()
        try:
            parser.feed(text)
            parser.close()
            text = "".join(parser.parts)
        except Exception:  # malformed markup: fall back to a plain tag strip
            text = unescape(re.sub(r"<[^>]*>", " ", text))
    return _SPACE.sub(" ", text).strip()


def cut_summary(text: str, limit: int = SUMMARY_MAX) -> str:
    """Cut a summary to at most `limit` characters."""
    return text if len(text) <= limit else text[:limit].rstrip()


def decode_bytes(raw: bytes) -> str:
    """Decode file bytes as UTF-8 (BOM dropped), else as Windows-1252."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def dotted(record: Any, path: str | None) -> Any:
    """Return the value at a dotted path inside nested dicts/lists (None when absent)."""
    if not path:
        return record
    current = record
    for part in path.split("."):
        if isinstance(current, Mapping):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


@dataclass(frozen=True)
class Text:
    """A title and summary read from a source file."""

    title: str
    summary: str


@dataclass(frozen=True)
class Ref:
    """One reference record from corpus/refs/*.jsonl."""

    id: str
    lang: str
    repo: str
    commit: str
    path: str
    reader: str
    key: str
    outlet: str
    published: str
    slice: str
    cols: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Ref:
        """Build a reference from a decoded JSON object (KeyError/ValueError when invalid)."""
        cols = data.get("cols") or {}
        if not isinstance(cols, Mapping):
            raise ValueError("cols must be an object")
        ref = cls(
            id=str(data["id"]),
            lang=str(data["lang"]),
            repo=str(data["repo"]),
            commit=str(data["commit"]),
            path=str(data["path"]),
            reader=str(data["reader"]),
            key=str(data["key"]),
            outlet=str(data["outlet"]),
            published=str(data["published"]),
            slice=str(data["slice"]),
            cols={str(k): str(v) for k, v in cols.items()},
        )
        if ref.reader not in READERS:
            raise ValueError(f"unknown reader {ref.reader!r}")
        if not re.fullmatch(r"[0-9a-f]{40}", ref.commit):
            raise ValueError("commit must be 40 hex digits")
        return ref

    def file_key(self) -> tuple[str, str, str, str, str]:
        """Return what identifies the parsed file this reference points into."""
        cols = json.dumps(self.cols, sort_keys=True)
        return (self.repo, self.commit, self.path, self.reader, cols)


def reserved_reason(ref: Ref) -> str | None:
    """Return why a reference is reserved for independent evaluation, or None."""
    if ref.repo.lower() in RESERVED_REPOS:
        return f"reserved repository {ref.repo}"
    outlet = ref.outlet.lower()
    dated = bool(_DATE.match(ref.published))
    if any(outlet == o or outlet.endswith("." + o) for o in RESERVED_OUTLETS) and (
        not dated or ref.published >= RESERVED_OUTLET_FROM
    ):
        return f"{outlet} item dated {ref.published or 'unknown'}"
    if ref.lang == "fr" and dated and RESERVED_FR_SPAN[0] <= ref.published <= RESERVED_FR_SPAN[1]:
        return f"French item dated {ref.published}"
    return None


# --- readers: each returns {key: Text} for one file ------------------------------------------


def read_feed(raw: bytes) -> dict[str, Text]:
    """Index an RSS/Atom/RDF document by entry id, else link."""
    parsed = feedparser.parse(raw)
    out: dict[str, Text] = {}
    for entry in parsed.entries:
        key = entry.get("id") or entry.get("link")
        if not key or key in out:
            continue
        summary = entry.get("summary") or entry.get("description") or ""
        out[str(key)] = Text(clean_text(entry.get("title")), clean_text(summary))
    return out


def _record_text(record: Any, cols: Mapping[str, str]) -> Text:
    title = dotted(record, cols.get("title", "title"))
    summary = dotted(record, cols["summary"]) if cols.get("summary") else ""
    return Text(clean_text(title), clean_text(summary))


def _index_records(records: Iterable[Any], cols: Mapping[str, str]) -> dict[str, Text]:
    out: dict[str, Text] = {}
    key_col = cols.get("key")
    for index, record in enumerate(records):
        key = dotted(record, key_col) if key_col else index
        if key is None or str(key) in out:
            continue
        out[str(key)] = _record_text(record, cols)
    return out


def read_delimited(raw: bytes, cols: Mapping[str, str], delimiter: str) -> dict[str, Text]:
    """Index CSV/TSV rows by the `cols.key` column, else by 0-based data row number.

    A file without a header row names its columns in `cols.fields` (comma-separated); its
    first line is then data row 0.
    """
    fields = [name.strip() for name in cols["fields"].split(",")] if cols.get("fields") else None
    text = io.StringIO(decode_bytes(raw), newline="")
    rows = csv.DictReader(text, fieldnames=fields, delimiter=delimiter)
    return _index_records(rows, cols)


def read_jsonl(raw: bytes, cols: Mapping[str, str]) -> dict[str, Text]:
    """Index JSON-lines records by `cols.key`, else by 0-based record number."""

    def records() -> Iterator[Any]:
        for line in decode_bytes(raw).splitlines():
            if line.strip():
                yield json.loads(line)

    return _index_records(records(), cols)


def read_json(raw: bytes, cols: Mapping[str, str]) -> dict[str, Text]:
    """Index the list at `cols.list` (the document itself when absent) by `cols.key`."""
    records = dotted(json.loads(decode_bytes(raw)), cols.get("list"))
    if not isinstance(records, list):
        raise ValueError(f"no list at {cols.get('list') or 'the document root'}")
    return _index_records(records, cols)


def read_file(raw: bytes, reader: str, cols: Mapping[str, str]) -> dict[str, Text]:
    """Dispatch to the reader a reference names."""
    if reader == "feed":
        return read_feed(raw)
    if reader == "csv":
        return read_delimited(raw, cols, ",")
    if reader == "tsv":
        return read_delimited(raw, cols, "\t")
    if reader == "jsonl":
        return read_jsonl(raw, cols)
    if reader == "json":
        return read_json(raw, cols)
    raise ValueError(f"unknown reader {reader!r}")


# --- mirrors ----------------------------------------------------------------------------------


def _is_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def find_git_dir(mirrors: Path, repo: str) -> Path | None:
    """Return the bare git dir of `owner/name` under <mirrors>/<owner>+<name>, or None."""
    base = mirrors / repo.replace("/", "+")
    if not base.is_dir():
        return None
    if _is_git_dir(base):
        return base
    for child in sorted(base.iterdir()):
        if child.is_dir() and _is_git_dir(child):
            return child
        if child.is_dir() and _is_git_dir(child / ".git"):
            return child / ".git"
    return None


def git_show(git_dir: Path, commit: str, path: str) -> bytes | None:
    """Return the bytes of `commit:path` in a git dir, or None when absent."""
    proc = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"],
        capture_output=True,
        check=False,
    )
    return proc.stdout if proc.returncode == 0 else None


# --- labels -----------------------------------------------------------------------------------


def load_labels(path: Path) -> dict[str, dict[str, Any]]:
    """Load one annotation pass keyed by item id (an absent file is an empty pass)."""
    if not path.is_file():
        return {}
    out: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        for name in ("cutoff", "legal"):
            if row.get(name) not in LABEL_VALUES:
                raise ValueError(f"{path}:{number}: {name} must be one of {LABEL_VALUES}")
        parties = row.get("parties") or []
        if not isinstance(parties, list):
            raise ValueError(f"{path}:{number}: parties must be a list")
        out[str(row["id"])] = {
            "cutoff": row["cutoff"],
            "legal": row["legal"],
            "parties": [str(p) for p in parties],
        }
    return out


def merge_labels(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Merge two passes: a differing label is borderline; parties are the union when positive."""
    merged: dict[str, Any] = {}
    for name in ("cutoff", "legal"):
        merged[name] = a[name] if a[name] == b[name] else "borderline"
    positive = merged["cutoff"] == "yes" or merged["legal"] == "yes"
    merged["parties"] = sorted(set(a["parties"]) | set(b["parties"])) if positive else []
    return merged


# --- main -------------------------------------------------------------------------------------


@dataclass
class Report:
    """What a rebuild found and wrote."""

    missing_mirrors: dict[str, int] = field(default_factory=dict)
    not_found: list[str] = field(default_factory=list)
    unreadable_files: list[str] = field(default_factory=list)
    reserved: list[str] = field(default_factory=list)
    invalid_refs: list[str] = field(default_factory=list)
    duplicate_ids: list[str] = field(default_factory=list)
    written: int = 0
    labelled: int = 0
    one_pass: int = 0
    unlabelled: int = 0
    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def ok(self) -> bool:
        """Return True when every reference was resolved."""
        return not (
            self.missing_mirrors
            or self.not_found
            or self.unreadable_files
            or self.invalid_refs
            or self.duplicate_ids
        )


def load_refs(refs_dir: Path, report: Report) -> list[Ref]:
    """Read every refs/*.jsonl file; invalid lines are reported and skipped."""
    refs: list[Ref] = []
    seen: set[str] = set()
    for path in sorted(refs_dir.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                ref = Ref.from_json(json.loads(line))
            except (KeyError, ValueError, TypeError) as exc:
                report.invalid_refs.append(f"{path.name}:{number}: {exc}")
                continue
            if ref.id in seen:
                report.duplicate_ids.append(ref.id)
                continue
            seen.add(ref.id)
            refs.append(ref)
    return refs


def rebuild(refs_dir: Path, mirrors: Path, out_dir: Path, labels_dir: Path | None = None) -> Report:
    """Rebuild <out_dir>/items.jsonl from references, mirrors and annotation passes."""
    report = Report()
    refs = load_refs(refs_dir, report)
    labels_dir = labels_dir if labels_dir is not None else refs_dir.parent / "labels"
    pass_a = load_labels(labels_dir / "pass_a.jsonl")
    pass_b = load_labels(labels_dir / "pass_b.jsonl")

    by_file: dict[tuple[str, str, str, str, str], list[Ref]] = defaultdict(list)
    for ref in refs:
        reason = reserved_reason(ref)
        if reason:
            report.reserved.append(f"{ref.id}: {reason}")
            continue
        by_file[ref.file_key()].append(ref)

    git_dirs: dict[str, Path | None] = {}
    items: list[dict[str, Any]] = []
    for file_key in sorted(by_file):
        file_refs = by_file[file_key]
        repo, commit, path, reader, _ = file_key
        if repo not in git_dirs:
            git_dirs[repo] = find_git_dir(mirrors, repo)
        git_dir = git_dirs[repo]
        if git_dir is None:
            report.missing_mirrors[repo] = report.missing_mirrors.get(repo, 0) + len(file_refs)
            continue
        raw = git_show(git_dir, commit, path)
        index: dict[str, Text] = {}
        try:
            index = read_file(raw, reader, file_refs[0].cols) if raw is not None else {}
        except (ValueError, csv.Error) as exc:
            report.unreadable_files.append(f"{repo}@{commit[:12]}:{path}: {exc}")
        if raw is None:
            report.unreadable_files.append(f"{repo}@{commit[:12]}:{path}: not in the mirror")
        for ref in file_refs:
            text = index.get(ref.key)
            if text is None or not text.title:
                report.not_found.append(ref.id)
                continue
            item: dict[str, Any] = {
                "id": ref.id,
                "lang": ref.lang,
                "source": ref.outlet,
                "title": text.title,
                "summary": cut_summary(text.summary),
                "published": ref.published,
                "slice": ref.slice,
            }
            a, b = pass_a.get(ref.id), pass_b.get(ref.id)
            if a is not None and b is not None:
                item.update(merge_labels(a, b))
                report.labelled += 1
            elif a is not None or b is not None:
                report.one_pass += 1
            else:
                report.unlabelled += 1
            items.append(item)
            report.counts["lang"][ref.lang] += 1
            report.counts["slice"][f"{ref.lang}/{ref.slice}"] += 1
            report.counts["outlet"][f"{ref.lang}/{ref.outlet}"] += 1
            report.counts["year"][f"{ref.lang}/{ref.published[:4]}"] += 1

    items.sort(key=lambda item: item["id"])
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "items.jsonl"
    tmp = target.with_suffix(".jsonl.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    tmp.replace(target)
    report.written = len(items)
    return report


def print_report(report: Report, out_dir: Path, top_outlets: int = 30) -> None:
    """Print what was written and what is missing."""
    print(f"wrote {report.written} items to {out_dir / 'items.jsonl'}")
    for repo, count in sorted(report.missing_mirrors.items()):
        print(f"MISSING MIRROR {repo} ({count} refs): fetch github:{repo}")
    if report.not_found:
        shown = ", ".join(report.not_found[:50])
        more = f" (+{len(report.not_found) - 50} more)" if len(report.not_found) > 50 else ""
        print(f"NOT FOUND {len(report.not_found)} refs: {shown}{more}")
    for line in report.unreadable_files:
        print(f"UNREADABLE {line}")
    for line in report.invalid_refs:
        print(f"INVALID REF {line}")
    for ref_id in report.duplicate_ids:
        print(f"DUPLICATE ID {ref_id}")
    for line in report.reserved:
        print(f"RESERVED, skipped {line}")
    print(
        f"labels: {report.labelled} merged from both passes, {report.one_pass} in one pass only "
        f"(written without labels), {report.unlabelled} unlabelled"
    )
    for name in ("lang", "slice", "year"):
        counts = sorted(report.counts[name].items())
        print(f"per {name}: " + ", ".join(f"{k}={v}" for k, v in counts))
    outlets = report.counts["outlet"]
    print(f"per outlet ({len(outlets)} outlets, top {top_outlets}):")
    for outlet, count in sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0]))[:top_outlets]:
        print(f"  {outlet}: {count}")


def main(argv: list[str] | None = None) -> int:
    """Run the rebuild from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS)
    parser.add_argument("--out", type=Path, default=Path(".corpus-cache"))
    parser.add_argument("--refs", type=Path, default=HERE / "refs")
    parser.add_argument("--labels", type=Path, default=HERE / "labels")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    report = rebuild(args.refs, args.mirrors, args.out, args.labels)
    print_report(report, args.out)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
