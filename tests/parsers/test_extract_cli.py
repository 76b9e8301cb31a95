"""`markwatch extract --platform P FILE` end to end: Listing JSONL on stdout."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from detectors.types import Listing
from markwatch import cli


@pytest.fixture(autouse=True)
def only_extract(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Other commands are written in parallel; this test is about extract alone.
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("extract",))
    monkeypatch.chdir(tmp_path)  # no stray markwatch.toml


@pytest.mark.parametrize(
    ("platform", "file", "count", "first_id"),
    [
        ("taobao", "ecommerce/taobao_search_huili_shoes_2016.html", 36, "taobao:528991075854"),
        ("tmall", "ecommerce/tmall_item_iphone11_suning_flagship.gbk.html", 1,
         "tmall:605258110430"),
        ("jd", "ecommerce/jd_search_sony_headphones_2016.html", 29, "jd:940275"),
        ("pdd", "ecommerce/pdd_api_category_goods_list_2018_0.json", 119, "pdd:2173242127"),
        ("1688", "ecommerce/1688_search_phone_data_cable_wholesalers_2024.html", 20,
         "1688:718152613503"),
        ("expo", "expo/cantonfair_2019_exhibitor_search_api_sample.json", 1,
         "cantonfair:0717705901"),
        ("generic", "jsonld/extruct_schema.org_product.html", 1, "generic:925872"),
        ("auto", "ecommerce/tmall_h5_detail_api_2019_1.json", 1, "tmall:581871359784"),
    ],
)  # fmt: skip
def test_extract_prints_listing_jsonl(
    platform: str,
    file: str,
    count: int,
    first_id: str,
    realworld: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = cli.main(["extract", "--platform", platform, str(realworld / file)])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == count
    records = [json.loads(line) for line in lines]
    assert records[0]["id"] == first_id
    for record in records:
        assert Listing.from_dict(record).to_dict() == record  # the contract round-trips
    assert "\\u" not in out  # Chinese stays readable (ensure_ascii=False)


def test_tmall_gbk_trap_end_to_end(realworld: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = realworld / "ecommerce/tmall_item_iphone11_suning_flagship.gbk.html"
    assert cli.main(["extract", "--platform", "tmall", str(file)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["seller"] == {
        "name": "苏宁易购官方旗舰店", "location": "江苏 南京", "id": "2616970884",
        "credit_code": None,
    }  # fmt: skip
    assert record["price"] == 5499.0


def test_stdin_and_url(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    body = b'[{"id":"J_100105483276","p":"39.90"}]'
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(body)))
    code = cli.main(["extract", "--url", "https://p.3.cn/prices/mgets?skuIds=J_1", "-"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["price"] == 39.9


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--platform", "pdd", "broken.json"], "pdd: malformed JSON"),
        (["--platform", "taobao", "page.html"], "taobao:"),
        (["--platform", "jd", "missing.html"], "cannot read"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken.json").write_bytes(b'{"goods_list": [')
    (tmp_path / "page.html").write_bytes(b"<html><body>captcha</body></html>")
    assert cli.main(["extract", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err


def test_unknown_platform_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["extract", "--platform", "amazon", "x.html"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
