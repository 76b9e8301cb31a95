"""Item pages' attribute tables land in Listing.attributes (real saved pages, hand-checked)."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.parsers import taobao, tmall
from crawler.parsers.common import attribute_table


def test_attribute_table_splits_on_the_first_colon_of_either_width() -> None:
    table = attribute_table(
        [
            "产地:\xa0吉林省抚松县",
            "厂名：抚松县某参业有限公司",
            "生产许可证编号：SC11722062100015",
            "无冒号",
            "空值: ",
        ]
    )
    assert table == {
        "产地": "吉林省抚松县",
        "厂名": "抚松县某参业有限公司",
        "生产许可证编号": "SC11722062100015",
    }


def test_taobao_item_page_attributes(realworld_root: Path) -> None:
    page = realworld_root / "ecommerce" / "taobao_item_562283240178_keyboard_case.html"
    listing = taobao.parse_item(page.read_bytes())
    assert listing.attributes["品牌"] == "KBDfans"
    assert listing.attributes["型号"] == "乳白外壳"
    assert listing.attributes["接口类型"] == "黑色（PS/2）；白色（USB）"
    assert listing.attributes["连接方式"] == "无线"
    assert len(listing.attributes) == 8
    assert listing.to_dict()["attributes"]["品牌"] == "KBDfans"


def test_tmall_item_page_attributes_gbk(realworld_root: Path) -> None:
    page = realworld_root / "ecommerce" / "tmall_item_iphone11_suning_flagship.gbk.html"
    listing = tmall.parse_item(page.read_bytes())
    assert listing.attributes["产品名称"] == "Apple/苹果 iPhone 11"
    assert listing.attributes["Apple型号"] == "iPhone 11"
    assert listing.attributes["存储容量"] == "64GB 128GB 256GB"


def test_tmall_h5_detail_group_props(realworld_root: Path) -> None:
    data = json.loads(
        (realworld_root / "ecommerce" / "tmall_h5_detail_api_2019_2.json").read_text("utf-8")
    )
    listing = tmall.parse_api(data)
    assert listing.attributes["镜架材质"] == "纯钛"
    assert listing.attributes["品牌"] == "jean marc"
    assert listing.attributes["货号"] == "28220"
