from __future__ import annotations

from collections.abc import Callable

import pytest

from detectors import Detector, DetectorConfig, load_catalog
from detectors.types import Listing, Seller

ListingFactory = Callable[..., Listing]


@pytest.fixture(scope="session")
def detector() -> Detector:
    return Detector(load_catalog(), DetectorConfig())


@pytest.fixture(scope="session")
def make_listing() -> ListingFactory:
    def make(
        title: str,
        location: str = "",
        *,
        price: float | None = None,
        quantity: str = "",
        seller: str = "某某小店",
        description: str = "",
        credit_code: str | None = None,
    ) -> Listing:
        return Listing(
            id="t:1",
            platform="taobao",
            title=title,
            description=description,
            price=price,
            quantity=quantity,
            seller=Seller(name=seller, location=location, credit_code=credit_code),
        )

    return make
