"""`markwatch reindex`: rebuild the search index from the store of record.

Elasticsearch: a new versioned index is built from the embedded store, then the alias
swaps to it atomically (searches never see a half-built index). SQLite: every
document is tokenised again (after catalog changes add mark names).
"""

from __future__ import annotations

import argparse
import json
import sys

from indexer.sqlite_backend import SqliteIndex
from indexer.text import Tokenizer
from markwatch.compose import build_detector, build_elasticsearch, mark_words
from markwatch.settings import Settings

NAME = "reindex"
HELP = "rebuild the search index from the store of record (alias swap on Elasticsearch)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", choices=("sqlite", "elasticsearch"), default=None)


def run(args: argparse.Namespace, settings: Settings) -> int:
    catalog, _ = build_detector(settings)
    tokenizer = Tokenizer(mark_words(catalog))
    if not settings.sqlite_index_path.exists():
        print(f"markwatch reindex: no store at {settings.sqlite_index_path}", file=sys.stderr)
        return 2
    record = SqliteIndex(settings.sqlite_index_path, tokenizer)
    backend = args.index or settings.index_backend
    try:
        if backend == "elasticsearch":
            es = build_elasticsearch(settings, tokenizer)
            try:
                report = es.reindex(record.docs())
            finally:
                es.close()
            summary = {
                "backend": backend,
                "indexed": report.indexed,
                "new_index": report.new_index,
                "caught_up": report.caught_up,
                "errors": len(report.errors),
            }
        else:
            docs = list(record.docs())
            result = record.upsert(docs)
            summary = {"backend": backend, "indexed": result.indexed, "errors": len(result.errors)}
    finally:
        record.close()
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if not summary["errors"] else 1
