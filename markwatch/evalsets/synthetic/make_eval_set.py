"""Generate the labelled evaluation set (deterministic): `python make_eval_set.py`.

Titles follow the shape of real Taobao / JD / Pinduoduo titles (bracketed promos,
brand + product + spec + selling points, "province city" seller locations), and the
unrelated goods are real titles from saved marketplace pages in the shared fixtures.
Labels follow the verdict policy of the detection issue. Each output line is a
Listing JSON plus "expected": {"verdict", "mark"}.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = 20220204

# GB/T 2260 county of a genuine producer of each GI (digits 4-9 of its SC licence).
PRODUCER_DIVISION = {
    "长白山人参": "220621",  # 抚松县
    "集安人参": "220582",  # 集安市
    "抚松人参": "220621",
    "五常大米": "230184",  # 五常市
    "梅河大米": "220581",  # 梅河口市
    "舒兰大米": "220283",  # 舒兰市
    "万昌大米": "220221",  # 永吉县
    "洮南绿豆": "220881",  # 洮南市
    "德惠大米": "220183",  # 德惠市
    "新开河贡米": "220582",
    "集安五味子": "220582",
}

# name, category, in-region locations, outside locations, unit price per 500 g (genuine)
GI = {
    "长白山人参": (
        "ginseng",
        [
            "吉林 白山",
            "吉林 通化",
            "吉林 延边",
            "白山",
            "吉林省 白山市 抚松县",
            "吉林 吉林",
            "吉林",
        ],
        ["安徽 亳州", "河北 安国", "广西 玉林", "山东 济南", "吉林 长春", "辽宁 丹东"],
        60.0,
    ),
    "集安人参": (
        "ginseng",
        ["吉林 通化", "吉林省通化市集安市", "通化"],
        ["吉林 白山", "安徽 亳州", "河北 保定", "黑龙江 哈尔滨", "吉林 通化 辉南"],
        60.0,
    ),
    "抚松人参": (
        "ginseng",
        ["吉林 白山", "吉林 抚松", "吉林省 白山市"],
        ["吉林 通化", "安徽 亳州", "广东 广州", "辽宁 沈阳"],
        60.0,
    ),
    "五常大米": (
        "rice",
        ["黑龙江 哈尔滨", "黑龙江 五常", "哈尔滨", "黑龙江省哈尔滨市五常市"],
        ["辽宁 盘锦", "吉林 长春", "江苏 宿迁", "安徽 合肥", "黑龙江 齐齐哈尔", "上海"],
        8.0,
    ),
    "梅河大米": (
        "rice",
        ["吉林 通化", "吉林 梅河口"],
        ["吉林 吉林", "黑龙江 哈尔滨", "辽宁 铁岭", "山东 临沂"],
        6.0,
    ),
    "舒兰大米": (
        "rice",
        ["吉林 吉林", "吉林 舒兰", "吉林省吉林市"],
        ["吉林 长春", "黑龙江 绥化", "河南 郑州"],
        6.0,
    ),
    "万昌大米": ("rice", ["吉林 吉林", "吉林 永吉"], ["吉林 松原", "辽宁 沈阳", "浙江 杭州"], 6.0),
    "洮南绿豆": (
        "beans",
        ["吉林 白城", "吉林 洮南"],
        ["内蒙古 通辽", "山东 潍坊", "河北 石家庄"],
        9.0,
    ),
    "德惠大米": ("rice", ["吉林 长春", "吉林 德惠"], ["吉林 四平", "广东 深圳"], 6.0),
    "新开河贡米": ("rice", ["吉林 通化", "吉林 集安"], ["吉林 白城", "北京"], 7.0),
    "集安五味子": ("berries", ["吉林 通化", "吉林 集安"], ["辽宁 本溪", "河北 安国"], 35.0),
}
FLOOR = {"ginseng": 40.0, "rice": 3.0, "beans": 4.0, "berries": 15.0}

PRODUCT_WORDS = {
    "ginseng": [
        "野山参",
        "林下参",
        "鲜参",
        "生晒参",
        "整枝",
        "礼盒装",
        "泡酒料",
        "切片",
        "15年参龄",
    ],
    "rice": ["稻花香", "新米", "长粒香", "当季新米", "粳米", "真空包装", "家庭装", "寿司米"],
    "beans": ["新货", "发芽专用", "颗粒饱满", "农家自产", "杂粮"],
    "berries": ["北五味子", "干果", "泡水泡酒", "中药材", "精选"],
}
SELLING = [
    "顺丰包邮",
    "送礼佳品",
    "厂家直销",
    "限时特惠",
    "坏果包赔",
    "年货节",
    "新品上市",
    "现货速发",
    "支持验货",
    "假一赔十",
    "农家自产",
    "产地直发",
    "品质保障",
    "送长辈",
]
PROMOS = [
    "【顺丰包邮】",
    "【买2送1】",
    "【官方直营】",
    "【年货】",
    "【新品】",
    "【限时秒杀】",
    "",
    "",
    "",
]
SHOPS = [
    "{p}特产店",
    "{p}农家小铺",
    "{p}土特产专营店",
    "老{p}生鲜店",
    "{p}山货铺",
    "鑫源{p}旗舰店",
    "{p}优选",
    "兴隆{p}食品专营店",
]
OTHER_SHOPS = [
    "义乌小商品批发",
    "潮玩百货店",
    "宏发日用店",
    "优品汇杂货铺",
    "乐淘精品店",
    "星辰礼品店",
]
PLATFORMS = ["taobao", "tmall", "jd", "pdd"]

# Evasive spellings, by category (the label is always "infringing").
EVASIONS_GI = {
    "长白山人参": {
        "homophone": ["常白山人参", "长百山人参", "长白衫人参"],
        "visual": ["长白山人掺"],
        "pinyin": ["Changbaishan Renshen", "CHANGBAISHANRENSHEN"],
        "mixed": ["长bai山人参", "长白shan人参", "长白山ren参"],
    },
    "集安人参": {
        "homophone": ["集按人参", "极安人参"],
        "pinyin": ["jian renshen", "Ji'an Renshen"],
        "mixed": ["集an人参"],
    },
    "抚松人参": {
        "homophone": ["扶松人参", "抚嵩人参"],
        "split": ["抚木公人参"],
        "pinyin": ["fusong renshen"],
        "mixed": ["抚song人参"],
    },
    "五常大米": {
        "homophone": ["五尝大米", "武常大米", "无常大米"],
        "visual": ["五棠大米", "五裳大米"],
        "pinyin": ["wuchang dami", "WuChangDaMi"],
        "mixed": ["五chang大米", "wu常大米"],
    },
    "梅河大米": {
        "homophone": ["梅禾大米", "美河大米"],
        "split": ["木每河大米"],
        "pinyin": ["meihe dami"],
        "mixed": ["梅he大米"],
    },
    "舒兰大米": {
        "homophone": ["书兰大米", "舒蓝大米"],
        "split": ["舍予兰大米"],
        "pinyin": ["shulan dami"],
    },
    "万昌大米": {"homophone": ["万唱大米", "万常大米"], "pinyin": ["wanchang dami"]},
    "洮南绿豆": {"homophone": ["桃南绿豆", "洮楠绿豆"], "pinyin": ["taonan lvdou", "taonan ludou"]},
}
EVASIONS_OLY = {
    "冰墩墩": {
        "homophone": ["冰敦敦", "兵墩墩", "冰蹲蹲", "冰吨吨"],
        "split": ["冰土敦墩"],
        "pinyin": ["bingdundun", "Bing Dun Dun", "BINGDUNDUN"],
        "mixed": ["冰dun墩", "冰墩dun", "bing墩墩"],
    },
    "雪容融": {
        "homophone": ["雪溶融", "雪蓉融", "雪容熔"],
        "pinyin": ["xuerongrong", "Xue Rong Rong"],
        "mixed": ["雪rong融", "xue容融"],
    },
    "冬奥会": {"homophone": ["冬澳会", "东奥会"], "pinyin": ["dongaohui"], "mixed": ["冬ao会"]},
    "北京2022": {"homophone": ["北精2022"], "mixed": ["bei京2022"]},
}
SEPARATORS = ["·", "-", " ", "/", "|", "_", "*", ".", "~", "、"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"]
EMOJI = ["❄", "🐼", "⭐", "🔥", "✨", "🌾", "❤"]

OLY_PRODUCTS = [
    "毛绒玩具公仔",
    "钥匙扣挂件",
    "手办摆件",
    "徽章胸针",
    "冰箱贴",
    "盲盒",
    "水晶球",
    "抱枕",
    "保温杯",
    "纪念币",
    "T恤",
    "帆布包",
    "积木拼装",
]
OLY_LICENSED = [
    "奥林匹克官方旗舰店",
    "北京2022官方特许商品旗舰店",
    "元隆雅图旗舰店",
    "北京工美集团官方旗舰店",
]
OLY_TEMPLATES = [
    "{promo}{mark}{prod} 北京冬奥纪念品 {sell}",
    "{mark}{prod}{sell} 新年礼物 儿童 {sell2}",
    "{promo}正版{mark} {prod} 冬奥周边 {sell}",
    "冬奥同款 {mark}{prod} 网红爆款 {sell}",
    "{mark} {prod} 可爱创意 {sell} {sell2}",
]
CLAIMS = ["官方授权", "正品", "官方正品", "特许商品", "授权正品"]

DISTRACTORS = [
    ("新鲜人参果 云南石林 {w}斤 当季水果 {s}", "云南 昆明", 29.9, "{w}斤"),
    ("西洋参片 含片 {w}g 花旗参 切片 {s}", "安徽 亳州", 88.0, "{w}g"),
    ("高丽参 韩国正官庄 红参 {w}g 礼盒 {s}", "山东 威海", 399.0, "{w}g"),
    ("长白山天然矿泉水 {w}ml*24瓶 整箱 {s}", "吉林 白山", 45.0, ""),
    ("长白山旅游门票 北坡 成人票 {s}", "吉林 延边", 105.0, ""),
    ("长白山 一日游 纯玩团 天池 {s}", "吉林 延边", 399.0, ""),
    ("东北大米 {w}斤 珍珠米 新米 {s}", "辽宁 沈阳", 39.9, "{w}斤"),
    ("老冰糖 单晶冰糖 {w}g 黄冰糖 {s}", "广西 南宁", 12.9, "{w}g"),
    ("熊猫玩偶 毛绒公仔 大号 抱枕 {s}", "四川 成都", 59.0, ""),
    ("冬季加厚羽绒服 男女同款 {s}", "浙江 杭州", 299.0, ""),
    ("大米 {w}kg 南方籼米 家用 {s}", "江西 南昌", 49.0, "{w}kg"),
    ("飞跃 帆布鞋 经典款 小白鞋 {s}", "上海", 89.0, ""),
    ("冰雪奇缘 艾莎公主 玩偶 {s}", "广东 汕头", 49.0, ""),
    ("人参榕 盆栽 办公室绿植 {s}", "福建 漳州", 35.0, ""),
    ("长白山人参果 新鲜 {w}斤 {s}", "云南 昆明", 25.0, "{w}斤"),
    ("五常 小米 黄小米 {w}斤 {s}", "黑龙江 哈尔滨", 29.0, "{w}斤"),
    ("梦幻冬季 冰雪节 灯饰 {s}", "黑龙江 哈尔滨", 39.0, ""),
    ("吉林特产 松子 开口 {w}g {s}", "吉林 白山", 69.0, "{w}g"),
    ("红参片 正宗 {w}g 泡水 {s}", "安徽 亳州", 59.0, "{w}g"),
    ("冬季运动 滑雪镜 防雾 {s}", "广东 广州", 99.0, ""),
]


class Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rows: list[dict[str, Any]] = []

    def pick(self, seq: list[Any]) -> Any:
        return self.rng.choice(seq)

    def add(
        self,
        title: str,
        *,
        seller: str,
        location: str,
        price: float | None,
        quantity: str,
        verdict: str,
        mark: str | None,
        description: str = "",
        credit_code: str | None = None,
        case: str,
        attributes: dict[str, str] | None = None,
    ) -> None:
        platform = self.pick(PLATFORMS)
        n = len(self.rows) + 1
        item = 600_000_000_000 + self.rng.randrange(10**9)
        url = {
            "taobao": f"https://item.taobao.com/item.htm?id={item}",
            "tmall": f"https://detail.tmall.com/item.htm?id={item}",
            "jd": f"https://item.jd.com/{item}.html",
            "pdd": f"https://mobile.yangkeduo.com/goods.html?goods_id={item}",
        }[platform]
        self.rows.append(
            {
                "id": f"{platform}:{item}",
                "platform": platform,
                "url": url,
                "title": title,
                "description": description,
                "price": price,
                "currency": "CNY",
                "quantity": quantity,
                "seller": {
                    "name": seller,
                    "location": location,
                    "id": f"s{n:05d}",
                    "credit_code": credit_code,
                },
                "images": [],
                "source": "ecommerce",
                **({"attributes": attributes} if attributes else {}),
                "expected": {"verdict": verdict, "mark": mark},
                "case": case,
            }
        )

    # -- GI ---------------------------------------------------------------------------
    def gi_licensed(self) -> None:
        """No seller location, but a producer licence registered in the region: clear."""
        for name, (category, ins, _outs, _g) in GI.items():
            code = PRODUCER_DIVISION[name]
            food = "101" if category in ("rice", "beans") else "131"
            self.gi_row(
                name,
                "gi_licence_in_region",
                inside=True,
                location="",
                verdict="clear",
                attributes={
                    "产地": ins[0].replace(" ", ""),
                    "生产许可证编号": f"SC{food}{code}{self.rng.randrange(100_000):05d}",
                },
            )

    def gi_quantity(self, category: str) -> tuple[str, float]:
        """(spec text, grams)."""
        if category == "ginseng":
            grams = self.pick([50, 100, 250, 500])
            return self.pick([f"{grams}g", f"{grams}克"]), grams
        if category == "rice":
            choice = self.pick(
                [
                    ("5kg", 5000),
                    ("10斤", 5000),
                    ("2.5kg*2袋", 5000),
                    ("10kg", 10000),
                    ("5斤", 2500),
                    ("25kg", 25000),
                    ("20斤装", 10000),
                ]
            )
            return choice
        choice = self.pick(
            [("500g", 500), ("1斤", 500), ("2斤", 1000), ("250g", 250), ("5斤", 2500)]
        )
        return choice

    def gi_title(self, name: str, category: str, spec: str, as_written: str | None = None) -> str:
        shown = as_written or name
        words = PRODUCT_WORDS[category]
        forms = [
            "{promo}{shown}{w1} {spec} {sell} {sell2}",
            "{shown} {w1}{w2} {spec}装 吉林特产 {sell}",
            "{promo}正宗{shown} {w1} {spec} {sell}",
            "{brand}{shown}{w1} {spec} {sell}",
            "{shown}{spec} {w1} {w2} 年货送礼",
            "{sell} {shown} {w1} {spec}",
        ]
        brand = self.pick(
            ["参王府", "禾煜", "北纬47°", "十月稻田", "金谷源", "山韵", "鸿福", "农夫乐"]
        )
        brand = brand if category != "ginseng" or brand in ("参王府", "山韵", "鸿福") else "参王府"
        return self.pick(forms).format(
            promo=self.pick(PROMOS),
            shown=shown,
            w1=self.pick(words),
            w2=self.pick(words),
            spec=spec,
            sell=self.pick(SELLING),
            sell2=self.pick(SELLING),
            brand=brand,
        )

    def gi_price(self, grams: float, per_500g: float) -> float:
        return round(per_500g * grams / 500.0, 1)

    def gi_row(
        self,
        name: str,
        case: str,
        *,
        inside: bool,
        price_ok: bool = True,
        written: str | None = None,
        qualifier: str = "",
        location: str | None = None,
        description: str = "",
        verdict: str,
        shop_place: str = "",
        attributes: dict[str, str] | None = None,
    ) -> None:
        category, ins, outs, genuine = GI[name]
        spec, grams = self.gi_quantity(category)
        floor = FLOOR[category]
        per = (
            genuine * self.rng.uniform(1.0, 1.6)
            if price_ok
            else floor * self.rng.uniform(0.15, 0.4)
        )
        per = max(per, floor * 2.05) if price_ok else per
        shown = written or name
        if qualifier:
            shown = (
                f"{qualifier}{shown}"
                if qualifier in ("媲美", "堪比", "不输")
                else f"{shown}{qualifier}"
            )
        loc = location if location is not None else self.pick(ins if inside else outs)
        place = shop_place or (loc.split()[-1][:2] if loc else "东北")
        self.add(
            self.gi_title(name, category, spec, shown),
            seller=self.pick(SHOPS).format(p=place),
            location=loc,
            price=self.gi_price(grams, per),
            quantity=spec,
            verdict=verdict,
            mark=name,
            description=description,
            case=case,
            attributes=attributes,
        )

    def gi(self) -> None:
        for name, (_category, _ins, outs, _g) in GI.items():
            for _ in range(4):
                self.gi_row(name, "gi_genuine", inside=True, verdict="clear")
            for _ in range(3):
                self.gi_row(name, "gi_outside", inside=False, verdict="infringing")
            for _ in range(2):
                self.gi_row(
                    name, "gi_cheap_in_region", inside=True, price_ok=False, verdict="suspicious"
                )
            self.gi_row(
                name, "gi_cheap_outside", inside=False, price_ok=False, verdict="infringing"
            )
            q = self.pick(["同款", "型", "风味", "口感", "工艺", "式", "类"])
            self.gi_row(
                name, "gi_qualifier_in_region", inside=True, qualifier=q, verdict="suspicious"
            )
            q2 = self.pick(["媲美", "同款", "风味", "堪比", "型"])
            self.gi_row(
                name, "gi_qualifier_outside", inside=False, qualifier=q2, verdict="infringing"
            )
            self.gi_row(name, "gi_no_location", inside=True, location="", verdict="suspicious")
            out_place = self.pick(outs).replace(" ", "")
            self.gi_row(
                name,
                "gi_stated_origin_outside",
                inside=True,
                description=f"产地：{out_place} 净含量见标题 保质期12个月",
                verdict="infringing",
            )
            self.gi_row(
                name,
                "gi_stated_origin_in",
                inside=True,
                location="",
                description=f"产地：{_ins[0].replace(' ', '')} 品质保证",
                # The listing's own claim, from a seller of unknown location: not checkable.
                verdict="suspicious",
            )
        # Traditional characters and full-width forms are normalised, not evasion.
        traditional = {
            "长白山人参": "長白山人參",
            "抚松人参": "撫松人參",
            "舒兰大米": "舒蘭大米",
            "万昌大米": "萬昌大米",
            "洮南绿豆": "洮南綠豆",
            "集安人参": "集安人參",
            "五常大米": "五常大米",
            "新开河贡米": "新開河貢米",
        }
        for name, trad in traditional.items():
            self.gi_row(
                name, "gi_traditional_in_region", inside=True, written=trad, verdict="clear"
            )
            self.gi_row(
                name, "gi_traditional_outside", inside=False, written=trad, verdict="infringing"
            )
        for name, cats in EVASIONS_GI.items():
            for category, forms in cats.items():
                for form in forms:
                    self.gi_row(
                        name,
                        f"evasion_{category}",
                        inside=self.rng.random() < 0.6,
                        written=form,
                        verdict="infringing",
                    )
            for _ in range(2):
                self.gi_row(
                    name,
                    "evasion_separator",
                    inside=True,
                    written=self.pick(SEPARATORS).join(name),
                    verdict="infringing",
                )
            self.gi_row(
                name,
                "evasion_invisible",
                inside=True,
                written=_insert(name, self.pick(INVISIBLE), self.rng),
                verdict="infringing",
            )
            self.gi_row(
                name,
                "evasion_emoji",
                inside=self.rng.random() < 0.5,
                written=_insert(name, self.pick(EMOJI), self.rng),
                verdict="infringing",
            )

    # -- Olympic ------------------------------------------------------------------------
    def olympic_row(
        self, shown: str, mark: str, *, seller: str, verdict: str, case: str, claim: str = ""
    ) -> None:
        title = self.pick(OLY_TEMPLATES).format(
            promo=self.pick(PROMOS),
            mark=shown,
            prod=self.pick(OLY_PRODUCTS),
            sell=self.pick(SELLING),
            sell2=self.pick(SELLING),
        )
        if claim:
            title = f"{claim} {title}" if self.rng.random() < 0.5 else f"{title} {claim}"
        loc = self.pick(
            ["浙江 金华", "广东 深圳", "广东 东莞", "福建 泉州", "江苏 苏州", "北京", "河北 保定"]
        )
        self.add(
            title,
            seller=seller,
            location=loc,
            price=round(self.rng.uniform(9.9, 199), 1),
            quantity="1件",
            verdict=verdict,
            mark=mark,
            case=case,
        )

    def olympic(self) -> None:
        plain = [
            ("冰墩墩", "冰墩墩"),
            ("雪容融", "雪容融"),
            ("北京2022冬奥会吉祥物冰墩墩", "冰墩墩"),
            ("冬奥会 雪容融", "雪容融"),
            ("北京2022", "北京2022"),
            ("冬奥会", "冬奥会"),
            ("冬残奥会", "冬残奥会"),
            ("冬梦会徽", "冬梦"),
            ("北京2022 飞跃会徽", "飞跃"),
            ("奥运五环", "奥林匹克五环"),
            ("Bing Dwen Dwen", "冰墩墩"),
            ("Shuey Rhon Rhon", "雪容融"),
            ("Beijing 2022", "北京2022"),
            ("冰墩墩雪容融", "冰墩墩"),
            ("冬梦 会徽", "冬梦"),
            ("冬奧會", "冬奥会"),
            ("ＢＥＩＪＩＮＧ ２０２２", "北京2022"),
        ]
        for shown, mark in plain:
            for _ in range(3):
                self.olympic_row(
                    shown,
                    mark,
                    seller=self.pick(OTHER_SHOPS),
                    verdict="infringing",
                    case="olympic_unlicensed",
                )
            self.olympic_row(
                shown,
                mark,
                seller=self.pick(OTHER_SHOPS),
                verdict="infringing",
                case="olympic_false_claim",
                claim=self.pick(CLAIMS),
            )
            for _ in range(2):
                self.olympic_row(
                    shown,
                    mark,
                    seller=self.pick(OLY_LICENSED),
                    verdict="clear",
                    case="olympic_licensed",
                    claim=self.pick(["官方授权", "正品", ""]),
                )
        for mark, cats in EVASIONS_OLY.items():
            for category, forms in cats.items():
                for form in forms:
                    self.olympic_row(
                        form,
                        mark,
                        seller=self.pick(OTHER_SHOPS),
                        verdict="infringing",
                        case=f"evasion_{category}",
                    )
            for _ in range(2):
                self.olympic_row(
                    self.pick(SEPARATORS).join(mark),
                    mark,
                    seller=self.pick(OTHER_SHOPS),
                    verdict="infringing",
                    case="evasion_separator",
                )
            self.olympic_row(
                _insert(mark, self.pick(INVISIBLE), self.rng),
                mark,
                seller=self.pick(OTHER_SHOPS),
                verdict="infringing",
                case="evasion_invisible",
            )
            self.olympic_row(
                _insert(mark, self.pick(EMOJI), self.rng),
                mark,
                seller=self.pick(OTHER_SHOPS),
                verdict="infringing",
                case="evasion_emoji",
            )

    # -- distractors and unrelated goods --------------------------------------------------
    def distractors(self) -> None:
        for template, loc, price, qty in DISTRACTORS:
            for _ in range(2):
                w = self.pick([1, 2, 3, 5, 10, 500, 250])
                self.add(
                    template.format(w=w, s=self.pick(SELLING)),
                    seller=self.pick([*OTHER_SHOPS, "吉林特产店", "东北山货铺"]),
                    location=loc,
                    price=price,
                    quantity=qty.format(w=w),
                    verdict="clear",
                    mark=None,
                    case="distractor",
                )

    def unrelated(self) -> None:
        from testbed.realworld import realworld_path

        shared = realworld_path("ecommerce")
        titles: list[tuple[str, float]] = []
        for name in (
            "pdd_api_category_goods_list_2018_0.json",
            "pdd_api_category_goods_list_2018_1.json",
        ):
            data = json.loads((shared / name).read_text(encoding="utf-8"))
            # Pinduoduo prices are in fen; listings carry CNY.
            titles += [(g["goods_name"], g["normal_price"] / 100) for g in data["goods_list"]]
        shop = json.loads(
            (shared / "tmall_shop_58501945_handuyishe_itemlist_2015.json").read_text(
                encoding="utf-8"
            )
        )
        titles += [(i["title"], float(i.get("price") or 99)) for i in shop["items"]]
        for title, price in self.rng.sample(titles, 60):
            self.add(
                title,
                seller=self.pick(OTHER_SHOPS),
                location=self.pick(["浙江 杭州", "广东 佛山", "河北 廊坊", "江苏 南通", ""]),
                price=price,
                quantity="",
                verdict="clear",
                mark=None,
                case="unrelated",
            )


def _insert(name: str, filler: str, rng: random.Random) -> str:
    chars = list(name)
    at = rng.randrange(1, len(chars))
    return "".join(chars[:at]) + filler + "".join(chars[at:])


PDD_FILES = ("pdd_api_category_goods_list_2018_0.json", "pdd_api_category_goods_list_2018_1.json")
TMALL_SHOP = "tmall_shop_58501945_handuyishe_itemlist_2015.json"


def _shared_index() -> dict[tuple[str, float], dict[str, Any]]:
    """(title, price) -> reference into the shared file it came from (the text is not ours)."""
    from testbed.realworld import realworld_path

    shared = realworld_path("ecommerce")
    index: dict[tuple[str, float], dict[str, Any]] = {}
    for name in PDD_FILES:
        goods = json.loads((shared / name).read_text(encoding="utf-8"))["goods_list"]
        for i, g in enumerate(goods):
            ref = {"file": f"ecommerce/{name}", "index": i, "format": "pdd_goods"}
            index.setdefault((g["goods_name"], g["normal_price"] / 100), ref)
    items = json.loads((shared / TMALL_SHOP).read_text(encoding="utf-8"))["items"]
    for i, item in enumerate(items):
        ref = {"file": f"ecommerce/{TMALL_SHOP}", "index": i, "format": "tmall_shop_items"}
        index.setdefault((item["title"], float(item.get("price") or 99)), ref)
    return index


def _as_reference(
    row: dict[str, Any], index: dict[tuple[str, float], dict[str, Any]]
) -> dict[str, Any]:
    # Third-party titles stay in the shared folder: the row points at them, the loader
    # (markwatch.evalsets) fills title and price back in.
    out = {k: v for k, v in row.items() if k not in ("title", "price")}
    out["ref"] = index[(row["title"], row["price"])]
    return out


def main() -> None:
    b = Builder(SEED)
    b.gi()
    b.olympic()
    b.distractors()
    b.unrelated()
    b.gi_licensed()  # last: the rows before it stay as they were
    groups: dict[str, list[dict[str, Any]]] = {"gi": [], "olympic": [], "clear_goods": []}
    shared_titles = _shared_index()
    for row in b.rows:
        if row["case"] == "unrelated":
            row = _as_reference(row, shared_titles)
        if row["case"] in ("distractor", "unrelated"):
            groups["clear_goods"].append(row)
        elif row["expected"]["mark"] in GI:
            groups["gi"].append(row)
        else:
            groups["olympic"].append(row)
    for group, rows in groups.items():
        with (HERE / f"{group}.jsonl").open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(group, len(rows))


if __name__ == "__main__":
    main()
