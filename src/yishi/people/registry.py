"""SYNTHETIC person and company registries for the demo, tests and benchmarks.

Deterministic for a seed: ID numbers and credit codes are valid by construction
(yishi.core.synthetic) and belong to nobody we know of. Distributions are plausible for a
rural district like 梁子湖区, not official statistics: an ageing population pyramid, about 4 %
低保 household members, about 6 % holders of a disability certificate (type mix after the second
national sample survey on disability), employment, unemployment insurance and pension status by
age, and a few deaths recorded in the last three years. Companies: mostly micro and small,
GB/T 4754-2017 industries typical of the district, some suspended, revoked or cancelled.

Cost: every person's ID number is SM4-encrypted and blind-indexed (about 30 µs together,
in Python), which is the largest part of generating a row. On PostgreSQL the rows go in with
COPY; elsewhere with bulk_create in batches.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from yishi.core import crypto
from yishi.core.dates import add_years
from yishi.core.fields import blind_index
from yishi.core.synthetic import make_name, make_ric, make_uscc
from yishi.people.models import Company, Person

DISTRICT = "420702"  # 梁子湖区

# 乡级 units (统计用区划代码 2023) with rough population shares.
TOWNS = [
    ("100", "太和镇", 30),
    ("101", "东沟镇", 20),
    ("102", "梁子镇", 15),
    ("103", "涂家垴镇", 15),
    ("104", "沼山镇", 12),
    ("400", "梧桐湖新区", 8),
]
VILLAGES_PER_TOWN = 24  # village-level codes 2xx; communities 0xx

# ID-number address codes: most born here, some in neighbouring districts or elsewhere in Hubei.
# The code must have existed on the birth date (GB/T 2260 history, as python-stdnum and our
# validators check it): 梁子湖区 dates from 1987, 鄂州市 from 1983; before that 鄂城县.
ID_REGIONS = [("420702", 85), ("420704", 8), ("420703", 4), ("420111", 3)]
ID_REGION_BEFORE_1983 = "422131"  # 鄂城县 (until 1983)
ID_REGION_1983_TO_1986 = "420700"  # 鄂州市

# Population share per 5-year age band from 0–4 up to 100–104 (an ageing rural district).
AGE_BANDS = [3.5, 5, 5.5, 5, 4.5, 4.5, 6, 7, 6.5, 7, 8.5, 8.5, 7, 6.5, 5, 3.5, 2.2, 1.2, 0.45,
             0.12, 0.02]  # fmt: skip

DISABILITY_TYPES = [
    (Person.DisabilityType.PHYSICAL, 29.1),
    (Person.DisabilityType.HEARING, 24.2),
    (Person.DisabilityType.MULTIPLE, 16.3),
    (Person.DisabilityType.VISUAL, 14.9),
    (Person.DisabilityType.MENTAL, 7.4),
    (Person.DisabilityType.INTELLECTUAL, 6.6),
    (Person.DisabilityType.SPEECH, 1.5),
]
# 残疾人证号 (2nd generation) = ID number + type digit + grade digit.
DISABILITY_DIGIT = {
    Person.DisabilityType.VISUAL: "1",
    Person.DisabilityType.HEARING: "2",
    Person.DisabilityType.SPEECH: "3",
    Person.DisabilityType.PHYSICAL: "4",
    Person.DisabilityType.INTELLECTUAL: "5",
    Person.DisabilityType.MENTAL: "6",
    Person.DisabilityType.MULTIPLE: "7",
}
DISABILITY_GRADES = [(1, 12), (2, 18), (3, 30), (4, 40)]

# GB/T 4754-2017 classes common in the district: (code, name used in company names, weight).
INDUSTRIES = [
    ("A0111", "农业", 5),
    ("A0141", "蔬菜种植", 4),
    ("A0313", "生猪养殖", 2),
    ("A0412", "水产养殖", 5),
    ("C1311", "米业", 3),
    ("C1371", "食品", 2),
    ("C3021", "建材", 2),
    ("C3311", "钢结构", 2),
    ("E4710", "建筑工程", 8),
    ("F5121", "粮油贸易", 6),
    ("F5211", "百货", 12),
    ("F5212", "超市", 8),
    ("F5261", "汽车销售", 2),
    ("G5431", "物流", 5),
    ("H6110", "酒店", 3),
    ("H6210", "餐饮", 9),
    ("I6513", "软件", 2),
    ("K7010", "房地产开发", 2),
    ("O8010", "家政服务", 4),
    ("O8111", "汽车维修", 4),
    ("P8310", "幼儿园", 2),
]
SIZES = [  # (size, weight, employees range, paid-in capital range in 万元)
    (Company.SizeClass.MICRO, 80, (0, 9), (1, 100)),
    (Company.SizeClass.SMALL, 15, (10, 99), (50, 1000)),
    (Company.SizeClass.MEDIUM, 4, (100, 299), (500, 5000)),
    (Company.SizeClass.LARGE, 1, (300, 2000), (2000, 50000)),
]
TAX_GRADES = [("A", 15), ("B", 45), ("M", 25), ("C", 5), ("D", 3), ("", 7)]
COMPANY_STATUS = [
    (Company.Status.ACTIVE, 85),
    (Company.Status.SUSPENDED, 3),
    (Company.Status.REVOKED, 4),
    (Company.Status.CANCELLED, 8),
]
TRADE_NAMES = "梁湖丰泰沼山东沟太和涂垴梧桐鑫源华兴顺达聚福嘉禾瑞丰恒通荆楚长江"

# Columns written for each person / company, in this order (COPY and bulk_create alike).
PERSON_COLUMNS = [
    "name", "id_number", "id_number_index", "birth_date", "sex", "region_code", "phone",
    "phone_index", "created_at", "deceased_on", "low_income_household", "disability_type",
    "disability_grade", "disability_certificate_no", "needs_long_term_care",
    "employment_status", "unemployment_registered", "unemployment_insured_months",
    "left_job_involuntarily", "pension_status",
]  # fmt: skip
COMPANY_COLUMNS = [
    "name", "uscc", "legal_representative", "legal_representative_id_number",
    "legal_representative_id_number_index", "region_code", "address", "created_at",
    "industry_code", "size_class", "registration_date", "employees", "paid_in_capital",
    "tax_credit_grade", "status", "key_project",
]  # fmt: skip


class _Picker:
    """Weighted choice with a precomputed cumulative table (random.choices is slower per call)."""

    def __init__(self, items, weight_at: int = 1):
        self.values = [item[0] for item in items]
        self.cum = list(itertools.accumulate(item[weight_at] for item in items))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


def iter_person_rows(
    count: int, *, seed: int = 0, today: datetime.date | None = None
) -> Iterator[dict]:
    """`count` synthetic persons as field dicts with the ID number in clear (not yet encrypted).
    ID numbers are distinct within one seed."""
    today = today or timezone.localdate()
    rng = random.Random(f"persons-{seed}")
    band = _Picker([(i, w) for i, w in enumerate(AGE_BANDS)])
    town = _Picker(TOWNS, weight_at=2)
    id_region = _Picker(ID_REGIONS)
    dtype = _Picker(DISABILITY_TYPES)
    dgrade = _Picker(DISABILITY_GRADES)
    orders: dict[tuple[str, datetime.date, str], int] = {}
    produced = 0
    n = seed * 7919
    while produced < count:
        n += 1
        age = band(rng) * 5 + rng.randrange(5)
        birth = add_years(today, -age - 1) + datetime.timedelta(days=rng.randrange(1, 366))
        if birth > today:
            birth = today
        age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        sex = "M" if rng.random() < 0.51 else "F"
        region6 = id_region(rng)
        if birth.year < 1983:
            region6 = ID_REGION_BEFORE_1983
        elif birth.year < 1987:
            region6 = ID_REGION_1983_TO_1986
        key = (region6, birth, sex)
        seq = orders.get(key, 0)
        if seq >= 499:  # the day's order codes for that sex are used up
            continue
        orders[key] = seq + 1
        id_number = make_ric(region6, birth, seq=seq + 1, sex=sex)
        town_code = town(rng)
        village = rng.randrange(1, VILLAGES_PER_TOWN + 1)
        village_code = f"{village:03d}" if village <= 3 else f"{200 + village:03d}"
        row = {
            "name": make_name(n),
            "id_number": id_number,
            "birth_date": birth,
            "sex": sex,
            "region_code": f"{DISTRICT}{town_code}{village_code}",
        }
        row.update(_person_status(rng, age, birth, today, dtype, dgrade, id_number))
        produced += 1
        yield row


def _person_status(rng, age, birth, today, dtype, dgrade, id_number) -> dict:
    death_rate = 0.002 if age < 60 else 0.02 if age < 80 else 0.08
    deceased_on = None
    if rng.random() < death_rate:
        deceased_on = today - datetime.timedelta(days=rng.randrange(1, 3 * 365))
        deceased_on = max(deceased_on, birth)
    disabled_rate = 0.015 if age < 18 else 0.05 if age < 60 else 0.11
    disability_type, grade, certificate, care = "", None, "", False
    if rng.random() < disabled_rate:
        disability_type = dtype(rng)
        grade = dgrade(rng)
        certificate = f"{id_number}{DISABILITY_DIGIT[disability_type]}{grade}"
        severe_mind = disability_type in ("intellectual", "mental")
        care = rng.random() < (0.6 if grade <= 2 else 0.1 if severe_mind else 0.0)
    low_income_rate = 0.15 if disability_type else 0.06 if age >= 80 else 0.03
    low_income = rng.random() < low_income_rate

    employment, registered, months, involuntary = "", False, 0, False
    retire_age = 60 if rng.random() < 0.5 else 55
    if age < 6:
        employment = Person.EmploymentStatus.OTHER
    elif age < 16 or (age < 23 and rng.random() < 0.55):
        employment = Person.EmploymentStatus.STUDENT
    elif age < retire_age:
        r = rng.random()
        employment = (
            Person.EmploymentStatus.EMPLOYED
            if r < 0.72
            else Person.EmploymentStatus.UNEMPLOYED
            if r < 0.78
            else Person.EmploymentStatus.OTHER
        )
        if employment != Person.EmploymentStatus.OTHER and rng.random() < 0.6:
            months = rng.randrange(1, min(360, (age - 15) * 12) + 1)
        if employment == Person.EmploymentStatus.UNEMPLOYED:
            registered = rng.random() < 0.6
            involuntary = rng.random() < 0.55
    else:
        r = rng.random()
        employment = (
            Person.EmploymentStatus.RETIRED
            if r < 0.6
            else Person.EmploymentStatus.OTHER
            if r < 0.9
            else Person.EmploymentStatus.EMPLOYED
        )
    if age >= 60:
        pension = "receiving" if rng.random() < 0.85 else "none"
    elif age >= 18:
        pension = "contributing" if rng.random() < 0.75 else "none"
    else:
        pension = "none"
    return {
        "deceased_on": deceased_on,
        "low_income_household": low_income,
        "disability_type": disability_type,
        "disability_grade": grade,
        "disability_certificate_no": certificate,
        "needs_long_term_care": care,
        "employment_status": employment,
        "unemployment_registered": registered,
        "unemployment_insured_months": months,
        "left_job_involuntarily": involuntary,
        "pension_status": pension,
    }


def iter_company_rows(
    count: int, *, seed: int = 0, today: datetime.date | None = None
) -> Iterator[dict]:
    """`count` synthetic companies as field dicts; credit codes distinct within one seed."""
    today = today or timezone.localdate()
    rng = random.Random(f"companies-{seed}")
    industry = _Picker(INDUSTRIES, weight_at=2)
    names = {code: name for code, name, _ in INDUSTRIES}
    size = _Picker(SIZES)
    size_ranges = {s: (emp, cap) for s, _, emp, cap in SIZES}
    grade = _Picker(TAX_GRADES)
    status = _Picker(COMPANY_STATUS)
    town = _Picker(TOWNS, weight_at=2)
    town_names = {code: name for code, name, _ in TOWNS}
    base = (seed * 1_000_003) % 9_000_000
    # The legal representatives' ID numbers come from a stream of their own, so that adding
    # them leaves every other generated value as it was.
    reps = random.Random(f"legal-reps-{seed}")
    for i in range(count):
        code = industry(rng)
        size_class = size(rng)
        (emp_lo, emp_hi), (cap_lo, cap_hi) = size_ranges[size_class]
        # Registration dates lean to recent years (many young micro businesses).
        years_ago = min(rng.expovariate(1 / 6), 30)
        registered = today - datetime.timedelta(days=int(years_ago * 365.25) + 1)
        capital = None
        if rng.random() < 0.8:
            capital = Decimal(rng.randrange(cap_lo * 100, cap_hi * 100 + 1)) / 100
        town_code = town(rng)
        trade = "".join(rng.choice(TRADE_NAMES) for _ in range(2))
        yield {
            "name": f"鄂州市梁子湖区{trade}{names[code]}有限公司{i + 1}",
            "uscc": make_uscc(DISTRICT, seq=base + i + 1),
            "legal_representative": make_name(base + i),
            "legal_representative_id_number": _legal_rep_ric(reps, today),
            "region_code": f"{DISTRICT}{town_code}",
            "address": f"湖北省鄂州市梁子湖区{town_names[town_code]}",
            "industry_code": code,
            "size_class": size_class,
            "registration_date": registered,
            "employees": rng.randint(emp_lo, emp_hi),
            "paid_in_capital": capital,
            "tax_credit_grade": grade(rng),
            "status": status(rng),
            "key_project": rng.random() < 0.015,
        }


def _legal_rep_ric(rng: random.Random, today: datetime.date) -> str:
    """An adult's ID number (aged 25 to 64, born here: under the code of the day)."""
    birth = add_years(today, -rng.randrange(25, 65)) - datetime.timedelta(days=rng.randrange(365))
    region6 = DISTRICT
    if birth.year < 1983:
        region6 = ID_REGION_BEFORE_1983
    elif birth.year < 1987:
        region6 = ID_REGION_1983_TO_1986
    return make_ric(region6, birth, seq=rng.randrange(1, 500), sex=rng.choice("MF"))


