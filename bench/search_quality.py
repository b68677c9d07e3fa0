"""Search quality benchmark: success@3, MRR and p95 latency of the unified search (themes,
matters, policies) for the queries people type, on SQLite and on PostgreSQL.

    .venv/bin/python bench/search_quality.py [--quick] [--sqlite | --postgres]

The queries (bench/search_queries*.json) are written the way residents and company owners
phrase things on the 12345 hotline and on public Q&A pages: colloquial, with typos and
homophones, full pinyin, initials and mixed. The held-out sets were written by people who saw
only the catalog's names (not the synonyms, not the code) and measured before anything was
tuned to them; each set's success@3 is printed apart. Each lists the items that answer it (themes,
matters, policies); a query succeeds when any of them is in the top 3. MRR is the reciprocal
rank of the first of them in the top 10 (0 when absent).

Each database gets the demo catalog, the 14 themes and the demo policies, plus 2,000
generated distractor matters (published, plausible names from generic objects and actions,
deterministic seed), then the search indexes are rebuilt the way the app does. One warm-up
round, then every query is searched over several rounds for the timings (p95 of `search()`
calls, in ms). SQLite runs on a fresh temporary file; PostgreSQL on a database created for the
run (and dropped after it) on the server BENCH_DATABASE_URL names (default
postgres://postgres@127.0.0.1:5432/test; that database itself is not touched). Each database
runs in its own subprocess because Django reads DATABASE_URL once, at setup.

The last line printed is one JSON object: queries, success_at_3, mrr, p95_ms (the worse of the
databases run) and one object per database. Targets (success@3 ≥ 0.9, p95 < 20 ms) are
reported, not asserted: the exit status is non-zero only when a database failed or the query
file names an item the demo data does not have.
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
# The query sets: search_queries.json, written with the search's first version, and the
# held-out sets (search_queries_holdout*.json) written afterwards by people who saw only the
# catalog's names, never the synonyms or the code; each set's figure is printed apart.
QUERY_FILES = sorted(Path(__file__).resolve().parent.glob("search_queries*.json"))
TARGET_SUCCESS_AT_3 = 0.9
TARGET_P95_MS = 20.0
SEED = 20261207
DISTRACTORS = 2_000
TOP = 3
DEPTH = 10

# --- the parent: one subprocess per database ---------------------------------------------


def run_sqlite(quick: bool) -> dict:
    return bench_databases.run_sqlite(__file__, quick)


def run_postgres(quick: bool) -> dict:
    return bench_databases.run_postgres(__file__, quick, "postgresql", "yishi_bench_sq")


def main_parent(quick: bool, databases: list[str]) -> int:
    runners = {"sqlite": run_sqlite, "postgresql": run_postgres}
    results = {db: runners[db](quick) for db in databases}
    ok = all("error" not in r for r in results.values())
    for db, r in results.items():
        if "error" in r:
            print(f"{db}: ERROR {r['error']}")
        else:
            print(
                f"{db}: {r['queries']} queries over {r['matters']} matters: "
                f"success@3 {r['success_at_3']:.3f} (target ≥ {TARGET_SUCCESS_AT_3}), "
                f"MRR {r['mrr']:.3f}, p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms "
                f"(target < {TARGET_P95_MS} ms), max {r['max_ms']} ms"
            )
    good = [r for r in results.values() if "error" not in r]
    summary: dict = {
        "queries": good[0]["queries"] if good else 0,
        # The worse figure of the databases run: the targets hold on every one.
        "success_at_3": min((r["success_at_3"] for r in good), default=None),
        "mrr": min((r["mrr"] for r in good), default=None),
        "p95_ms": max((r["p95_ms"] for r in good), default=None),
        "database": "+".join(databases),
        **results,
        "target_success_at_3": TARGET_SUCCESS_AT_3,
        "target_p95_ms": TARGET_P95_MS,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if ok else 1


# --- distractors -------------------------------------------------------------------------

# (object, department, audience, matter type): things a real catalog holds that the demo
# does not, sharing its generic words (证, 登记, 许可, 补贴, 备案, 社会保险, 医疗, 公司, 电, 房屋…).
OBJECTS = [
    ("医疗机构执业许可", "LZH-WJ", "company", "licensing"),
    ("护士执业注册", "LZH-WJ", "person", "licensing"),
    ("母婴保健技术服务执业许可", "LZH-WJ", "company", "licensing"),
    ("放射诊疗许可", "LZH-WJ", "company", "licensing"),
    ("计划生育家庭特别扶助金", "LZH-WJ", "person", "payment"),
    ("农村部分计划生育家庭奖励扶助", "LZH-WJ", "person", "payment"),
    ("工伤认定", "LZH-RS", "person", "confirmation"),
    ("工伤保险待遇", "LZH-RS", "person", "payment"),
    ("失业登记", "LZH-RS", "person", "public_service"),
    ("劳务派遣经营许可", "LZH-RS", "company", "licensing"),
    ("人力资源服务许可", "LZH-RS", "company", "licensing"),
    ("职业技能等级证书", "LZH-RS", "person", "public_service"),
    ("社会保险费补缴", "LZH-RS", "both", "levy"),
    ("企业年金方案备案", "LZH-RS", "company", "other_power"),
    ("劳动用工备案", "LZH-RS", "company", "public_service"),
    ("医疗保险定点医药机构", "LZH-YB", "company", "confirmation"),
    ("门诊慢特病待遇认定", "LZH-YB", "person", "confirmation"),
    ("医疗救助", "LZH-YB", "person", "payment"),
    ("养老机构设立备案", "LZH-MZ", "company", "other_power"),
    ("社会团体登记", "LZH-MZ", "company", "licensing"),
    ("民办非企业单位登记", "LZH-MZ", "company", "licensing"),
    ("收养登记", "LZH-MZ", "person", "confirmation"),
    ("特困人员救助供养", "LZH-MZ", "person", "payment"),
    ("孤儿基本生活费", "LZH-MZ", "person", "payment"),
    ("经营性公墓审批", "LZH-MZ", "company", "licensing"),
    ("地名命名更名", "LZH-MZ", "both", "other_power"),
    ("建筑业企业资质", "LZH-ZJ", "company", "licensing"),
    ("房地产开发企业资质", "LZH-ZJ", "company", "licensing"),
    ("商品房预售许可", "LZH-ZJ", "company", "licensing"),
    ("物业服务企业备案", "LZH-ZJ", "company", "other_power"),
    ("城镇污水排入排水管网许可", "LZH-ZJ", "company", "licensing"),
    ("燃气经营许可", "LZH-ZJ", "company", "licensing"),
    ("建设用地规划许可证", "LZH-ZRZY", "company", "licensing"),
    ("建设项目用地预审与选址意见书", "LZH-ZRZY", "company", "licensing"),
    ("林木采伐许可证", "LZH-ZRZY", "both", "licensing"),
    ("临时用地审批", "LZH-ZRZY", "company", "licensing"),
    ("国有建设用地使用权首次登记", "LZH-BDC", "company", "confirmation"),
    ("不动产抵押登记", "LZH-BDC", "both", "confirmation"),
    ("不动产更正登记", "LZH-BDC", "both", "confirmation"),
    ("预告登记", "LZH-BDC", "both", "confirmation"),
    ("出租汽车驾驶员从业资格证", "LZH-JT", "person", "licensing"),
    ("道路旅客运输经营许可", "LZH-JT", "company", "licensing"),
    ("机动车维修经营备案", "LZH-JT", "company", "other_power"),
    ("驾驶员培训经营备案", "LZH-JT", "company", "other_power"),
    ("船舶登记", "LZH-JT", "both", "confirmation"),
    ("印花税申报", "LZH-SW", "company", "levy"),
    ("车辆购置税申报", "LZH-SW", "both", "levy"),
    ("个人所得税经营所得汇算", "LZH-SW", "person", "levy"),
    ("跨区域涉税事项报告", "LZH-SW", "company", "other_power"),
    ("出口退税备案", "LZH-SW", "company", "other_power"),
    ("住房公积金个人账户转移", "LZH-GJJ", "person", "public_service"),
    ("住房公积金贷款", "LZH-GJJ", "person", "public_service"),
    ("住房公积金缴存基数调整", "LZH-GJJ", "company", "public_service"),
    ("医疗器械经营备案", "LZH-SCJG", "company", "other_power"),
    ("药品零售企业许可", "LZH-SCJG", "company", "licensing"),
    ("计量器具型式批准", "LZH-SCJG", "company", "licensing"),
    ("农民专业合作社登记", "LZH-SCJG", "company", "licensing"),
    ("广告发布登记", "LZH-SCJG", "company", "licensing"),
    ("动产抵押登记", "LZH-SCJG", "company", "confirmation"),
    ("股权出质登记", "LZH-SCJG", "company", "confirmation"),
    ("特种作业人员操作证", "LZH-YJ", "person", "licensing"),
    ("安全生产许可证", "LZH-YJ", "company", "licensing"),
    ("危险化学品经营许可", "LZH-YJ", "company", "licensing"),
    ("烟花爆竹零售许可", "LZH-YJ", "company", "licensing"),
    ("危险废物经营许可", "LZH-HB", "company", "licensing"),
    ("建设项目环境影响报告表审批", "LZH-HB", "company", "licensing"),
    ("辐射安全许可证", "LZH-HB", "company", "licensing"),
    ("种子生产经营许可证", "LZH-NY", "company", "licensing"),
    ("兽药经营许可证", "LZH-NY", "company", "licensing"),
    ("农业机械登记", "LZH-NY", "both", "confirmation"),
    ("渔业捕捞许可证", "LZH-NY", "both", "licensing"),
    ("动物防疫条件合格证", "LZH-NY", "company", "licensing"),
    ("拖拉机驾驶证", "LZH-NY", "person", "licensing"),
    ("民办学校办学许可", "LZH-JY", "company", "licensing"),
    ("校外培训机构设立", "LZH-JY", "company", "licensing"),
    ("教师资格认定", "LZH-JY", "person", "confirmation"),
    ("学生资助", "LZH-JY", "person", "payment"),
    ("烈士褒扬金", "LZH-TYJS", "person", "payment"),
    ("伤残抚恤", "LZH-TYJS", "person", "payment"),
    ("退役士兵自主就业一次性经济补助", "LZH-TYJS", "person", "payment"),
    ("法律援助", "LZH-SF", "person", "public_service"),
    ("人民调解", "LZH-SF", "person", "public_service"),
    ("公证员执业", "LZH-SF", "person", "licensing"),
    ("户外广告设置", "LZH-CG", "company", "licensing"),
    ("城市建筑垃圾处置核准", "LZH-CG", "company", "licensing"),
    ("犬只登记", "LZH-GA", "person", "confirmation"),
    ("机动车登记", "LZH-GA", "both", "confirmation"),
    ("户口迁移", "LZH-GA", "person", "confirmation"),
    ("无犯罪记录证明", "LZH-GA", "person", "public_service"),
    ("旅馆业特种行业许可", "LZH-GA", "company", "licensing"),
    ("大型群众性活动安全许可", "LZH-GA", "company", "licensing"),
    ("营业性演出许可", "LZH-YJ", "company", "licensing"),
    ("互联网上网服务营业场所许可", "LZH-SCJG", "company", "licensing"),
    ("公共场所卫生许可", "LZH-WJ", "company", "licensing"),
    ("建设工程消防设计审查", "LZH-ZJ", "company", "licensing"),
    ("消防设施维护保养检测机构备案", "LZH-XF", "company", "other_power"),
    ("烟草专卖批发企业许可", "LZH-YC", "company", "licensing"),
    ("项目核准", "LZH-FG", "company", "licensing"),
    ("企业投资项目备案", "LZH-FG", "company", "other_power"),
    ("政府信息公开申请", "LZH-SJJ", "both", "public_service"),
]
ACTIONS = [
    "核发", "变更", "延续", "注销", "补办", "申请", "审批", "备案", "换发", "首次申请",
    "登记", "办理", "查询", "复核", "认定", "发放", "撤回", "证明开具", "信息更正", "年度报告",
]  # fmt: skip
QUALIFIERS = [
    "", "", "", "", "（告知承诺制）", "（跨省通办）", "（个人）", "（单位）", "（网上办理）",
    "（简易程序）", "（延期）", "（分支机构）", "（自然人）", "（法人）",
]  # fmt: skip
PREFIXES = ["", "", "", "", "", "港澳台居民", "外国人", "个体工商户", "农村集体经济组织"]
TOWN_DEPARTMENTS = ["TOWN-100", "TOWN-101", "TOWN-102", "TOWN-103", "TOWN-104"]


def generate_distractors(n: int) -> int:
    from yishi.catalog.models import Department, Matter, RegionLevel

    rng = random.Random(SEED)
    departments = {d.code: d for d in Department.objects.select_related("region")}
    towns = [departments[c] for c in TOWN_DEPARTMENTS if c in departments]
    matters, seen = [], set()
    while len(matters) < n:
        obj, dept_code, audience, matter_type = rng.choice(OBJECTS)
        name = f"{rng.choice(PREFIXES)}{obj}{rng.choice(ACTIONS)}{rng.choice(QUALIFIERS)}"
        dept = departments[dept_code]
        level = RegionLevel.COUNTY
        if towns and rng.random() < 0.15:  # some delegated to the towns
            dept, level = rng.choice(towns), RegionLevel.TOWNSHIP
        if (name, dept.code) in seen:
            continue
        seen.add((name, dept.code))
        i = len(matters)
        matters.append(
            Matter(
                code=f"ZZ{i:05d}000-{dept.region.code}-{dept.code}",
                basic_code=f"ZZ{i:05d}000",
                name=name,
                short_name="",
                matter_type=matter_type,
                level=level,
                region=dept.region,
                department=dept,
                audience=audience,
                keywords="",
                legal_basis="《中华人民共和国行政许可法》",
                conditions="符合法定条件的申请人",
                process="申请—受理—审查—决定—送达",
                legal_limit_days=20,
                promised_limit_days=rng.choice([0, 3, 5, 10]),
                handling=Matter.Handling.PROMISED,
                result_name=obj,
                result_type=Matter.ResultType.LICENCE,
                place=f"{dept.region.name}政务服务中心",
                hours="工作日 8:30-12:00 14:30-17:30",
                consult_phone="12345",
                complaint_phone="12345",
                online_depth="full",
                status=Matter.Status.PUBLISHED,
                version=1,
            )
        )
    Matter.objects.bulk_create(matters, batch_size=1000)
    return len(matters)


# --- the worker: one database ------------------------------------------------------------


def rebuild_indexes() -> str:
    """Rebuild the search indexes the way the app does after a bulk import: the matters' terms
    (`rebuild_search_index`, as the management command), and the unified search's in-memory
    themes, policies and synonyms reloaded on the next query."""
    from yishi.catalog import unified_search
    from yishi.catalog.search import rebuild_search_index

    terms = rebuild_search_index()
    cache = getattr(unified_search, "cache", None)
    if cache is not None:
        cache.invalidate()
    return f"{terms} matter terms"


def check_expectations(queries: list[dict]) -> list[str]:
    """Every expected item must exist in the demo data (a typo in the file is an error)."""
    from yishi.catalog.models import Matter
    from yishi.policies.models import Policy
    from yishi.themes.models import Theme

    known = {
        "matter": set(Matter.objects.values_list("code", flat=True)),
        "theme": set(Theme.objects.values_list("code", flat=True)),
        "policy": set(Policy.objects.values_list("code", flat=True)),
    }
    return [
        f"{q['q']!r}: no {e['kind']} {e['code']}"
        for q in queries
        for e in q["expect"]
        if e["code"] not in known.get(e["kind"], set())
    ]


def main_worker(label: str, quick: bool) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yishi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from yishi.catalog.demo.loader import load_demo
    from yishi.catalog.models import Matter
    from yishi.catalog.unified_search import search
    from yishi.policies.demo import policies_demo
    from yishi.themes.demo.loader import load_themes

    queries = [
        {**q, "set": path.stem.removeprefix("search_queries").lstrip("_") or "main"}
        for path in QUERY_FILES
        for q in json.loads(path.read_text(encoding="utf-8"))
    ]
    rounds = 2 if quick else 5
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with transaction.atomic():
        load_demo(password="bench-" + os.urandom(6).hex())  # noqa: S106 - throwaway accounts
        load_themes()
        policies_demo()
        distractors = generate_distractors(DISTRACTORS)
    matters = Matter.objects.filter(status=Matter.Status.PUBLISHED).count()
    print(
        f"demo + {distractors} distractors: {matters} published matters "
        f"in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    indexed = rebuild_indexes()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"indexed ({indexed}) in {time.perf_counter() - started:.1f} s")
    missing = check_expectations(queries)
    if missing:
        print("the query file names items the demo data does not have:")
        for line in missing:
            print(f"  {line}")
        return 2

    for q in queries:  # warm-up: caches, vocabularies, plans
        search(q["q"], limit=DEPTH)
    timings: list[float] = []
    ranked: dict[str, list] = {}
    for _ in range(rounds):
        for q in queries:
            t0 = time.perf_counter()
            items = search(q["q"], limit=DEPTH)
            timings.append((time.perf_counter() - t0) * 1000)
            ranked.setdefault(q["q"], items)

    hits, rr, failures = 0, 0.0, []
    by_note: dict[str, list[int]] = {}
    by_set: dict[str, list[int]] = {}
    for q in queries:
        items = ranked[q["q"]]
        want = {(e["kind"], e["code"]) for e in q["expect"]}
        rank = next((i for i, it in enumerate(items, 1) if (it.kind, it.code) in want), None)
        ok = rank is not None and rank <= TOP
        hits += ok
        rr += 1 / rank if rank else 0.0
        by_note.setdefault(q["note"], []).append(ok)
        by_set.setdefault(q["set"], []).append(ok)
        if not ok:
            failures.append((q, rank, items[:TOP]))
    n = len(queries)
    print(f"{n} queries, {len(timings)} timed searches ({rounds} rounds)")
    for note, oks in sorted(by_note.items()):
        print(f"  {note:<11} n={len(oks):<4} success@3 {sum(oks) / len(oks):.3f}")
    for name, oks in sorted(by_set.items()):
        print(f"  set {name:<9} n={len(oks):<4} success@3 {sum(oks) / len(oks):.3f}")
    print(f"missed the top {TOP}: {len(failures)}")
    for q, rank, top in failures:
        where = f"rank {rank}" if rank else f"not in top {DEPTH}"
        wanted = ", ".join(f"{e['kind']}:{e['code']}" for e in q["expect"][:4])
        print(f"  {q['q']!r} ({q['set']}, {q['note']}, {where}; want {wanted})")
        for i, it in enumerate(top, 1):
            print(f"      {i}. {it.kind}:{it.code} {it.name}")
        if not top:
            print("      (no results)")
    result = {
        "database": "postgresql" if connection.vendor == "postgresql" else "sqlite",
        "queries": n,
        "success_at_3": round(hits / n, 3),
        "mrr": round(rr / n, 3),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 95), 2),
        "max_ms": round(max(timings), 2),
        "by_set": {k: round(sum(v) / len(v), 3) for k, v in sorted(by_set.items())},
        "matters": matters,
        "failures": [f["q"] for f, _, _ in failures],
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 timing rounds instead of 5")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--sqlite", action="store_true", help="SQLite only")
    which.add_argument("--postgres", action="store_true", help="PostgreSQL only")
    parser.add_argument("--worker", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return main_worker(args.worker, args.quick)
    databases = ["sqlite"] if args.sqlite else ["postgresql"] if args.postgres else None
    return main_parent(args.quick, databases or ["sqlite", "postgresql"])


if __name__ == "__main__":
    sys.exit(main())
