"""The composition root: builds the detector, index, alert store and channels from Settings."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from alerts.channels import Channel
from alerts.channels.options import ChannelConfigError
from alerts.channels.registry import build_channel, check_channel
from alerts.channels.webhook import WebhookChannel
from alerts.config import AlertsConfig
from alerts.outbox import OutboxDispatcher
from alerts.store import AlertStore
from console.console_store import StoredChannel, existing_console_store
from crawler.components import ImageStage
from detectors import Catalog, Detector, load_catalog
from indexer.base import SearchIndex
from indexer.elasticsearch_backend import ElasticsearchIndex, EsIndexConfig
from indexer.spool import Spool
from indexer.sqlite_backend import SqliteIndex
from indexer.tee import TeeIndex
from indexer.text import Tokenizer
from markwatch.settings import Settings
from netpolicy import AddressPolicy, BlockedAddress

logger = logging.getLogger(__name__)


def build_detector(settings: Settings) -> tuple[Catalog, Detector]:
    catalog = load_catalog(extra_dirs=settings.catalog_dirs)
    return catalog, Detector(catalog, settings.detector)


def mark_words(catalog: Catalog) -> list[str]:
    """Names that the index tokenizer must keep whole."""
    return sorted({name.replace(" ", "") for mark in catalog.marks for name in mark.chinese_names})


def build_index(settings: Settings, catalog: Catalog) -> SearchIndex:
    tokenizer = Tokenizer(mark_words(catalog))
    record = SqliteIndex(settings.sqlite_index_path, tokenizer)
    if settings.index_backend == "elasticsearch":
        return TeeIndex(record, build_elasticsearch(settings, tokenizer))
    return record


def build_elasticsearch(settings: Settings, tokenizer: Tokenizer) -> ElasticsearchIndex:
    return ElasticsearchIndex(
        EsIndexConfig.from_settings(settings, prefix=settings.es_prefix),
        tokenizer,
        Spool(settings.data_dir / "es-spool.sqlite3"),
    )


def build_channels(settings: Settings, config: AlertsConfig | None = None) -> dict[str, Channel]:
    """Staff-wide webhooks (every alert) first, then the channels watchlists name."""
    config = config or settings.alerts
    channels: dict[str, Channel] = {}
    for url in settings.webhook_urls:
        name = staff_webhook_name(url)
        channels[name] = WebhookChannel(url, name=name)
    for channel in config.channels:
        channels[channel.name] = build_channel(channel.name, channel.table)
    # Channels rights holders saved in the portal: untrusted targets, checked again here
    # (DNS may have changed since they were saved) and at every connection.
    policy = AddressPolicy.from_hosts(settings.allowed_hosts)
    for stored in _portal_channels(settings):
        table = {"type": stored.type, **stored.options}
        try:
            check_channel(stored.name, table, policy)
            channels[stored.name] = build_channel(stored.name, table, policy)
        except (BlockedAddress, ChannelConfigError) as exc:
            logger.error("channel %s not loaded: %s", stored.name, exc)
    return channels


def _portal_channels(settings: Settings) -> list[StoredChannel]:
    """Channels saved in the console, if the console ever ran on this database."""
    with existing_console_store(settings.store_url) as store:
        return store.channels() if store is not None else []


def staff_webhook_name(url: str) -> str:
    # Named by a hash: URLs may carry tokens, and names end up in logs and the outbox.
    return f"webhook-{hashlib.sha256(url.encode()).hexdigest()[:10]}"


def build_alert_store(settings: Settings, config: AlertsConfig) -> AlertStore:
    """The store of record; the staff-wide webhooks receive every alert."""
    broadcast = tuple(staff_webhook_name(url) for url in settings.webhook_urls)
    return AlertStore(settings.db_url or settings.alerts_db_path, broadcast, config=config)


@contextmanager
def alert_services(settings: Settings) -> Iterator[tuple[AlertStore, dict[str, Channel]]]:
    """Just the alert store and channels, for commands that only deliver."""
    config = settings.alerts
    channels = build_channels(settings, config)
    store = build_alert_store(settings, config)
    try:
        yield store, channels
    finally:
        store.close()
        for channel in channels.values():
            channel.close()


def build_image_stage(settings: Settings, catalog: Catalog) -> ImageStage | None:
    if not settings.images:
        return None
    # OpenCV/onnxruntime: load on demand
    from markwatch.images import InspectorRecipe, ThreadLocalInspector, load_references

    references = load_references(settings)
    inspector = ThreadLocalInspector(references)
    # The product noun closing each GI name (人参, 大米, 绿豆 …) gates OCR.
    words = sorted({m.name[-2:] for m in catalog.marks if m.kind == "gi" and len(m.name) > 2})
    return ImageStage(
        inspector,
        inspector.executor,
        settings.data_dir / "images",
        tuple(words),
        recipe=InspectorRecipe(references),
    )


@dataclass(frozen=True)
class StoresRecipe:
    """Opens the index and alert store of these settings again, in another process (the
    crawl's writer process, crawler.writer): picklable, unlike the open services."""

    settings: Settings

    def __call__(self) -> tuple[SearchIndex, AlertStore]:
        catalog = load_catalog(extra_dirs=self.settings.catalog_dirs)
        return build_index(self.settings, catalog), build_alert_store(
            self.settings, self.settings.alerts
        )


@dataclass
class Services:
    settings: Settings
    catalog: Catalog
    detector: Detector
    index: SearchIndex
    alerts: AlertStore
    channels: dict[str, Channel]
    images: ImageStage | None = None

    @property
    def stores(self) -> StoresRecipe:
        return StoresRecipe(self.settings)

    @property
    def dispatcher(self) -> OutboxDispatcher:
        return OutboxDispatcher(self.alerts, self.channels)

    def close(self) -> None:
        self.index.close()
        self.alerts.close()
        if self.images is not None:
            self.images.executor.shutdown(wait=True, cancel_futures=True)
        for channel in self.channels.values():
            channel.close()


@contextmanager
def services(settings: Settings, *, images: bool = False) -> Iterator[Services]:
    """The shared components; `images=True` adds the photo stage crawls use."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    catalog, detector = build_detector(settings)
    alerts_config = settings.alerts
    channels = build_channels(settings, alerts_config)
    built = Services(
        settings=settings,
        catalog=catalog,
        detector=detector,
        index=build_index(settings, catalog),
        alerts=build_alert_store(settings, alerts_config),
        channels=channels,
        images=build_image_stage(settings, catalog) if images else None,
    )
    try:
        yield built
    finally:
        built.close()
