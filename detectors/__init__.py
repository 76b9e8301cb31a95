"""Text and rule detection of protected marks: Listing in, Finding out.

Pure: no network, no database, no global state. Build a Detector once and reuse it.

The names below load on first use (PEP 562): a process that needs only the contracts
(`detectors.types`) or the image detectors, such as a photo worker, does not pay for
the text engine and its dictionaries.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detectors.catalog_loader import Catalog, CatalogError, Mark, load_catalog
    from detectors.config import DetectorConfig
    from detectors.engine import Detector

__all__ = ["Catalog", "CatalogError", "Detector", "DetectorConfig", "Mark", "load_catalog"]

_HOME = {
    "Catalog": "detectors.catalog_loader",
    "CatalogError": "detectors.catalog_loader",
    "Mark": "detectors.catalog_loader",
    "load_catalog": "detectors.catalog_loader",
    "DetectorConfig": "detectors.config",
    "Detector": "detectors.engine",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'detectors' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
