from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.catalog.factories import (
    DepartmentFactory,
    MaterialFactory,
    MatterFactory,
    RegionFactory,
    TopicFactory,
)
from yishi.catalog.excel import export_catalog, import_catalog
from yishi.catalog.models import Material, Matter, MatterVersion, RegionLevel
from yishi.catalog.services import matter_to_dict


def _cells(xlsx: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(xlsx))
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb}


def _catalog() -> dict[str, dict]:
    return {m.code: matter_to_dict(m) for m in Matter.objects.all()}


def _build_catalog():
    province = RegionFactory(code="420000", name="湖北省", level=RegionLevel.PROVINCE)
    city = RegionFactory(code="420700", name="鄂州市", level=RegionLevel.CITY, parent=province)
    county = RegionFactory(code="420702", name="梁子湖区", level=RegionLevel.COUNTY, parent=city)
    dept_p = DepartmentFactory(code="P-SCJG", name="湖北省市场监督管理局", region=province)
    dept_c = DepartmentFactory(code="C-SCJG", name="鄂州市市场监督管理局", region=city)
    dept_x = DepartmentFactory(code="X-SCJG", name="梁子湖区市场监督管理局", region=county)
    birth = TopicFactory(code="birth", name="出生")
    business = TopicFactory(code="business", name="开办企业")
    base = MatterFactory(
        code="QR00001000-420000",
        basic_code="QR00001000",
        name="食品经营许可",
        matter_type="licensing",
        level=RegionLevel.PROVINCE,
        region=province,
        department=dept_p,
        legal_basis="《中华人民共和国食品安全法》第三十五条\n《食品经营许可管理办法》",
        legal_limit_days=None,
        promised_limit_days=10,
        fee_required=True,
        fee_standard="不收费 ",
        mobile=False,
        cross_region="province",
    )
    base.topics.set([business])
    MaterialFactory(matter=base, order=1, name="食品经营许可申请书", kind="form")
    MaterialFactory(
        matter=base,
        order=2,
        name="营业执照",
        kind="licence",
        required=False,
        form=Material.Form.COPY,
        copies=2,
        source=Material.Source.LICENCE,
        licence_type="营业执照",
        deferrable=True,
        note="可由电子证照替代\n无需复印",
    )
    MaterialFactory(matter=base, order=3, name="=SUM(A1)", kind="", spec="")
    city_matter = MatterFactory(
        code="QR00001000-420700",
        basic_code="QR00001000",
        name="食品经营许可",
        matter_type="licensing",
        level=RegionLevel.CITY,
        region=city,
        department=dept_c,
        base=base,
        legal_limit_days=20,
        promised_limit_days=0,
        handling=Matter.Handling.INSTANT,
    )
    city_matter.topics.set([business, birth])
    MaterialFactory(matter=city_matter, order=1, name="食品经营许可申请书", kind="form")
    county_matter = MatterFactory(
        code="QR00001000-420702",
        basic_code="QR00001000",
        name="食品经营许可（区级）",
        matter_type="licensing",
        level=RegionLevel.COUNTY,
        region=county,
        department=dept_x,
        base=city_matter,
        keywords="小餐饮 食品店",
        consult_phone="0711-1234567",
    )
    MaterialFactory(matter=county_matter, order=5, name="居民身份证")
    MaterialFactory(matter=county_matter, order=7, name="经营场所证明", required=False)
    MatterFactory(
        code="QR00002000-420702",
        name="出生医学证明",
        region=county,
        department=dept_x,
        audience=Matter.Audience.BOTH,
    )


@pytest.mark.django_db
def test_export_then_import_into_an_empty_catalog_gives_back_the_same_catalog_and_cells():
    _build_catalog()
    before = _catalog()
    first = export_catalog()

    Material.objects.all().delete()
    for level in (3, 2, 1):  # implementations first: bases are protected
        Matter.objects.filter(level=level).delete()
    assert Matter.objects.count() == 0

    report = import_catalog(first)

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert _catalog() == before
    assert _cells(export_catalog()) == _cells(first)


@pytest.mark.django_db
def test_exported_cells_use_chinese_labels_and_codes():
    _build_catalog()
    cells = _cells(export_catalog())
    header = cells["事项"][0]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in cells["事项"][1:]}
    base = rows["QR00001000-420000"]
    assert base["事项类型"] == "行政许可"
    assert base["行使层级"] == "省级"
    assert base["法定办结时限(工作日)"] is None
    assert base["是否收费"] == "是"
    assert base["主题分类编码"] == "business"
    assert rows["QR00001000-420700"]["主题分类编码"] == "birth、business"
    assert rows["QR00001000-420702"]["上级层级事项编码"] == "QR00001000-420700"
    assert base["状态"] == "已发布"
    assert [r[:3] for r in cells["申请材料"][1:4]] == [
        ("QR00001000-420000", 1, "食品经营许可申请书"),
        ("QR00001000-420000", 2, "营业执照"),
        ("QR00001000-420000", 3, "=SUM(A1)"),
    ]


@pytest.mark.django_db
def test_importing_the_same_file_twice_creates_no_new_versions():
    _build_catalog()
    xlsx = export_catalog()
    first = import_catalog(xlsx)
    assert (first.created, first.updated, first.unchanged) == (0, 4, 0)
    versions = MatterVersion.objects.count()
    assert versions == 4

    second = import_catalog(xlsx)

    assert (second.created, second.updated, second.unchanged) == (0, 0, 4)
    assert MatterVersion.objects.count() == versions


