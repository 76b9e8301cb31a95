"""schema.org Product (microdata, JSON-LD, RDFa) and OpenGraph pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crawler.parsers import ParseError, extract


@pytest.mark.parametrize(
    "file",
    [
        "jsonld/extruct_schema.org_product.html",
        "jsonld/extruct_schema.org_product-ref.html",
        "jsonld/extruct_misc_product_microdata.html",
    ],
)
def test_microdata_product(file: str, page: Callable[[str], bytes]) -> None:
    [product] = extract("generic", page(file), "https://shop.example.com/anvil")
    assert product.id == "generic:shop.example.com:925872"  # the mpn
    assert product.title == "Executive Anvil"
    assert (product.price, product.currency) == (119.99, "USD")
    assert product.seller.name == "Executive Objects"
    assert product.images[0] == "https://shop.example.com/anvil_executive.jpg"


def test_real_bestbuy_page(page: Callable[[str], bytes]) -> None:
    [product] = extract("generic", page("jsonld/ogs_bestbuy_product_microdata.html"))
    assert product.id == "generic:www.bestbuy.com:4447801"
    assert product.title == "Apple - iPhone 6s 64GB - Space Gray (Verizon)"
    assert product.currency == "USD"


def test_real_newegg_page_without_sku_gets_a_url_id(page: Callable[[str], bytes]) -> None:
    body = page("jsonld/ogs_newegg_product_microdata.html")
    [product] = extract("generic", body)
    assert product.title.startswith("XYZprinting da Vinci 2.0 Duo")
    assert product.price == 549.99
    assert product.id.startswith("generic:") and product.id == extract("generic", body)[0].id


JSON_LD = """<html><head><link rel="canonical" href="https://mall.example.cn/p/88">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
 {"@type":"Product","name":"五常大米 5kg","sku":"WC-5","image":{"url":"/img/wc.jpg"},
  "offers":{"@type":"AggregateOffer","lowPrice":"39.9","priceCurrency":"CNY",
  "seller":{"@type":"Organization","name":"某米业","address":{"addressRegion":"安徽",
  "addressLocality":"亳州"}}}}]}</script></head><body></body></html>"""

RDFA = """<html><body><div vocab="http://schema.org/" typeof="Product">
<span property="name">冰墩墩 摆件</span><span property="sku">BDD-1</span>
<div property="offers" typeof="Offer"><span property="price">88</span>
<meta property="priceCurrency" content="CNY"></div></div></body></html>"""

OPENGRAPH = """<html><head><meta property="og:title" content="长白山人参 礼盒">
<meta property="product:price:amount" content="199.00">
<meta property="og:image" content="//img.example.com/a.jpg"></head></html>"""


def test_json_ld_graph_product() -> None:
    [product] = extract("generic", JSON_LD.encode())
    assert product.id == "generic:mall.example.cn:WC-5"
    assert (product.title, product.price, product.currency) == ("五常大米 5kg", 39.9, "CNY")
    assert (product.seller.name, product.seller.location) == ("某米业", "安徽 亳州")
    assert product.images == ("https://mall.example.cn/img/wc.jpg",)


def test_rdfa_product() -> None:
    [product] = extract("generic", RDFA.encode(), "https://shop.example.cn/bdd")
    assert (product.id, product.title, product.price) == (
        "generic:shop.example.cn:BDD-1", "冰墩墩 摆件", 88.0,
    )  # fmt: skip


def test_opengraph_fallback() -> None:
    [product] = extract("generic", OPENGRAPH.encode(), "https://shop.example.cn/rs")
    assert (product.title, product.price) == ("长白山人参 礼盒", 199.0)
    assert product.images == ("https://img.example.com/a.jpg",)
    assert product.id == extract("generic", OPENGRAPH.encode(), "https://shop.example.cn/rs")[0].id


@pytest.mark.parametrize("body", [b"<html><body>nothing here</body></html>", b"", b'{"a": 1}'])
def test_pages_without_product_data_are_parse_errors(body: bytes) -> None:
    with pytest.raises(ParseError, match="generic"):
        extract("generic", body)
