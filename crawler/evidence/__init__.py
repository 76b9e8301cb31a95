"""Evidence that holds up: raw responses as WARC, screenshots, images, a hash-chained log."""

from crawler.evidence.config import EvidenceConfig
from crawler.evidence.log import EvidenceLog, LogEntry
from crawler.evidence.store import EvidenceStore, Problem, VerificationReport

__all__ = [
    "EvidenceConfig",
    "EvidenceLog",
    "EvidenceStore",
    "LogEntry",
    "Problem",
    "VerificationReport",
]
