"""Text and rule detection of protected marks: Listing in, Finding out.

Pure: no network, no database, no global state. Build a Detector once and reuse it.
"""

from detectors.catalog_loader import Catalog, CatalogError, Mark, load_catalog
from detectors.config import DetectorConfig
from detectors.engine import Detector

__all__ = ["Catalog", "CatalogError", "Detector", "DetectorConfig", "Mark", "load_catalog"]
