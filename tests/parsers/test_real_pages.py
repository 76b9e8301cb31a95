"""Every saved e-commerce page parses to the values a person reads off that page.

Expected values were written by hand from the pages themselves (item cards, inline
JSON, shop boxes), not from parser output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.parsers import extract, sniff_platform
from detectors.types import Listing


@dataclass(frozen=True)
class Seen:
    """What the page shows for one listing."""

    id: str
    title: str
    price: float | None
    seller: str
    location: str = ""


@dataclass(frozen=True)
class RealPage:
    file: str
    platform: str
    count: int
    first: Seen
    last: Seen


PAGES: tuple[RealPage, ...] = (
    RealPage(
        "ecommerce/taobao_search_huili_shoes_2016.html", "taobao", 36,
        Seen("taobao:528991075854", "回力2016夏季真皮男士沙滩鞋休闲凉鞋透气潮", 115.0,
             "回力老字号", "广东 深圳"),
        Seen("taobao:40010488486", "回力男鞋帆布鞋夏透气休闲鞋大码运动板鞋女田径鞋足球鞋跑步鞋男",
             65.0, "柏风服饰专营店", "上海"),
    ),
    RealPage(
        "ecommerce/taobao_search_xiashangxin_2018.html", "taobao", 60,
        Seen("taobao:571575866125", "钩花镂空v领短袖蕾丝衫女夏装2018新款宽松显瘦开衫超仙闺蜜上衣",
             99.0, "machael_go", "浙江 宁波"),
        Seen("taobao:571272658213", "梅子熟了防晒衣女雪纺外披夏薄款复古防晒衫短款开衫上衣2018新款",
             98.0, "helixhouse", "浙江 杭州"),
    ),
    RealPage(
        "ecommerce/taobao_item_562283240178_keyboard_case.html", "taobao", 1,
        Seen("taobao:562283240178", "乳白亚克力外壳 60%键盘外壳 poker外壳无加强筋底壳透光外壳",
             149.0, "怡科外设KBDfans"),  # "¥149.00 - 159.00": the low end
        Seen("taobao:562283240178", "乳白亚克力外壳 60%键盘外壳 poker外壳无加强筋底壳透光外壳",
             149.0, "怡科外设KBDfans"),
    ),
    RealPage(
        "ecommerce/tmall_item_iphone11_suning_flagship.gbk.html", "tmall", 1,
        Seen("tmall:605258110430",
             "【官网价直降】Apple/苹果 iPhone 11 4G全网通智能手机正品苏宁易购官方旗舰店苹果11",
             5499.0, "苏宁易购官方旗舰店", "江苏 南京"),
        Seen("tmall:605258110430",
             "【官网价直降】Apple/苹果 iPhone 11 4G全网通智能手机正品苏宁易购官方旗舰店苹果11",
             5499.0, "苏宁易购官方旗舰店", "江苏 南京"),
    ),
    RealPage(
        "ecommerce/tmall_item_18959526273_pc_2015.html", "tmall", 1,
        Seen("tmall:18959526273", "AMH男装韩版2015秋装新款修身水洗微弹牛仔裤长裤NZ2508燊", 298.0,
             "AMH官方旗舰店", "山东 济南"),
        Seen("tmall:18959526273", "AMH男装韩版2015秋装新款修身水洗微弹牛仔裤长裤NZ2508燊", 298.0,
             "AMH官方旗舰店", "山东 济南"),
    ),
    RealPage(
        "ecommerce/tmall_item_18959526273_mobile_2015.html", "tmall", 1,
        Seen("tmall:18959526273", "AMH男装韩版2015秋装新款修身水洗微弹牛仔裤长裤NZ2508燊", 298.0,
             "AMH官方旗舰店", "山东 济南"),
        Seen("tmall:18959526273", "AMH男装韩版2015秋装新款修身水洗微弹牛仔裤长裤NZ2508燊", 298.0,
             "AMH官方旗舰店", "山东 济南"),
    ),
    RealPage(
        "ecommerce/tmall_h5_detail_api_2019_0.json", "tmall", 1,
        Seen("tmall:583789686010", "法国小众红色连衣裙女秋冬维多利亚复古大红色针织毛衣裙小红裙子",
             146.0, "kabeilin卡贝琳服饰旗舰店", "广东 东莞"),  # 活动价 146, 专柜价 258 struck
        Seen("tmall:583789686010", "法国小众红色连衣裙女秋冬维多利亚复古大红色针织毛衣裙小红裙子",
             146.0, "kabeilin卡贝琳服饰旗舰店", "广东 东莞"),
    ),
    RealPage(
        "ecommerce/tmall_h5_detail_api_2019_1.json", "tmall", 1,
        Seen("tmall:581871359784", "2019春季新款韩版修身显瘦加厚收腰毛呢背心裙连衣裙女装气质裙子",
             124.2, "创女季旗舰店", "广东 广州"),
        Seen("tmall:581871359784", "2019春季新款韩版修身显瘦加厚收腰毛呢背心裙连衣裙女装气质裙子",
             124.2, "创女季旗舰店", "广东 广州"),
    ),
    RealPage(
        "ecommerce/tmall_h5_detail_api_2019_2.json", "tmall", 1,
        Seen("tmall:567898584368", "jeanmarc超轻纯钛眼镜框男 近视眼镜架方框 潮人眼镜大框不挑脸型",
             178.0, "jeanmarc旗舰店", "广东 深圳"),
        Seen("tmall:567898584368", "jeanmarc超轻纯钛眼镜框男 近视眼镜架方框 潮人眼镜大框不挑脸型",
             178.0, "jeanmarc旗舰店", "广东 深圳"),
    ),
    RealPage(
        "ecommerce/tmall_shop_58501945_handuyishe_itemlist_2015.json", "tmall", 24,
        Seen("tmall:520531176914", "预售韩都衣舍韩版2015秋装新款女装黑色小脚修身休闲裤OR5957槿",
             129.0, "韩都衣舍旗舰店"),
        Seen("tmall:520480712004", "预售韩都衣舍韩版2015秋装新款女两件套条纹背带连衣裙TK4689婏",
             169.0, "韩都衣舍旗舰店"),
    ),
    RealPage(
        "ecommerce/jd_search_sony_headphones_2016.html", "jd", 29,  # 30 cards, one an empty ad
        Seen("jd:940275", "索尼（SONY） MDR-EX15LP 小巧入耳式耳机,佩戴舒适 半透明果冻色渐变机身 黑色",  # noqa: E501
             55.0, ""),  # 2016 cards load the shop name by script
        Seen("jd:10413248111", "索尼（SONY） MDR-EX15AP入耳式智能手机通话耳机兼容多种智能手机 黑色",
             69.0, ""),
    ),
    RealPage(
        "ecommerce/jd_search_shouji_2024.html", "jd", 60,
        Seen("jd:100105483276",
             "vivoiQOO Z9 Turbo 12GB+256GB 星芒白第三代骁龙8s独显芯片Turbo 6000mAh超薄蓝海电池 电竞手机",  # noqa: E501
             1999.0, "iQOO京东自营官方旗舰店"),
        Seen("jd:100049775534",
             "诺基亚NOKIA新105 4G 【2023款】全网通移动联通电信 老人老年按键直板学生儿童备用手机 双卡双待 黑色",  # noqa: E501
             199.0, "诺基亚手机京东自营旗舰店"),
    ),
    RealPage(
        "ecommerce/pdd_api_category_goods_list_2018_0.json", "pdd", 119,
        # group-buy price in fen (5800), as the card shows it; single-buy is 6800
        Seen("pdd:2173242127", "顶乐折叠床单人午睡床办公室午休床睡椅陪护床简易床便携行军床", 58.0, ""),  # noqa: E501
        Seen("pdd:7193450", "电脑椅家用办公椅老板椅可躺升降按摩转椅搁脚真皮艺椅子包邮", 219.0, ""),
    ),
    RealPage(
        "ecommerce/pdd_api_category_goods_list_2018_1.json", "pdd", 100,
        Seen("pdd:147089516", "【东购】布艺沙发小户型家用转角三人位客厅组合整装简约家具沙发", 654.64, ""),  # noqa: E501
        Seen("pdd:56574572", "节惠LED灯泡高富帅节能灯白富美球泡灯家用led灯泡螺口大功率光源", 1.87, ""),  # noqa: E501
    ),
    RealPage(
        "ecommerce/1688_search_phone_data_cable_wholesalers_2024.html", "1688", 20,
        Seen("1688:718152613503", "双Type-c头PD数据传输公对公适用华为小米三星笔记本快充数据线", 1.74,  # noqa: E501
             "深圳市荣亮达科技有限公司", "广东 汕头市潮南区"),
        Seen("1688:662778980590", "适用苹果数据线批发USB线20WPD快充线iphone数据线手机苹果充电线", 1.2,  # noqa: E501
             "深圳市蝶彩实业有限公司", "广东 深圳市宝安区"),
    ),
    RealPage(
        "ecommerce/dangdang_books_scraped_items_2024.json", "dangdang", 600,
        Seen("dangdang:27878108", "额尔古纳河右岸（茅盾文学奖获奖作品全集28）", 16.0, ""),
        Seen("dangdang:29565918", "名士和狐仙：汪曾祺小说精选", 27.8, ""),
    ),
)  # fmt: skip


def _check(listing: Listing, seen: Seen, platform: str) -> None:
    assert listing.id == seen.id
    assert listing.platform == platform
    assert listing.title == seen.title
    if seen.price is None:
        assert listing.price is None
    else:
        assert listing.price == pytest.approx(seen.price)
    assert listing.currency == "CNY"
    assert listing.seller.name == seen.seller
    assert listing.seller.location == seen.location
    assert listing.source == "ecommerce"


@pytest.mark.parametrize("real", PAGES, ids=lambda r: r.file.split("/")[-1])
def test_real_page_gives_the_listings_on_the_page(
    real: RealPage, page: Callable[[str], bytes]
) -> None:
    listings = extract(real.platform, page(real.file))
    assert len(listings) == real.count
    _check(listings[0], real.first, real.platform)
    _check(listings[-1], real.last, real.platform)
    for listing in listings:
        assert listing.id.startswith(f"{real.platform}:")
        assert listing.title
        assert listing.price is None or listing.price > 0
        assert all(i.startswith(("https://", "http://", "./")) for i in listing.images)


@pytest.mark.parametrize("real", PAGES, ids=lambda r: r.file.split("/")[-1])
def test_auto_finds_the_platform_of_every_real_page(
    real: RealPage, page: Callable[[str], bytes]
) -> None:
    body = page(real.file)
    assert sniff_platform(body) == real.platform
    assert [x.id for x in extract("auto", body)] == [x.id for x in extract(real.platform, body)]


def test_every_saved_ecommerce_page_is_covered(realworld: Path) -> None:
    saved = {p.name for p in (realworld / "ecommerce").iterdir()}
    assert saved == {r.file.split("/")[-1] for r in PAGES}


def test_taobao_titles_drop_highlight_markup_and_ads_keep_their_ad_text(
    page: Callable[[str], bytes],
) -> None:
    listings = extract("taobao", page("ecommerce/taobao_search_xiashangxin_2018.html"))
    assert all("<span" not in x.title and "class=H" not in x.title for x in listings)
    ad = extract("taobao", page("ecommerce/taobao_search_huili_shoes_2016.html"))[0]
    # A P4P ad: raw_title is the title, the longer ad text is kept for the detectors.
    assert ad.description == "回力 2016夏季新款真皮男士沙滩鞋休闲鞋户外包头牛皮凉鞋透气潮"
    assert ad.url == "https://item.taobao.com/item.htm?id=528991075854"
    assert ad.images[0].startswith("https://g-search1.alicdn.com/")


def test_taobao_search_links_tmall_items_to_tmall(page: Callable[[str], bytes]) -> None:
    listings = extract("taobao", page("ecommerce/taobao_search_huili_shoes_2016.html"))
    by_id = {x.id: x for x in listings}
    assert by_id["taobao:15137833853"].url == "https://detail.tmall.com/item.htm?id=15137833853"
    assert by_id["taobao:42635812803"].url == "https://item.taobao.com/item.htm?id=42635812803"