def _stored_company(row: dict, now: datetime.datetime, *, encrypt: bool) -> dict:
    """A generated company as written: the legal representative's ID number blind-indexed
    and, with `encrypt` (COPY bypasses the model field), SM4-encrypted here."""
    number = row["legal_representative_id_number"]
    return {
        **row,
        "legal_representative_id_number": crypto.sm4_encrypt(number) if encrypt else number,
        "legal_representative_id_number_index": blind_index(number),
        "created_at": now,
    }


def _stored_person(row: dict, now: datetime.datetime, *, encrypt: bool) -> dict:
    """A generated person as written: blind index set; with `encrypt` (COPY bypasses the
    model field) the ID number and certificate number SM4-encrypted here."""
    certificate = row["disability_certificate_no"]
    if encrypt:
        certificate = crypto.sm4_encrypt(certificate) if certificate else ""
    return {
        **row,
        "id_number": crypto.sm4_encrypt(row["id_number"]) if encrypt else row["id_number"],
        "id_number_index": blind_index(row["id_number"]),
        "disability_certificate_no": certificate,
        "phone": "",
        "phone_index": "",
        "created_at": now,
    }


def _batched(rows, size):
    it = iter(rows)
    while batch := list(itertools.islice(it, size)):
        yield batch


@dataclass
class RegistryResult:
    persons: int
    companies: int
    seconds: float
    method: str

    def summary(self) -> str:
        return (
            f"已生成合成登记数据：自然人 {self.persons} 人，法人 {self.companies} 户，"
            f"用时 {self.seconds:.1f} 秒（{self.method}）"
        )


