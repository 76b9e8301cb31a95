"""The composition root: builds the detector, index, alert store and channels from Settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from alerts.channels import Channel
from alerts.channels.webhook import WebhookChannel
from alerts.outbox import OutboxDispatcher
from alerts.store import AlertStore
from detectors import Catalog, Detector, DetectorConfig, load_catalog
from indexer.base import SearchIndex
from indexer.sqlite_backend import SqliteIndex
from indexer.text import Tokenizer
from markwatch.settings import Settings


def build_detector(settings: Settings) -> tuple[Catalog, Detector]:
    catalog = load_catalog(extra_dirs=settings.catalog_dirs)
    config = DetectorConfig.from_mapping(dict(settings.section("detector")))
    return catalog, Detector(catalog, config)


def mark_words(catalog: Catalog) -> list[str]:
    """Names that the index tokenizer must keep whole."""
    return sorted(
        {name.replace(" ", "") for mark in catalog.marks for name in mark.chinese_names}
    )


def build_index(settings: Settings, catalog: Catalog) -> SearchIndex:
    tokenizer = Tokenizer(mark_words(catalog))
    if settings.index_backend == "elasticsearch":
        from indexer.elasticsearch_backend import ElasticsearchIndex

        return ElasticsearchIndex.from_settings(settings, tokenizer)
    return SqliteIndex(settings.sqlite_index_path, tokenizer)


def build_channels(settings: Settings) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    for url in settings.webhook_urls:
        channel = WebhookChannel(url)
        channels[channel.name] = channel
    return channels


@dataclass
class Services:
    settings: Settings
    catalog: Catalog
    detector: Detector
    index: SearchIndex
    alerts: AlertStore
    channels: dict[str, Channel]

    @property
    def dispatcher(self) -> OutboxDispatcher:
        return OutboxDispatcher(self.alerts, self.channels)

    def close(self) -> None:
        self.index.close()
        self.alerts.close()


@contextmanager
def services(settings: Settings) -> Iterator[Services]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    catalog, detector = build_detector(settings)
    channels = build_channels(settings)
    built = Services(
        settings=settings,
        catalog=catalog,
        detector=detector,
        index=build_index(settings, catalog),
        alerts=AlertStore(settings.alerts_db_path, channel_names=tuple(channels)),
        channels=channels,
    )
    try:
        yield built
    finally:
        built.close()
