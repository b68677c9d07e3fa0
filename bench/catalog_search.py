"""Catalog search benchmark: p50/p95/max of `matter_search` (the function the API and the
portal call) over 20,000 published matters, on SQLite and on PostgreSQL.

    .venv/bin/python bench/catalog_search.py [--quick]

SQLite runs on a fresh temporary file; PostgreSQL on a database created for the run (and
dropped after it) on the server BENCH_DATABASE_URL names (default
postgres://postgres@127.0.0.1:5432/test; that database itself is not touched). Each database
runs in its own subprocess because Django reads DATABASE_URL once, at setup. The last line
printed is one JSON object; the exit status is non-zero when a database failed or missed the
target.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import bench_databases  # noqa: E402 - beside this script (bench/ is sys.path[0])

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 20.0
SEED = 20261128

# --- the parent: one subprocess per database ---------------------------------------------


def run_sqlite(quick: bool) -> dict:
    return bench_databases.run_sqlite(__file__, quick)


def run_postgres(quick: bool) -> dict:
    return bench_databases.run_postgres(__file__, quick, "postgres", "yishi_bench")


def main_parent(quick: bool) -> int:
    result = {
        "sqlite": run_sqlite(quick),
        "postgres": run_postgres(quick),
        "target_p95_ms": TARGET_P95_MS,
    }
    ok = all(
        "error" not in result[db] and result[db]["p95_ms"] < TARGET_P95_MS
        for db in ("sqlite", "postgres")
    )
    for db in ("sqlite", "postgres"):
        r = result[db]
        if "error" in r:
            print(f"{db}: ERROR {r['error']}")
        else:
            print(
                f"{db}: {r['matters']} matters, {r['queries']} queries: p50 {r['p50_ms']} ms, "
                f"p95 {r['p95_ms']} ms, max {r['max_ms']} ms (target p95 < {TARGET_P95_MS} ms); "
                f"index {r['index_seconds']} s"
            )
    print(json.dumps(result, ensure_ascii=False))
    return 0 if ok else 1


# --- the worker: one database ------------------------------------------------------------

DEPARTMENTS = [
    # key, name, short name, topics of its matters
    ("scjg", "市场监督管理局", "市场监管局"),
    ("rs", "人力资源和社会保障局", "人社局"),
    ("wj", "卫生健康局", "卫健局"),
    ("jt", "交通运输局", "交通局"),
    ("mz", "民政局", "民政局"),
    ("ga", "公安分局", "公安分局"),
    ("zj", "住房和城乡建设局", "住建局"),
    ("zr", "自然资源和规划局", "自然资源局"),
    ("nj", "农业农村局", "农业农村局"),
    ("sw", "税务局", "税务局"),
    ("yb", "医疗保障局", "医保局"),
    ("jy", "教育局", "教育局"),
    ("wl", "文化和旅游局", "文旅局"),
    ("hb", "生态环境分局", "环保局"),
    ("cl", "残疾人联合会", "残联"),
    ("yj", "应急管理局", "应急局"),
    ("gjj", "住房公积金中心", "公积金中心"),
    ("tj", "退役军人事务局", "退役军人局"),
]

TOPICS = [
    ("birth", "生育收养", "person"),
    ("household", "户籍办理", "person"),
    ("social", "社会保障", "person"),
    ("job", "就业创业", "person"),
    ("marriage", "婚姻登记", "person"),
    ("school", "教育科研", "person"),
    ("health", "医疗卫生", "person"),
    ("disabled", "残疾人服务", "person"),
    ("travel", "交通出行", "person"),
    ("housing", "住房保障", "person"),
    ("pension", "退休养老", "person"),
    ("open", "企业开办", "company"),
    ("permit", "准营准办", "company"),
    ("change", "变更登记", "company"),
    ("build", "工程建设", "company"),
    ("tax", "税费缴纳", "company"),
    ("close", "企业注销", "company"),
    ("transport", "交通运输", "company"),
    ("food", "食品药品", "company"),
]

# object, department, topics, audience, keywords, actions
OBJECTS = [
    (
        "社会保障卡",
        "rs",
        ["social"],
        "person",
        "社保卡",
        ["申领", "补换", "挂失", "启用", "信息变更", "注销"],
    ),
    (
        "新生儿出生医学证明",
        "wj",
        ["birth"],
        "person",
        "出生证",
        ["办理", "首次签发", "补发", "换发"],
    ),
    ("出生医学证明", "wj", ["birth"], "person", "出生证", ["首次签发", "补发", "换发"]),
    (
        "营业执照",
        "scjg",
        ["open", "change"],
        "company",
        "执照",
        ["核发", "变更登记", "注销登记", "补领", "备案"],
    ),
    ("个体工商户营业执照", "scjg", ["open"], "company", "个体户", ["核发", "变更登记", "注销登记"]),
    (
        "食品经营许可证",
        "scjg",
        ["permit", "food"],
        "company",
        "食品许可",
        ["核发", "变更", "延续", "注销", "补办"],
    ),
    ("食品生产许可证", "scjg", ["permit", "food"], "company", "", ["核发", "变更", "延续", "注销"]),
    ("药品经营许可证", "scjg", ["permit", "food"], "company", "", ["核发", "变更", "换发", "注销"]),
    ("道路运输经营许可证", "jt", ["transport"], "company", "", ["核发", "变更", "注销"]),
    ("道路运输证", "jt", ["transport"], "company", "营运证", ["配发", "换发", "补发", "注销"]),
    (
        "道路运输从业人员从业资格证",
        "jt",
        ["travel", "transport"],
        "person",
        "从业资格证",
        ["核发", "补发", "换证", "注销"],
    ),
    (
        "残疾人证",
        "cl",
        ["disabled"],
        "person",
        "残疾证",
        ["办理", "换领", "迁移", "注销", "挂失补办"],
    ),
    ("困难残疾人生活补贴", "mz", ["disabled"], "person", "两项补贴", ["申请", "发放", "停发"]),
    ("重度残疾人护理补贴", "mz", ["disabled"], "person", "两项补贴", ["申请", "发放", "停发"]),
    ("最低生活保障", "mz", ["social"], "person", "低保", ["申请", "审核确认", "停发"]),
    ("结婚登记", "mz", ["marriage"], "person", "领证", ["办理", "补领结婚证"]),
    ("离婚登记", "mz", ["marriage"], "person", "", ["办理", "补领离婚证"]),
    (
        "居民户口",
        "ga",
        ["household"],
        "person",
        "落户 户口",
        ["出生登记", "迁移登记", "注销登记", "变更更正"],
    ),
    (
        "居民身份证",
        "ga",
        ["household"],
        "person",
        "身份证",
        ["申领", "换领", "补领", "临时身份证申领"],
    ),
    (
        "城乡居民基本养老保险",
        "rs",
        ["pension", "social"],
        "person",
        "居民养老",
        ["参保登记", "待遇领取", "关系转移", "注销登记"],
    ),
    (
        "企业职工基本养老保险",
        "rs",
        ["pension", "social"],
        "both",
        "职工养老",
        ["参保登记", "待遇核定", "关系转移接续"],
    ),
    ("失业保险金", "rs", ["job", "social"], "person", "失业金", ["申领", "停发"]),
    ("就业创业证", "rs", ["job"], "person", "就业证", ["申领", "补发", "变更"]),
    ("创业担保贷款", "rs", ["job"], "both", "贷款", ["申请", "贴息"]),
    ("职业技能等级证书", "rs", ["job"], "person", "技能证", ["查询", "补发"]),
    (
        "医疗保险",
        "yb",
        ["health", "social"],
        "both",
        "医保",
        ["参保登记", "关系转移接续", "异地就医备案", "报销"],
    ),
    ("生育保险待遇", "yb", ["birth", "health"], "person", "生育津贴", ["核定", "支付"]),
    (
        "住房公积金",
        "gjj",
        ["housing"],
        "person",
        "公积金",
        ["提取", "缴存登记", "贷款", "异地转移"],
    ),
    ("公共租赁住房", "zj", ["housing"], "person", "公租房", ["申请", "退出", "资格审核"]),
    ("建筑工程施工许可证", "zj", ["build"], "company", "施工许可", ["核发", "变更", "延期"]),
    ("建设工程规划许可证", "zr", ["build"], "company", "规划许可", ["核发", "变更", "延续"]),
    (
        "不动产登记",
        "zr",
        ["housing"],
        "both",
        "房产证",
        ["首次登记", "转移登记", "抵押登记", "更正登记", "查封登记"],
    ),
    ("农村宅基地", "nj", ["housing"], "person", "宅基地", ["审批", "变更"]),
    ("农药经营许可证", "nj", ["permit"], "company", "", ["核发", "变更", "延续"]),
    ("动物防疫条件合格证", "nj", ["permit"], "company", "", ["核发", "变更", "补发"]),
    ("税务登记", "sw", ["tax", "open"], "company", "办税", ["设立", "变更", "注销"]),
    ("增值税发票", "sw", ["tax"], "company", "发票", ["领用", "代开", "作废"]),
    ("个人所得税", "sw", ["tax"], "person", "个税", ["汇算清缴", "专项附加扣除"]),
    ("义务教育入学", "jy", ["school"], "person", "入学", ["报名", "转学", "资格审核"]),
    ("教师资格", "jy", ["school"], "person", "教资", ["认定", "补发", "注销"]),
    ("旅行社业务经营许可", "wl", ["permit"], "company", "", ["核发", "变更", "注销"]),
    ("娱乐场所经营许可", "wl", ["permit"], "company", "", ["核发", "变更", "延续"]),
    (
        "排污许可证",
        "hb",
        ["permit", "build"],
        "company",
        "排污证",
        ["核发", "变更", "延续", "注销"],
    ),
    ("建设项目环境影响评价文件", "hb", ["build"], "company", "环评", ["审批", "备案"]),
    ("危险化学品经营许可证", "yj", ["permit"], "company", "危化品", ["核发", "变更", "延期"]),
    ("烟花爆竹经营许可证", "yj", ["permit"], "company", "", ["核发", "延续"]),
    ("优待证", "tj", ["social"], "person", "", ["申领", "补办"]),
    ("退役士兵自主就业", "tj", ["job"], "person", "", ["一次性经济补助发放", "安置"]),
    ("医师执业", "wj", ["health"], "person", "执业证", ["注册", "变更注册", "注销注册"]),
    (
        "公共场所卫生许可证",
        "wj",
        ["permit", "health"],
        "company",
        "卫生许可",
        ["核发", "变更", "延续", "注销"],
    ),
    ("机动车驾驶证", "ga", ["travel"], "person", "驾照", ["换证", "补证", "审验"]),
]
QUALIFIERS = [
    "",
    "",
    "",
    "（首次）",
    "（告知承诺制）",
    "（跨省通办）",
    "（个人）",
    "（单位）",
    "（网上办理）",
    "（延期）",
]
PREFIXES = ["", "", "", "", "港澳台居民", "外国人", "农民专业合作社", "个体工商户"]

QUERIES = {
    "chinese": [
        "出生",
        "营业执照",
        "社会保障卡申领",
        "食品经营许可证",
        "残疾人证",
        "道路运输证",
        "变更登记",
        "公积金提取",
        "医学证明",
        "社保卡",
        "出生证明",
        "新生儿",
        "养老保险",
        "不动产登记",
        "施工许可",
        "结婚登记",
        "居民身份证换领",
        "排污许可证核发",
        "补换",
    ],
    "pinyin": [
        "shehuibaozhangka",
        "yingyezhizhao",
        "xinshenger",
        "shipinjingying",
        "daoluyunshu",
        "canjirenzheng",
        "chushengyixuezhengming",
        "zhufanggongjijin",
        "budongchan",
        "jiehundengji",
        "yanglaobaoxian",
    ],
    "initials": ["xsecs", "sbk", "yyzz", "spjyxkz", "dlysz", "cjrz", "csyxzm", "gjj", "bdcdj"],
    "mixed": ["营业执照 变更", "社保卡 补换", "yyzz 注销", "残疾人证 qianyi", "出生 证明"],
    "department": ["市场监督管理局", "人社局", "医保局"],
    "typo": ["xinshnger", "yingyezhizao", "shehuibaozhnagka", "shipinjinying", "canjirnezheng"],
}
MIX = [("chinese", 30), ("pinyin", 20), ("initials", 20), ("mixed", 10), ("department", 5), ("typo", 15)]  # fmt: skip


def generate(n_matters: int) -> None:
    from yishi.catalog.models import Department, Material, Matter, Region, RegionLevel, Topic

    rng = random.Random(SEED)
    province = Region.objects.create(code="420000", name="湖北省", level=RegionLevel.PROVINCE)
    city = Region.objects.create(
        code="420700", name="鄂州市", level=RegionLevel.CITY, parent=province
    )
    districts = [
        Region.objects.create(code=c, name=n, level=RegionLevel.COUNTY, parent=city)
        for c, n in [("420702", "梁子湖区"), ("420703", "华容区"), ("420704", "鄂城区")]
    ]
    towns = [
        Region.objects.create(code=c, name=n, level=RegionLevel.TOWNSHIP, parent=districts[0])
        for c, n in [
            ("420702100", "太和镇"), ("420702101", "东沟镇"), ("420702102", "梁子镇"),
            ("420702103", "涂家垴镇"), ("420702104", "沼山镇"),
        ]
    ]  # fmt: skip
    topics = {
        key: Topic.objects.create(code=key, name=name, audience=aud, order=i)
        for i, (key, name, aud) in enumerate(TOPICS)
    }
    departments: dict[tuple[str, int], Department] = {}
    for region in [city, *districts]:
        for key, name, short in DEPARTMENTS:
            departments[(key, region.pk)] = Department.objects.create(
                code=f"{region.code}-{key}",
                name=f"{region.name}{name}",
                short_name=f"{region.name[:2]}{short}",
                region=region,
            )
    town_gov = {
        t.pk: Department.objects.create(
            code=f"{t.code}-gov", name=f"{t.name}人民政府", short_name=t.name, region=t,
            kind=Department.Kind.TOWN,
        )
        for t in towns
    }  # fmt: skip
    places = [(city, RegionLevel.CITY)] + [(d, RegionLevel.COUNTY) for d in districts]
    places += [(t, RegionLevel.TOWNSHIP) for t in towns]
    matters, topic_links, specs = [], [], []
    for i in range(n_matters):
        obj, dept_key, topic_keys, audience, keywords, actions = rng.choice(OBJECTS)
        name = f"{rng.choice(PREFIXES)}{obj}{rng.choice(actions)}{rng.choice(QUALIFIERS)}"
        region, level = rng.choice(places)
        dept = town_gov[region.pk] if level == RegionLevel.TOWNSHIP else None
        dept = dept or departments[(dept_key, region.pk)]
        matters.append(
            Matter(
                code=f"Q{i:06d}-{region.code}",
                basic_code=f"Q{i:06d}",
                name=name,
                short_name="",
                matter_type="licensing" if "许可" in obj else "public_service",
                level=level,
                region=region,
                department=dept,
                audience=audience,
                keywords=keywords,
                legal_basis="《中华人民共和国行政许可法》",
                conditions="符合法定条件的申请人",
                process="申请—受理—审查—决定—送达",
                legal_limit_days=20,
                promised_limit_days=rng.choice([0, 3, 5, 10]),
                handling=Matter.Handling.PROMISED,
                result_name=f"{obj}",
                result_type=Matter.ResultType.LICENCE,
                place=f"{region.name}政务服务中心",
                hours="工作日 8:30-12:00 14:30-17:30",
                consult_phone="12345",
                complaint_phone="12345",
                online_depth="full",
                status=Matter.Status.PUBLISHED,
                version=1,
            )
        )
        specs.append(topic_keys)
    Matter.objects.bulk_create(matters, batch_size=1000)
    through = Matter.topics.through
    materials = []
    for matter, topic_keys in zip(matters, specs, strict=True):
        topic_links.extend(through(matter_id=matter.pk, topic_id=topics[k].pk) for k in topic_keys)
        for order, mat in enumerate(rng.sample(["居民身份证", "申请表", "户口簿", "营业执照", "授权委托书", "相关证明材料"], 3)):  # fmt: skip
            materials.append(Material(matter=matter, order=order, name=mat, kind=f"m{order}"))
    through.objects.bulk_create(topic_links, batch_size=2000)
    Material.objects.bulk_create(materials, batch_size=2000)


def query_plan(n_queries: int) -> list[tuple[str, str, dict, int]]:
    """A seeded mix: (category, q, filters, offset)."""
    rng = random.Random(SEED + 1)
    categories = [c for c, weight in MIX for _ in range(weight)]
    filter_choices = [
        {}, {}, {}, {}, {"audience": "person"}, {"audience": "company"}, {"level": 3},
        {"region": "420702"}, {"topic": "birth"}, {"department": "420702-scjg"},
    ]  # fmt: skip
    plan = []
    for _ in range(n_queries):
        category = rng.choice(categories)
        q = rng.choice(QUERIES[category])
        filters = rng.choice(filter_choices) if category != "typo" else {}
        plan.append((category, q, filters, rng.choice([0, 0, 0, 20])))
    return plan


def main_worker(label: str, quick: bool) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yishi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from yishi.catalog.models import Matter, MatterSearchTerm
    from yishi.catalog.queries import MatterFilters, matter_search
    from yishi.catalog.search import index_all

    n_matters, n_queries = (2_000, 100) if quick else (20_000, 500)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    generate(n_matters)
    print(f"generated {n_matters} matters in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    terms = index_all(Matter.objects.all())
    with connection.cursor() as cursor:
        # What autovacuum / `ANALYZE` would have done on a live database: statistics for the
        # planner and, on PostgreSQL, the visibility map index-only scans need.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    index_seconds = time.perf_counter() - started
    print(
        f"indexed {terms} terms ({MatterSearchTerm.objects.count()} rows) in {index_seconds:.1f} s"
    )
    plan = query_plan(n_queries)
    for _, q, filters, offset in plan[:30]:  # warm-up: caches, typo vocabulary, plans
        matter_search(q, filters=MatterFilters(**filters), limit=20, offset=offset)
    timings: list[float] = []
    by_category: dict[str, list[float]] = {}
    samples: dict[str, str] = {}
    for category, q, filters, offset in plan:
        t0 = time.perf_counter()
        items, total = matter_search(q, filters=MatterFilters(**filters), limit=20, offset=offset)
        elapsed = (time.perf_counter() - t0) * 1000
        timings.append(elapsed)
        by_category.setdefault(category, []).append(elapsed)
        if not filters and not offset and q not in samples:
            samples[q] = f"{total} hits, first: {items[0].name if items else '-'}"
    for q, sample in list(samples.items())[:12]:
        print(f"  {q!r}: {sample}")
    for category, values in by_category.items():
        print(
            f"  {category:<10} n={len(values):<4} p50 {statistics.median(values):6.2f} ms  "
            f"p95 {percentile(values, 95):6.2f} ms  max {max(values):6.2f} ms"
        )
    result = {
        "matters": n_matters,
        "queries": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 95), 2),
        "max_ms": round(max(timings), 2),
        "index_seconds": round(index_seconds, 1),
    }
    print(json.dumps(result))
    return 0


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 matters, 100 queries")
    parser.add_argument("--worker", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return main_worker(args.worker, args.quick)
    return main_parent(args.quick)


if __name__ == "__main__":
    sys.exit(main())
