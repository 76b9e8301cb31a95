"""What the testbed knows about the marks it fakes.

The testbed must not import our detectors (it is the exam, not the student), so it
keeps its own small copy of the facts it needs to write listings and their truth.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GiMark:
    name: str
    category: str  # "ginseng" | "rice" | "bean" | "herb"
    home_locations: tuple[str, ...]  # seller locations inside the protected region
    origin_text: str  # what a genuine seller writes as 产地
    # GB/T 2260 code of the producer's county: digits 4-9 of a genuine item's SC licence.
    producer_division: str
    floor_per_500g: float
    homophones: tuple[str, ...]  # evasive spellings a counterfeiter uses
    pinyin: str


GI_MARKS: tuple[GiMark, ...] = (
    GiMark(
        "长白山人参",
        "ginseng",
        ("吉林 白山", "吉林 通化", "吉林 延边", "吉林 吉林"),
        "吉林省白山市抚松县",
        "220621",
        40.0,
        ("长白山仁参", "长百山人参", "常白山人参"),
        "changbaishan",
    ),
    GiMark(
        "集安人参",
        "ginseng",
        ("吉林 通化",),
        "吉林省通化市集安市",
        "220582",
        40.0,
        ("集安仁参", "吉安人参"),
        "",  # "jian" is too ambiguous to be a fair test
    ),
    GiMark(
        "抚松人参",
        "ginseng",
        ("吉林 白山",),
        "吉林省白山市抚松县",
        "220621",
        40.0,
        ("抚松仁参", "扶松人参"),
        "fusong",
    ),
    GiMark(
        "五常大米",
        "rice",
        ("黑龙江 哈尔滨",),
        "黑龙江省哈尔滨市五常市",
        "230184",
        3.0,
        ("五尝大米", "伍常大米", "五长大米"),
        "wuchang",
    ),
    GiMark(
        "梅河大米",
        "rice",
        ("吉林 通化",),
        "吉林省梅河口市",
        "220581",
        3.0,
        ("梅禾大米", "枚河大米"),
        "meihe",
    ),
    GiMark(
        "舒兰大米",
        "rice",
        ("吉林 吉林",),
        "吉林省吉林市舒兰市",
        "220283",
        3.0,
        ("舒蓝大米", "书兰大米"),
        "shulan",
    ),
    GiMark(
        "万昌大米",
        "rice",
        ("吉林 吉林",),
        "吉林省吉林市永吉县万昌镇",
        "220221",
        3.0,
        ("万常大米", "万倡大米"),
        "wanchang",
    ),
    GiMark(
        "洮南绿豆",
        "bean",
        ("吉林 白城",),
        "吉林省白城市洮南市",
        "220881",
        4.0,
        ("桃南绿豆", "洮楠绿豆"),
        "taonan",
    ),
)

OUTSIDE_LOCATIONS: tuple[str, ...] = (
    "安徽 亳州",
    "河北 安国",
    "广东 广州",
    "浙江 金华",
    "江苏 宿迁",
    "山东 临沂",
    "河南 郑州",
    "上海",
    "辽宁 大连",
    "四川 成都",
)

# Where a cheap fake claims to come from in its description.
OUTSIDE_ORIGINS: tuple[str, ...] = ("安徽亳州", "河北安国", "山东临沂", "辽宁丹东")

QUALIFIERS: tuple[str, ...] = ("同款", "风味", "型", "媲美", "工艺")


@dataclass(frozen=True, slots=True)
class OlympicMark:
    name: str
    homophones: tuple[str, ...]
    mixed_pinyin: tuple[str, ...]
    products: tuple[str, ...]


OLYMPIC_MARKS: tuple[OlympicMark, ...] = (
    OlympicMark(
        "冰墩墩",
        ("冰敦敦", "冰蹲蹲", "兵墩墩"),
        ("冰dun墩", "bingdundun", "bing墩墩"),
        ("毛绒公仔", "手办摆件", "钥匙扣", "盲盒", "水晶球", "冰箱贴"),
    ),
    OlympicMark(
        "雪容融",
        ("雪蓉融", "雪溶融", "雪容容"),
        ("xue容融", "xuerongrong"),
        ("毛绒玩偶", "灯笼挂件", "徽章", "钥匙扣"),
    ),
    OlympicMark(
        "北京2022",
        ("北京2O22", "北亰2022"),
        ("beijing2022", "BeiJing2022"),
        ("纪念徽章", "T恤", "帆布袋", "保温杯"),
    ),
    OlympicMark(
        "冬奥会",
        ("冬澳会", "东奥会"),
        ("dong奥会", "dongaohui"),
        ("纪念品", "纪念币", "徽章套装", "明信片"),
    ),
)

LICENSED_SELLERS: tuple[str, ...] = (
    "奥林匹克官方旗舰店",
    "北京2022官方特许商品旗舰店",
    "元隆雅图旗舰店",
    "北京工美集团官方旗舰店",
)

# Goods whose names contain a mark's characters but are not the mark.
DISTRACTOR_TITLES: tuple[str, ...] = (
    "新鲜人参果 5斤装 云南石林 当季水果",
    "西洋参切片 100g 加拿大进口 含片",
    # (长白山天然矿泉水 is itself a GI, 吉林长白山天然矿泉水: not a distractor.)
    "长白山 蓝莓果干 500g 袋装",
    "长白山旅游 北坡门票 天池一日游",
    "老冰糖 黄冰糖 土冰糖 5斤",
    "熊猫玩偶 毛绒公仔 大号抱枕 生日礼物",
    "冬季加绒雪地靴 女 防滑保暖",
    "东北大米 珍珠米 10斤 新米",
    "韩国高丽参 正官庄 红参片",
    "人参娃娃 多肉植物 盆栽",
    "长白山 风景油画 装饰画 客厅",
    "冰雪奇缘 艾莎 公主裙 儿童",
    "绿豆糕 传统糕点 500g",
    "五常路 老字号 糕点礼盒",
    "参茸 鹿茸片 10g",
)

UNRELATED_SHOPS: tuple[str, ...] = (
    "小美家居",
    "潮流服饰店",
    "数码配件城",
    "好运来百货",
    "优品生活馆",
)

COUNTERFEIT_SHOPS: tuple[str, ...] = (
    "东北特产批发",
    "山货直销店",
    "礼品优选店",
    "冬奥纪念品小铺",
    "吉祥物专卖",
    "农家土特产",
    "百草堂药材",
    "乐淘礼品",
)

GENUINE_SHOPS: tuple[str, ...] = (
    "抚松参农合作社",
    "长白山特产旗舰店",
    "吉林粮仓",
    "黑土地米业",
    "白山参业",
    "查干湖农场",
)
