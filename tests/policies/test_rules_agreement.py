"""The two evaluators of an eligibility rule must agree: for generated rules (random trees over
the catalogue, depth ≤ 3) and generated registries (persons and companies with nullable fields,
licences, company agents), `eligible_queryset` (one SQL query) selects exactly the subjects for
which `evaluate` (Python, one subject) says eligible.

Each example builds a small registry with bulk_create inside a savepoint that is rolled back,
then checks several rules against it: 300 examples × (2 person + 2 company rules) = 1,200
rule/registry cases, plus 100 × 5 age rules on birthday boundaries = 500 more, per run.
(Mutation check while writing this: dropping the NULL branch of a negated leaf in the SQL
compiler, or shifting a 29 February birthday by a day, makes these tests fail.)"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.catalog.factories import DepartmentFactory
from tests.licences.factories import LicenceTypeFactory
from yishi.licences.models import Licence
from yishi.people.models import Company, CompanyAgent, Person
from yishi.policies.rules import (
    SUBJECT_COMPANY,
    SUBJECT_PERSON,
    eligible_queryset,
    evaluate,
    field_catalogue,
    validate_rule,
)

pytestmark = pytest.mark.django_db

EXAMPLES = 300
AGE_EXAMPLES = 100
RULES_PER_SUBJECT = 2
MAX_DEPTH = 3
LICENCE_CODES = ("PTA", "PTB")

# Reference dates around the leap-day edge and a plain one.
ON_DATES = [
    dt.date(2024, 2, 28),
    dt.date(2024, 2, 29),
    dt.date(2024, 3, 1),
    dt.date(2025, 2, 28),
    dt.date(2025, 3, 1),
    dt.date(2026, 11, 28),
]
DATE_POOL = [
    dt.date(1924, 2, 29),
    dt.date(1944, 2, 29),
    dt.date(1944, 3, 1),
    dt.date(1945, 2, 28),
    dt.date(1946, 11, 28),
    dt.date(1960, 1, 1),
    dt.date(2000, 2, 29),
    dt.date(2020, 5, 17),
    dt.date(2024, 2, 28),
    dt.date(2024, 2, 29),
    dt.date(2024, 3, 1),
    dt.date(2025, 3, 1),
    dt.date(2026, 11, 28),
]
REGIONS = ["", "420702100001", "420702101002", "420702", "420703100", "4207021"]
REGION_PREFIXES = ["420702", "4207021", "420702100001", "4207031", "42"]
INDUSTRY_CODES = ["", "F5211", "C1311", "A0111", "f5211", "I6510", "F"]
INDUSTRY_PREFIXES = ["F", "F52", "C1311", "f", "I65"]
# Ages that rules and registries share, so that generated births sit on rule boundaries.
AGE_POINTS = [0, 1, 16, 60, 79, 80, 89, 90, 100]
DECIMALS = [Decimal("0"), Decimal("50"), Decimal("100.5"), Decimal("100.50"), Decimal("999.99")]


def birth_near(on: dt.date):
    """Birth dates on, just before and just after an age boundary at `on`, or from the pool."""

    def shifted(args):
        years, delta = args
        year = on.year - years
        day = min(on.day, 28) if on.month == 2 else on.day
        base = dt.date(year, on.month, day)
        if on.month == 2 and on.day == 29 and year % 4 == 0:
            base = dt.date(year, 2, 29)
        return base + dt.timedelta(days=delta)

    return st.one_of(
        st.tuples(st.sampled_from(AGE_POINTS), st.integers(-1, 1)).map(shifted),
        st.tuples(st.integers(0, 100), st.integers(-1, 1)).map(shifted),
        st.sampled_from(DATE_POOL),
        st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)),
    )


def maybe(strategy, p_none=True):
    return st.one_of(st.none(), strategy) if p_none else strategy


def person_rows(on):
    choice = lambda enum: st.sampled_from(["", *enum.values])  # noqa: E731
    return st.fixed_dictionaries(
        {
            "birth_date": birth_near(on),
            "sex": st.sampled_from(["M", "F"]),
            "region_code": st.sampled_from(REGIONS),
            "deceased_on": maybe(st.sampled_from([*DATE_POOL, on])),
            "low_income_household": st.booleans(),
            "disability_type": choice(Person.DisabilityType),
            "disability_grade": maybe(st.integers(1, 4)),
            "needs_long_term_care": st.booleans(),
            "employment_status": choice(Person.EmploymentStatus),
            "unemployment_registered": st.booleans(),
            "unemployment_insured_months": st.integers(0, 40),
            "left_job_involuntarily": st.booleans(),
            "pension_status": st.sampled_from(Person.PensionStatus.values),
        }
    )


def company_rows(on):
    return st.fixed_dictionaries(
        {
            "industry_code": st.sampled_from(INDUSTRY_CODES),
            "size_class": st.sampled_from(["", *Company.SizeClass.values]),
            "registration_date": maybe(birth_near(on)),
            "employees": st.integers(0, 300),
            "paid_in_capital": maybe(st.sampled_from(DECIMALS)),
            "tax_credit_grade": st.sampled_from(["", *Company.TaxCreditGrade.values]),
            "status": st.sampled_from(Company.Status.values),
            "key_project": st.booleans(),
            "region_code": st.sampled_from(REGIONS),
        }
    )


# --- rules ----------------------------------------------------------------------------------


def scalar_values(subject: str, name: str):
    spec = field_catalogue(subject)[name]
    if spec.choices:
        return st.sampled_from([c for c, _ in spec.choices])
    if name == "age" or name == "years_since_registration":
        return st.one_of(st.sampled_from(AGE_POINTS), st.integers(0, 101))
    if spec.type == "int":
        bounds = {"unemployment_insured_months": 40, "employees": 300}
        return st.integers(0, bounds.get(name, 5))
    if spec.type == "decimal":
        return st.sampled_from(["0", 50, 100.5, "100.49", "999.99", 1000])
    if spec.type == "date":
        return st.sampled_from([d.isoformat() for d in DATE_POOL])
    if spec.type == "bool":
        return st.booleans()
    if name == "region_code":
        return st.sampled_from([r for r in REGIONS if r])
    return st.sampled_from([c for c in INDUSTRY_CODES if c])


def ordered_values(subject: str, name: str):
    """Values for lt/le/gt/ge/between: plain ints even for choice-bearing int fields."""
    spec = field_catalogue(subject)[name]
    if spec.type == "int" and spec.choices:
        return st.integers(0, 5)
    return scalar_values(subject, name)


def _key(value):
    """Sort key for a between pair: numbers (also decimal strings) by value, dates as text."""
    if isinstance(value, int | float) or (isinstance(value, str) and "-" not in value):
        return Decimal(str(value))
    return value


def leaf(subject: str):
    catalogue = field_catalogue(subject)

    @st.composite
    def build(draw):
        name = draw(st.sampled_from(sorted(catalogue)))
        spec = catalogue[name]
        ops = {
            "int": ["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "between"],
            "decimal": ["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "between"],
            "date": ["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "between"],
            "bool": ["eq", "ne"],
            "str": ["eq", "ne", "in", "not_in", "startswith"],
            "choice": ["eq", "ne", "in", "not_in"],
        }[spec.type]
        if spec.type != "bool":
            ops += ["is_null", "not_null"]
        op = draw(st.sampled_from(ops))
        if op in ("is_null", "not_null"):
            return {"field": name, "op": op}
        if op in ("in", "not_in"):
            value = draw(st.lists(scalar_values(subject, name), min_size=1, max_size=3))
        elif op == "between":
            pair = draw(st.lists(ordered_values(subject, name), min_size=2, max_size=2))
            value = sorted(pair, key=_key)
        elif op == "startswith":
            prefixes = REGION_PREFIXES if name == "region_code" else INDUSTRY_PREFIXES
            value = draw(st.sampled_from(prefixes))
        elif op in ("eq", "ne"):
            value = draw(scalar_values(subject, name))
        else:
            value = draw(ordered_values(subject, name))
        return {"field": name, "op": op, "value": value}

    special = [
        st.sampled_from(LICENCE_CODES).map(lambda c: {"has_licence": c}),
        st.builds(
            lambda of, op, n, t: {"count": {"of": of, "op": op, "value": n, **t}},
            st.sampled_from(["licences", "agents"] if subject == SUBJECT_COMPANY else ["licences"]),
            st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]),
            st.integers(0, 3),
            st.just({}),
        ),
        st.builds(
            lambda op, n, t: {"count": {"of": "licences", "op": op, "value": n, "type": t}},
            st.sampled_from(["eq", "ge", "lt"]),
            st.integers(0, 2),
            st.sampled_from(LICENCE_CODES),
        ),
    ]
    special_leaf = st.one_of(*special)

    @st.composite
    def any_leaf(draw):
        # Mostly field comparisons (st.one_of would pick each branch equally often).
        if draw(st.integers(0, 9)) < 8:
            return draw(build())
        return draw(special_leaf)

    return any_leaf()


def rules(subject: str, depth: int = 1):
    if depth >= MAX_DEPTH:
        return leaf(subject)
    child = rules(subject, depth + 1)
    return st.one_of(
        leaf(subject),
        st.lists(child, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(child, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        child.map(lambda x: {"not": x}),
    )


# --- registry -------------------------------------------------------------------------------

_serial = itertools.count()


def build_registry(draw, on, licence_types, issuer):
    persons = draw(st.lists(person_rows(on), min_size=1, max_size=10))
    companies = draw(st.lists(company_rows(on), min_size=1, max_size=8))
    person_objs = Person.objects.bulk_create(
        [
            Person(name=f"人{i}", id_number="", id_number_index=f"t{next(_serial)}", **row)
            for i, row in enumerate(persons)
        ]
    )
    company_objs = Company.objects.bulk_create(
        [
            Company(name=f"企业{i}", uscc=f"U{next(_serial):017d}", **row)
            for i, row in enumerate(companies)
        ]
    )
    holders = [("person", p) for p in person_objs] + [("company", c) for c in company_objs]
    licences = []
    if holders:
        specs = draw(
            st.lists(
                st.tuples(
                    st.integers(0, len(holders) - 1),
                    st.sampled_from(licence_types),
                    st.sampled_from(["valid", "revoked"]),
                    st.integers(-400, 30),  # valid_from offset from `on`, days
                    st.one_of(st.none(), st.integers(-30, 400)),  # valid_until offset
                ),
                max_size=8,
            )
        )
        for index, ltype, status, start, end in specs:
            kind, holder = holders[index]
            licences.append(
                Licence(
                    number=f"L{next(_serial)}",
                    type=ltype,
                    issuer=issuer,
                    issued_on=on + dt.timedelta(days=start),
                    valid_from=on + dt.timedelta(days=start),
                    valid_until=None if end is None else on + dt.timedelta(days=end),
                    status=status,
                    **{kind: holder},
                )
            )
        Licence.objects.bulk_create(licences)
    if company_objs and person_objs:
        pairs = draw(
            st.lists(
                st.tuples(
                    st.integers(0, len(company_objs) - 1),
                    st.integers(0, len(person_objs) - 1),
                    st.booleans(),
                    st.booleans(),
                    st.sampled_from([None, *ON_DATES]),
                ),
                max_size=6,
                unique_by=lambda t: (t[0], t[1]),
            )
        )
        CompanyAgent.objects.bulk_create(
            CompanyAgent(
                company=company_objs[c],
                person=person_objs[p],
                role="agent",
                revoked_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC) if revoked else None,
                verified_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC) if verified else None,
                authorised_until=until,
            )
            for c, p, revoked, verified, until in pairs
        )


class _Rollback(Exception):
    pass


@pytest.fixture
def fixtures_for_registry():
    types = [LicenceTypeFactory(code=code, name=f"测试证照{code}") for code in LICENCE_CODES]
    return types, DepartmentFactory(name="梁子湖区测试发证局")


def assert_agree(rule, subject, on):
    validate_rule(rule, subject)
    if subject == SUBJECT_PERSON:
        objs = Person.objects.prefetch_related("licences__type")
    else:
        objs = Company.objects.prefetch_related("licences__type", "agents")
    by_python = set()
    for o in objs:
        verdict = evaluate(rule, o, on)
        assert evaluate(rule, o, on, explain=False).eligible == verdict.eligible
        assert verdict.eligible == (not verdict.missing)
        if verdict.eligible:
            by_python.add(o.pk)
    by_sql = set(eligible_queryset(rule, subject, on).values_list("pk", flat=True))
    assert by_sql == by_python, (rule, on)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_sql_and_python_evaluators_select_the_same_subjects(fixtures_for_registry, data):
    licence_types, issuer = fixtures_for_registry
    on = data.draw(st.sampled_from(ON_DATES), label="on")
    person_rules = data.draw(
        st.lists(rules(SUBJECT_PERSON), min_size=RULES_PER_SUBJECT, max_size=RULES_PER_SUBJECT),
        label="person rules",
    )
    company_rules = data.draw(
        st.lists(rules(SUBJECT_COMPANY), min_size=RULES_PER_SUBJECT, max_size=RULES_PER_SUBJECT),
        label="company rules",
    )
    try:
        with transaction.atomic():
            build_registry(data.draw, on, licence_types, issuer)
            for rule in person_rules:
                assert_agree(rule, SUBJECT_PERSON, on)
            for rule in company_rules:
                assert_agree(rule, SUBJECT_COMPANY, on)
            raise _Rollback
    except _Rollback:
        pass


def age_rules():
    point = st.sampled_from(AGE_POINTS)
    return st.one_of(
        st.builds(
            lambda op, n: {"field": "age", "op": op, "value": n},
            st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]),
            point,
        ),
        st.lists(point, min_size=2, max_size=2).map(
            lambda p: {"field": "age", "op": "between", "value": sorted(p)}
        ),
        st.lists(point, min_size=1, max_size=3).map(
            lambda p: {"field": "age", "op": "not_in", "value": p}
        ),
    )


@settings(
    max_examples=AGE_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_age_rules_agree_on_birthdays_including_29_february(data):
    # Births cluster on the boundaries of the ages the rules name, so that the day before,
    # the day of and the day after a birthday (29 February included) are all exercised.
    on = data.draw(st.sampled_from(ON_DATES), label="on")
    births = data.draw(st.lists(birth_near(on), min_size=1, max_size=10), label="births")
    age_rule_list = data.draw(st.lists(age_rules(), min_size=5, max_size=5), label="rules")
    try:
        with transaction.atomic():
            Person.objects.bulk_create(
                Person(
                    name="人",
                    id_number="",
                    id_number_index=f"a{next(_serial)}",
                    birth_date=b,
                    sex="F",
                )
                for b in births
            )
            for rule in age_rule_list:
                assert_agree(rule, SUBJECT_PERSON, on)
            raise _Rollback
    except _Rollback:
        pass
