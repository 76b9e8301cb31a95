"""The Elasticsearch that scripts/services.sh provisions answers and handles Chinese text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

pytestmark = pytest.mark.services


@pytest.fixture
def es(es_url: str) -> Iterator[Elasticsearch]:
    client = Elasticsearch(es_url.split(","), request_timeout=30)
    yield client
    client.close()


def test_cluster_is_healthy(es: Elasticsearch) -> None:
    health = es.cluster.health(wait_for_status="yellow", timeout="30s")
    assert health["status"] in ("green", "yellow")


def test_pre_segmented_chinese_is_found_by_term(es: Elasticsearch, es_index_prefix: str) -> None:
    index = f"{es_index_prefix}smoke"
    es.indices.create(
        index=index,
        settings={"number_of_shards": 1, "number_of_replicas": 0},
        mappings={"properties": {"words": {"type": "text", "analyzer": "whitespace"}}},
    )
    es.index(index=index, id="jd:1", document={"words": "正宗 长白山人参 礼盒 500g"})
    es.indices.refresh(index=index)

    hit = es.search(index=index, query={"term": {"words": "长白山人参"}})
    miss = es.search(index=index, query={"term": {"words": "五常大米"}})

    assert [h["_id"] for h in hit["hits"]["hits"]] == ["jd:1"]
    assert miss["hits"]["total"]["value"] == 0