def generate_registry(
    *,
    persons: int,
    companies: int,
    seed: int = 0,
    today: datetime.date | None = None,
    batch_size: int = 5000,
    method: str = "auto",
    progress: Callable[[str], None] | None = None,
) -> RegistryResult:
    """Add synthetic persons and companies. Rerunning with the same seed adds nothing (rows
    whose ID number or credit code exists are skipped); counts are rows actually added.
    method: "copy" (PostgreSQL COPY), "bulk" (bulk_create) or "auto" (COPY on PostgreSQL)."""
    if method == "auto":
        method = "copy" if connection.vendor == "postgresql" else "bulk"
    if method == "copy" and connection.vendor != "postgresql":
        raise ValueError("COPY needs PostgreSQL")
    started = time.perf_counter()
    now = timezone.now()
    before = (Person.objects.count(), Company.objects.count())
    encrypt = method == "copy"
    person_rows = (
        _stored_person(r, now, encrypt=encrypt)
        for r in iter_person_rows(persons, seed=seed, today=today)
    )
    company_rows = (
        _stored_company(r, now, encrypt=encrypt)
        for r in iter_company_rows(companies, seed=seed, today=today)
    )
    with transaction.atomic():
        if method == "copy":
            _copy(Person, PERSON_COLUMNS, person_rows, "id_number_index", batch_size, progress)
            _copy(Company, COMPANY_COLUMNS, company_rows, "uscc", batch_size, progress)
        else:
            _bulk(Person, person_rows, batch_size, progress)
            _bulk(Company, company_rows, batch_size, progress)
    return RegistryResult(
        persons=Person.objects.count() - before[0],
        companies=Company.objects.count() - before[1],
        seconds=time.perf_counter() - started,
        method=method,
    )


def _bulk(model, rows, batch_size, progress) -> None:
    done = 0
    for batch in _batched(rows, batch_size):
        model.objects.bulk_create([model(**r) for r in batch], ignore_conflicts=True)
        done += len(batch)
        if progress:
            progress(f"{model._meta.verbose_name} {done}")


def _copy(model, columns, rows, unique, batch_size, progress) -> None:
    """COPY into a temporary table, then INSERT … ON CONFLICT DO NOTHING into the real one."""
    table = model._meta.db_table
    cols = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TEMP TABLE "_gen_{table}" ON COMMIT DROP AS '  # noqa: S608 - our names
            f"SELECT {cols} FROM {table} WITH NO DATA"
        )
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        done = 0
        with raw.copy(f'COPY "_gen_{table}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
                done += 1
                if progress and done % (batch_size * 20) == 0:
                    progress(f"{model._meta.verbose_name} {done}")
        cursor.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM "  # noqa: S608 - our names
            f'"_gen_{table}" ON CONFLICT ("{unique}") DO NOTHING'
        )
        cursor.execute(f'DROP TABLE "_gen_{table}"')
