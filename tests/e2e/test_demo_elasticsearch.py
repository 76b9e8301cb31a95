"""`markwatch demo --index elasticsearch`: every finding indexed; mark and pinyin searches work."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from detectors import load_catalog
from indexer.base import SearchQuery
from indexer.elasticsearch_backend import EsIndexConfig, make_client
from indexer.text import Tokenizer
from markwatch.commands.demo import DEMO_SITES
from markwatch.compose import build_elasticsearch, mark_words
from markwatch.settings import load_settings
from testbed.server import TestbedServer

REPO = Path(__file__).resolve().parents[2]


def _all_ids(index, query: SearchQuery) -> set[str]:  # type: ignore[no-untyped-def]
    ids: set[str] = set()
    page = index.search(dataclasses.replace(query, size=500))
    while True:
        ids |= {hit.id for hit in page.hits}
        if page.next_after is None:
            return ids
        page = index.search(dataclasses.replace(query, size=500, search_after=page.next_after))


def test_demo_on_elasticsearch_finds_every_listing_of_a_mark(es_url: str, tmp_path: Path) -> None:
    prefix = f"mwtest-{uuid.uuid4().hex[:8]}-"
    env = {
        **os.environ,
        "MARKWATCH_DATA_DIR": str(tmp_path),
        "MARKWATCH_ES_URL": es_url,
        "MARKWATCH_ES_PREFIX": prefix,
    }
    result = subprocess.run(
        [sys.executable, "-m", "markwatch.cli", "demo", "--index", "elasticsearch"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["index"] == "elasticsearch"
    with TestbedServer() as bed:
        truth = [t for t in httpx.get(f"{bed.url}/_truth.json").json() if t["site"] in DEMO_SITES]
    assert summary["listings"] == len(truth)

    settings = dataclasses.replace(
        load_settings(environ=env), data_dir=tmp_path / "demo", index_backend="elasticsearch"
    )
    es = build_elasticsearch(settings, Tokenizer(mark_words(load_catalog())))
    try:
        es.refresh()
        assert es.count() == len(truth)  # every listing, its finding with it
        wanted = {t["id"] for t in truth if t["mark"] == "长白山人参"}
        assert wanted
        assert wanted <= _all_ids(es, SearchQuery(text="长白山人参"))
        assert wanted <= _all_ids(es, SearchQuery(text="changbaishan"))
        flagged = {t["id"] for t in truth if t["verdict"] != "clear"}
        indexed_flagged = _all_ids(es, SearchQuery(verdict=["infringing", "suspicious"]))
        assert len(indexed_flagged & flagged) >= 0.95 * len(flagged)
    finally:
        es.close()
        client = make_client(EsIndexConfig(urls=(es_url,), prefix=prefix))
        client.indices.delete(index=f"{prefix}*", ignore_unavailable=True)
        client.indices.delete_index_template(name=f"{prefix}*")
        client.close()
