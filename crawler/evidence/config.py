"""Evidence settings: parsed once from the `[evidence]` table or the Scrapy settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings

from crawler.evidence.timestamps import TsaConfig

DIR_SETTING = "MARKWATCH_EVIDENCE_DIR"  # set = evidence capture on


@dataclass(frozen=True)
class EvidenceConfig:
    images: bool = True  # download and keep the listing's images
    screenshots: bool = True  # full-page screenshots (Chromium) in a batch after the crawl
    max_images: int = 8  # per listing
    buffer_size: int = 1024  # raw responses kept while their items reach the pipeline
    screenshot_timeout_s: float = 20.0
    # RFC 3161 time-stamping authority: the log head is stamped after each crawl.
    tsa_url: str = ""
    tsa_ca_file: str = ""  # PEM root certificate(s) of the TSA, for verification
    tsa_cert_file: str = ""  # PEM signing certificate of the TSA, pinned (optional)

    def __post_init__(self) -> None:
        if self.max_images < 0 or self.buffer_size < 1 or self.screenshot_timeout_s <= 0:
            raise ValueError(f"invalid evidence settings: {self}")

    @classmethod
    def from_scrapy(cls, settings: BaseSettings) -> EvidenceConfig:
        return cls(
            images=settings.getbool("MARKWATCH_EVIDENCE_IMAGES", cls.images),
            screenshots=settings.getbool("MARKWATCH_EVIDENCE_SCREENSHOTS", cls.screenshots),
            max_images=settings.getint("MARKWATCH_EVIDENCE_MAX_IMAGES", cls.max_images),
            buffer_size=settings.getint("MARKWATCH_EVIDENCE_BUFFER", cls.buffer_size),
            screenshot_timeout_s=settings.getfloat(
                "MARKWATCH_EVIDENCE_SCREENSHOT_TIMEOUT", cls.screenshot_timeout_s
            ),
            tsa_url=settings.get("MARKWATCH_TSA_URL") or "",
            tsa_ca_file=settings.get("MARKWATCH_TSA_CA_FILE") or "",
            tsa_cert_file=settings.get("MARKWATCH_TSA_CERT_FILE") or "",
        )

    def tsa(self) -> TsaConfig:
        return TsaConfig(
            url=self.tsa_url,
            ca_file=Path(self.tsa_ca_file) if self.tsa_ca_file else None,
            cert_file=Path(self.tsa_cert_file) if self.tsa_cert_file else None,
        )

    def scrapy_settings(self, evidence_dir: Path) -> dict[str, Any]:
        """What a crawl needs to capture evidence into `evidence_dir` with this config."""
        return {
            DIR_SETTING: str(evidence_dir),
            "MARKWATCH_EVIDENCE_IMAGES": self.images,
            "MARKWATCH_EVIDENCE_SCREENSHOTS": self.screenshots,
            "MARKWATCH_EVIDENCE_MAX_IMAGES": self.max_images,
            "MARKWATCH_EVIDENCE_BUFFER": self.buffer_size,
            "MARKWATCH_EVIDENCE_SCREENSHOT_TIMEOUT": self.screenshot_timeout_s,
            "MARKWATCH_TSA_URL": self.tsa_url,
            "MARKWATCH_TSA_CA_FILE": self.tsa_ca_file,
            "MARKWATCH_TSA_CERT_FILE": self.tsa_cert_file,
        }
