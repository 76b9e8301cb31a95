"""Signing, answers and errors of the three open-platform clients, checked against the
testbed's replicas (which sign independently) and against short excerpts of the documented
answer shapes (written here as test data; each cites its documentation page)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from crawler.openapi.api import ApiError
from crawler.openapi.credentials import Credentials, MissingCredentials, from_config, resolve
from crawler.openapi.ddk import DdkClient
from crawler.openapi.jos import JosClient
from crawler.openapi.signing import hmac_md5, md5_wrapped
from crawler.openapi.top import LEGACY_METHOD, TopClient
from testbed.api_platforms import API_KEYS, GATEWAYS, ApiReplicas, ApiRules
from testbed.server import Testbed

BED = Testbed.build()
CLIENTS = {"taobao_api": TopClient, "jd_api": JosClient, "pdd_api": DdkClient}


def _creds(platform: str, secret: str | None = None) -> Credentials:
    keys = API_KEYS[platform]
    return Credentials(platform, keys["app_key"], secret or keys["app_secret"])


def _ask(site: str, client: object, creds: Credentials, keyword: str, when: datetime) -> bytes:
    replicas = ApiReplicas(BED.sites, ApiRules(max_calls=1000))
    params = client.params(creds, keyword, 1, when)  # type: ignore[attr-defined]
    return replicas.answer(GATEWAYS[site][1], params, "127.0.0.1").body.encode()


@pytest.mark.parametrize("site", ["taobao_api", "jd_api", "pdd_api"])
def test_signed_search_is_accepted_and_finds_the_mark(site: str) -> None:
    client = CLIENTS[site]()
    platform = GATEWAYS[site][0]
    page = client.parse(_ask(site, client, _creds(platform), "长白山人参", datetime.now(UTC)), 1)
    expected = [i for i in BED.sites[site] if "长白山人参" in i.title or i.mark == "长白山人参"]
    assert page.total == len(expected) > 0
    assert [x.id.split(":")[1] for x in page.listings] == [i.nid for i in expected][:20]


@pytest.mark.parametrize("site", ["taobao_api", "jd_api", "pdd_api"])
def test_wrong_secret_and_stale_timestamp_are_fatal(site: str) -> None:
    client = CLIENTS[site]()
    platform = GATEWAYS[site][0]
    with pytest.raises(ApiError) as bad_sign:
        client.parse(_ask(site, client, _creds(platform, "nope"), "冰墩墩", datetime.now(UTC)), 1)
    assert bad_sign.value.kind == "signature" and bad_sign.value.fatal
    stale = datetime.now(UTC) - timedelta(minutes=11)
    with pytest.raises(ApiError) as old:
        client.parse(_ask(site, client, _creds(platform), "冰墩墩", stale), 1)
    assert old.value.kind == "timestamp" and old.value.fatal
    # Nine minutes off is inside the documented ten-minute window.
    fine = datetime.now(UTC) - timedelta(minutes=9)
    assert client.parse(_ask(site, client, _creds(platform), "冰墩墩", fine), 1).listings


def test_top_hmac_and_legacy_method() -> None:
    client = TopClient(method=LEGACY_METHOD, sign_method="hmac")
    params = client.params(_creds("taobao"), "五常大米", 1, datetime.now(UTC))
    secret = API_KEYS["taobao"]["app_secret"]
    assert params["sign"] == hmac_md5(params, secret) != md5_wrapped(params, secret)
    when = datetime.now(UTC)
    page = client.parse(_ask("taobao_api", client, _creds("taobao"), "五常大米", when), 1)
    assert page.listings and all(x.seller.location for x in page.listings)


def test_tampered_parameter_breaks_the_signature() -> None:
    client = TopClient()
    params = client.params(_creds("taobao"), "雪容融", 1, datetime.now(UTC))
    params["q"] = "冰墩墩"  # changed after signing
    answer = ApiReplicas(BED.sites).answer("/router/rest", params, "h").body
    assert json.loads(answer)["error_response"]["code"] == 25


def test_burst_gets_the_documented_rate_limit_answer() -> None:
    replicas = ApiReplicas(BED.sites, ApiRules(max_calls=2, window_s=60, ban_s=3))
    client = TopClient()
    kinds = []
    for _ in range(3):
        body = replicas.answer(
            "/router/rest", client.params(_creds("taobao"), "冬奥会", 1, datetime.now(UTC)), "h"
        ).body.encode()
        try:
            client.parse(body, 1)
            kinds.append("ok")
        except ApiError as exc:
            kinds.append(exc.kind)
            assert exc.retry_after == 3.0 and not exc.fatal
    assert kinds == ["ok", "ok", "rate_limit"]


def test_credentials_env_over_config_and_hidden_repr() -> None:
    configured = from_config({"taobao": {"app_key": "k1", "app_secret": "s1"}, "jd": {}})
    assert set(configured) == {"taobao"}
    assert resolve("taobao", configured, env={}).app_key == "k1"
    env = {"MARKWATCH_TAOBAO_APP_KEY": "k2", "MARKWATCH_TAOBAO_APP_SECRET": "s2"}
    creds = resolve("taobao", configured, env=env)
    assert (creds.app_key, creds.app_secret) == ("k2", "s2")
    assert "s2" not in repr(creds) and "k2" not in repr(creds) and "s2" not in str(creds)
    with pytest.raises(MissingCredentials, match="MARKWATCH_PDD_APP_SECRET"):
        resolve("pdd", configured, env={})


# -- documented answer shapes ------------------------------------------------------------

# Excerpt in the shape of the sample answer on open.taobao.com/api.htm?docId=35896
# (taobao.tbk.dg.material.optional, "响应示例"), shortened to one item, values ours.
TOP_LEGACY_SAMPLE = """{"tbk_dg_material_optional_response": {"result_list": {"map_data": [{
  "num_iid": 520813250866, "title": "长白山人参 林下参 整支 礼盒装", "zk_final_price": "168.00",
  "reserve_price": "299.00", "user_type": 1, "provcity": "吉林 白山",
  "shop_title": "长白山参业旗舰店",
  "seller_id": 2207345, "volume": 1520, "pict_url": "//img.alicdn.com/bao/uploaded/i4/xx.jpg",
  "small_images": {"string": ["//img.alicdn.com/i1/yy.jpg"]}, "nick": "长白山参业旗舰店"}]},
  "total_results": 1, "request_id": "rrjmlqx2vw3s"}}"""

# The successor's nested shape (taobao.tbk.dg.material.optional.upgrade, 响应示例):
# item_basic_info / price_promotion_info per map_data entry, item_id as a string.
TOP_UPGRADE_SAMPLE = """{"tbk_dg_material_optional_upgrade_response": {"result_list": {
  "map_data": [{"item_id": "688123456789",
  "item_basic_info": {"title": "五常大米 稻花香 5kg", "shop_title": "五常米业",
  "provcity": "黑龙江 哈尔滨", "seller_id": 88001, "user_type": 0,
  "pict_url": "https://img.alicdn.com/a.jpg"},
  "price_promotion_info": {"zk_final_price": "59.9", "final_promotion_price": "49.9",
  "reserve_price": "79"}}]}, "total_results": 1}}"""

# open.taobao.com/doc.htm?docId=101617 (错误响应) with code 7 sub_code as in its 流控 notes.
TOP_LIMIT_SAMPLE = """{"error_response": {"code": 7, "msg": "App Call Limited",
  "sub_code": "accesscontrol.limited-by-api-access-count",
  "sub_msg": "This ban will last for 2 more seconds", "request_id": "zt9nh0ua2d9w"}}"""

# union.jd.com/openplatform/api/v2?apiName=jd.union.open.goods.query (返回示例): the
# queryResult is a JSON string inside jd_union_open_goods_query_responce.
JD_SAMPLE = json.dumps(
    {
        "jd_union_open_goods_query_responce": {
            "code": "0",
            "queryResult": json.dumps(
                {
                    "code": 200,
                    "message": "success",
                    "totalCount": 1,
                    "data": [
                        {
                            "skuId": 100012043978,
                            "skuName": "舒兰大米 东北大米 10斤",
                            "priceInfo": {"price": 69.9, "lowestPrice": 59.9},
                            "shopInfo": {"shopName": "舒兰农品京东自营", "shopId": 1000100},
                            "imageInfo": {
                                "imageList": [{"url": "https://img14.360buyimg.com/a.jpg"}]
                            },
                        }
                    ],
                },
                ensure_ascii=False,
            ),
        }
    },
    ensure_ascii=False,
)

# open.pinduoduo.com/application/document/api?id=pdd.ddk.goods.search (响应参数示例);
# prices in fen.
PDD_SAMPLE = """{"goods_search_response": {"goods_list": [{"goods_name": "集安人参 鲜参 500g",
  "goods_sign": "E9b2Yxnq9xNbiyFeVvTO_JDeyrpQnBHTdQ", "mall_name": "集安参源", "mall_id": 7788,
  "min_group_price": 8990, "min_normal_price": 10990, "goods_image_url": "https://img.pddpic.com/a.jpg"}],
  "total_count": 1, "list_id": "abc", "search_id": "def"}}"""


def test_top_legacy_sample() -> None:
    page = TopClient(method=LEGACY_METHOD).parse(TOP_LEGACY_SAMPLE.encode(), 1)
    (x,) = page.listings
    assert (x.id, x.title, x.price) == (
        "taobao:520813250866",
        "长白山人参 林下参 整支 礼盒装",
        168.0,
    )
    assert (x.seller.name, x.seller.location, x.seller.id) == (
        "长白山参业旗舰店",
        "吉林 白山",
        "2207345",
    )
    assert x.url == "https://detail.tmall.com/item.htm?id=520813250866"  # user_type 1: Tmall
    assert x.images[0] == "https://img.alicdn.com/bao/uploaded/i4/xx.jpg"
    assert not page.has_more


def test_top_upgrade_sample_takes_the_final_promotion_price() -> None:
    (x,) = TopClient().parse(TOP_UPGRADE_SAMPLE.encode(), 1).listings
    assert (x.id, x.title, x.price) == ("taobao:688123456789", "五常大米 稻花香 5kg", 49.9)
    assert (x.seller.name, x.seller.location) == ("五常米业", "黑龙江 哈尔滨")


def test_top_rate_limit_sample() -> None:
    with pytest.raises(ApiError) as err:
        TopClient().parse(TOP_LIMIT_SAMPLE.encode(), 1)
    assert (err.value.kind, err.value.code, err.value.retry_after) == ("rate_limit", "7", 2.0)


def test_jd_sample() -> None:
    (x,) = JosClient().parse(JD_SAMPLE.encode(), 1).listings
    assert (x.id, x.title, x.price) == ("jd:100012043978", "舒兰大米 东北大米 10斤", 59.9)
    assert (x.seller.name, x.seller.id, x.seller.location) == ("舒兰农品京东自营", "1000100", "")
    assert x.url == "https://item.jd.com/100012043978.html"


def test_pdd_sample_with_goods_sign() -> None:
    (x,) = DdkClient().parse(PDD_SAMPLE.encode(), 1).listings
    assert (x.id, x.title, x.price) == (
        "pdd:E9b2Yxnq9xNbiyFeVvTO_JDeyrpQnBHTdQ",
        "集安人参 鲜参 500g",
        89.9,
    )
    assert x.seller.name == "集安参源"


def test_jd_signature_error_answer() -> None:
    body = (
        '{"error_response": {"code": "12", "zh_desc": "无效签名", "en_desc": "Invalid signature"}}'
    )
    with pytest.raises(ApiError, match="无效签名") as err:
        JosClient().parse(body.encode(), 1)
    assert err.value.kind == "signature"
