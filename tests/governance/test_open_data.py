"""Open data: every published dataset's columns hold nothing personal (checked over all of
them, through the demo catalog), a personal column is refused at publish time, and the API,
CSV and JSON downloads answer with usage counts."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.cases.factories import ApplicantFactory
from tests.catalog.factories import DepartmentFactory
from tests.hall.factories import OutletFactory
from tests.people.factories import CompanyAgentFactory, CompanyFactory, PersonFactory
from tests.policies.factories import seed_demo_policies
from tests.ratings.factories import submitted
from yishi.catalog.demo.loader import load_demo
from yishi.core.errors import ValidationFailed
from yishi.core.fields import EncryptedJSONField, EncryptedTextField
from yishi.governance import opendata, services
from yishi.governance.demo import load_governance_demo
from yishi.governance.models import Dataset
from yishi.governance.rules import source_model

pytestmark = pytest.mark.django_db

PERSONAL_WORDS = ("姓名", "身份证", "手机", "电话号码", "出生", "法定代表人")


@pytest.fixture
def demo_catalog():
    load_demo(password="x-demo-pass-1")
    seed_demo_policies()
    OutletFactory(department=DepartmentFactory(kind="centre"))
    person = PersonFactory()
    company = CompanyFactory(rep=person)
    applicant = ApplicantFactory(person=person)
    CompanyAgentFactory(company=company, person=person, verified=True)
    submitted(applicant, company=company)
    load_governance_demo(password="x-demo-pass-1")
    return person, company


def test_no_published_dataset_has_a_personal_column(demo_catalog):
    person, company = demo_catalog
    published = list(Dataset.objects.filter(is_open=True))
    assert len(published) >= 4
    client = Client()
    for dataset in published:
        assert opendata.personal_columns(dataset) == []
        model = source_model(dataset.source)
        for column in dataset.fields:
            assert not any(word in column["label"] for word in PERSONAL_WORDS), column
            if model is not None:
                field = model._meta.get_field(column["name"].split("__")[0])
                assert not isinstance(field, EncryptedTextField | EncryptedJSONField)
                related = getattr(field, "related_model", None)
                assert related is None or related._meta.label not in (
                    "people.Person",
                    "people.ApplicantAccount",
                    "auth.User",
                )
        body = client.get(f"/open-data/{dataset.code}/rows.json").content.decode()
        for secret in (person.name, person.id_number, person.phone, company.legal_representative):
            assert secret not in body


@pytest.mark.parametrize(
    ("source", "column"),
    [
        ("people.company", "legal_representative"),
        ("people.company", "legal_representative_id_number"),
        ("people.person", "region_code"),  # every row is a person
        ("cases.application", "number"),
        ("hall.outlet", "no_such_column"),
    ],
)
def test_publishing_a_personal_column_is_refused(source, column):
    dataset = Dataset.objects.create(
        code="try",
        title="试开放",
        department=DepartmentFactory(),
        source=source,
        sharing=Dataset.Sharing.UNCONDITIONAL,
        fields=[{"name": column, "label": "数据项"}],
    )
    with pytest.raises(ValidationFailed) as caught:
        services.dataset_publish(dataset=dataset)
    assert caught.value.code == "personal"
    dataset.refresh_from_db()
    assert not dataset.is_open


def test_the_open_data_api_lists_datasets_and_the_downloads_count(demo_catalog):
    client = Client()
    items = client.get("/api/v1/open-data").json()["items"]
    codes = {i["code"] for i in items}
    assert {"matters", "outlets", "opening-hours", "monthly-applications"} <= codes
    outlets = next(i for i in items if i["code"] == "outlets")
    assert set(outlets) >= {"code", "title", "owner", "updated", "fields", "csv_url", "json_url"}
    assert outlets["fields"][0] == {"name": "code", "label": "网点编码", "type": "string"}
    rows = client.get(outlets["json_url"]).json()["rows"]
    assert rows and set(rows[0]) == {f["name"] for f in outlets["fields"]}
    csv = client.get(outlets["csv_url"])
    assert csv["Content-Type"].startswith("text/csv")
    assert "网点编码" in csv.content.decode("utf-8-sig").splitlines()[0]
    assert Dataset.objects.get(code="outlets").downloads == 2
    stats = client.get("/open-data/monthly-applications/rows.json").json()["rows"]
    assert stats and set(stats[0]) == {"month", "matter", "count"}
    page = client.get("/open-data/").content.decode()
    assert "政务服务网点" in page and "十二个行业领域" in page
    assert client.get("/open-data/people-registry/rows.json").status_code == 404