@pytest.mark.django_db
def test_choices_are_accepted_as_keys_as_well_as_labels():
    _build_catalog()
    xlsx = export_catalog()
    import_catalog(xlsx)
    wb = load_workbook(io.BytesIO(xlsx))
    ws = wb["事项"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("事项类型") + 1, value="confirmation")
    buffer = io.BytesIO()
    wb.save(buffer)

    report = import_catalog(buffer.getvalue())

    assert report.errors == []
    assert (report.updated, report.unchanged) == (1, 3)
    assert Matter.objects.get(code="QR00001000-420000").matter_type == "confirmation"


def _edited(xlsx: bytes, sheet: str, row: int, column: str, value) -> bytes:
    wb = load_workbook(io.BytesIO(xlsx))
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    ws.cell(row=row, column=header.index(column) + 1).value = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_bad_rows_are_reported_by_sheet_row_and_column_and_nothing_is_written():
    _build_catalog()
    before = _catalog()
    xlsx = export_catalog()
    # Rows in export order (level, code): 2 province, 3 city, 4 and 5 county.
    xlsx = _edited(xlsx, "事项", 4, "承诺办结时限(工作日)", 30)
    xlsx = _edited(xlsx, "事项", 4, "事项名称", "改了名字也不会写入")
    xlsx = _edited(xlsx, "事项", 5, "实施主体编码", "NO-SUCH-DEPT")
    xlsx = _edited(xlsx, "申请材料", 2, "材料名称", None)
    xlsx = _edited(xlsx, "事项", 3, "网办深度", "随便办")

    report = import_catalog(xlsx)

    assert report.errors == [
        "工作表「申请材料」第 2 行「材料名称」：材料名称不能为空",
        "工作表「事项」第 3 行「网办深度」：网办深度 随便办 不是允许的取值",
        "工作表「事项」第 4 行「承诺办结时限(工作日)」：承诺办结时限不得超过法定办结时限",
        "工作表「事项」第 5 行「实施主体编码」：部门编码 NO-SUCH-DEPT 不存在",
    ]
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert _catalog() == before
    assert MatterVersion.objects.count() == 0


@pytest.mark.django_db
def test_a_file_that_is_not_a_workbook_is_refused():
    report = import_catalog(b"not an excel file")
    assert report.errors == ["文件不是有效的 Excel(xlsx) 工作簿"]


@pytest.mark.django_db
def test_a_material_of_an_unknown_matter_and_a_duplicate_code_are_reported():
    _build_catalog()
    xlsx = export_catalog()
    xlsx = _edited(xlsx, "申请材料", 3, "事项编码", "QR-UNKNOWN")
    xlsx = _edited(xlsx, "事项", 5, "实施编码", "QR00001000-420000")

    report = import_catalog(xlsx)

    assert report.errors == [
        "工作表「事项」第 5 行「实施编码」：实施编码 QR00001000-420000 与第 2 行重复",
        "工作表「申请材料」第 3 行「事项编码」：事项编码 QR-UNKNOWN 不在工作表「事项」中",
    ]


@pytest.mark.django_db
def test_the_commands_export_and_import_the_same_catalog(tmp_path):
    from django.core.management import call_command

    _build_catalog()
    before = _catalog()
    path = tmp_path / "catalog.xlsx"
    out = io.StringIO()

    call_command("export_catalog", str(path), stdout=out)
    call_command("import_catalog", str(path), stdout=out)

    assert out.getvalue().splitlines() == [
        f"已导出 4 个事项到 {path}",
        "导入完成：新增 0 项，更新 4 项，未变化 0 项",
    ]
    assert _catalog() == before
    assert _cells(path.read_bytes()) == _cells(export_catalog())


@pytest.mark.django_db
def test_the_import_command_fails_loudly_on_a_bad_file(tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"nope")
    err = io.StringIO()
    with pytest.raises(CommandError, match="导入失败：共 1 处错误，未写入任何数据"):
        call_command("import_catalog", str(path), stderr=err)
    assert err.getvalue().strip() == "文件不是有效的 Excel(xlsx) 工作簿"


@pytest.mark.django_db
def test_a_withdrawn_matter_stays_withdrawn_through_the_round_trip():
    from yishi.catalog.services import matter_withdraw

    _build_catalog()
    import_catalog(export_catalog())
    matter_withdraw(matter=Matter.objects.get(code="QR00002000-420702"))
    xlsx = export_catalog()
    versions = MatterVersion.objects.count()

    report = import_catalog(xlsx)

    assert (report.unchanged, report.withdrawn) == (4, 0)
    assert Matter.objects.get(code="QR00002000-420702").status == Matter.Status.WITHDRAWN
    assert MatterVersion.objects.count() == versions
    assert _cells(export_catalog()) == _cells(xlsx)


_TEXT = st.text(
    alphabet=st.characters(
        codec="utf-8", categories=("L", "N", "P", "S", "Zs"), include_characters="\n\t"
    ),
    max_size=40,
)


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(conditions=_TEXT, keywords=_TEXT, note=_TEXT, legal=st.none() | st.integers(5, 200))
def test_any_text_survives_the_round_trip(conditions, keywords, note, legal):
    Matter.objects.all().delete()
    matter = MatterFactory(
        code="QR-PROP",
        conditions=conditions if conditions.strip() else "条件",
        keywords=keywords[:200],
        legal_limit_days=legal,
    )
    MaterialFactory(matter=matter, name="申请书", note=note)
    before = _catalog()
    xlsx = export_catalog()
    Matter.objects.all().delete()

    report = import_catalog(xlsx)

    assert report.errors == []
    assert _catalog() == before
