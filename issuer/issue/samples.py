"""Fictional licence rows for demos, tests and benchmarks: made-up people and companies
with Chinese and Latin names, reproducible from a seed. No real person is described."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

from chain.private_files import private_file
from licence.credit_code import ALPHABET as CREDIT_ALPHABET
from licence.credit_code import check_character

FAMILY_ZH = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱",
             "胡", "郭", "何", "林", "欧阳", "司马"]
GIVEN_ZH = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
            "明华", "晓东", "子涵", "欣怡", "浩然", "雨萱"]
FAMILY_EN = ["Smith", "Müller", "García", "Nguyen", "Kim", "Okafor", "Rossi", "Novak",
             "Johansson", "Dubois"]
GIVEN_EN = ["Anna", "James", "Maria", "Luca", "Sofia", "Noah", "Amara", "Jonas", "Lea", "Omar"]
NATIONALITY_EN = ["GBR", "DEU", "ESP", "VNM", "KOR", "NGA", "ITA", "CZE", "SWE", "FRA"]
DISTRICTS = ["上海市浦东新区世纪大道", "上海市徐汇区漕溪北路", "上海市静安区南京西路",
             "上海市黄浦区中山东一路", "上海市闵行区莘庄镇都市路"]
CLASSES = [["C1"], ["C1"], ["C2"], ["C1", "D"], ["B2"], ["A1", "B2"], ["C1", "E"], ["A2"]]
CITIES = ["南京", "苏州", "无锡", "常州", "南通"]
TRADES = ["科技", "贸易", "餐饮", "物流", "制造", "咨询", "文化传媒", "建筑工程"]
COMPANY_TYPES = ["有限责任公司", "股份有限公司", "个人独资企业", "合伙企业"]
SCOPES = ["软件开发；信息技术咨询服务", "食品销售；餐饮服务", "道路货物运输；仓储服务",
          "机械设备制造；销售", "广告设计、制作、代理"]

DRIVING_FIELDS = ["family_name", "given_name", "birth_date", "licence_number",
                  "vehicle_classes", "issue_date", "expiry_date", "sex", "nationality",
                  "address"]
BUSINESS_FIELDS = ["credit_code", "company_name", "legal_representative", "company_type",
                   "registered_capital", "established_date", "business_scope", "address",
                   "expiry_date"]


def driving_rows(count: int, seed: int = 1, start: int = 0) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    today = dt.date(2026, 11, 1)
    for i in range(start, start + count):
        latin = rng.random() < 0.2
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
        first = max(birth + dt.timedelta(days=18 * 366 + rng.randrange(400)),
                    dt.date(1990, 1, 1))
        first = min(first, today)
        yield {
            "family_name": rng.choice(FAMILY_EN if latin else FAMILY_ZH),
            "given_name": rng.choice(GIVEN_EN if latin else GIVEN_ZH),
            "birth_date": birth.isoformat(),
            "licence_number": f"31{i:016d}",
            "vehicle_classes": " ".join(rng.choice(CLASSES)),
            "issue_date": first.isoformat(),
            "expiry_date": (today + dt.timedelta(days=rng.randrange(365, 365 * 10))).isoformat(),
            "sex": rng.choice("FM"),
            "nationality": rng.choice(NATIONALITY_EN) if latin else "CHN",
            "address": f"{rng.choice(DISTRICTS)}{rng.randrange(1, 999)}号",
        }


def credit_code(rng: random.Random, region: str = "320100") -> str:
    body = "91" + region + "".join(rng.choice(CREDIT_ALPHABET) for _ in range(9))
    return body + check_character(body)


def business_rows(count: int, seed: int = 2) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    for _ in range(count):
        city = rng.choice(CITIES)
        long_term = rng.random() < 0.3
        established = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 25))
        yield {
            "credit_code": credit_code(rng),
            "company_name": f"{city}{rng.choice(['恒', '瑞', '华', '新', '锦'])}"
                            f"{rng.choice(['达', '泰', '兴', '源', '诚'])}"
                            f"{rng.choice(TRADES)}{rng.choice(COMPANY_TYPES)}",
            "legal_representative": rng.choice(FAMILY_ZH) + rng.choice(GIVEN_ZH),
            "company_type": rng.choice(COMPANY_TYPES),
            "registered_capital": f"{rng.choice([10, 50, 100, 500, 1000])}万元人民币",
            "established_date": established.isoformat(),
            "business_scope": rng.choice(SCOPES),
            "address": f"江苏省{city}市{rng.choice(['玄武区', '姑苏区', '梁溪区'])}"
                       f"{rng.randrange(1, 500)}号",
            "expiry_date": "" if long_term else
            (established + dt.timedelta(days=365 * 30)).isoformat(),
        }


def write_csv(path: Path, fields: list[str], rows: Iterator[dict[str, str]]) -> Path:
    """Sample rows look like personal data, so they are written private like real ones."""
    with private_file(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path

