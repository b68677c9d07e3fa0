"""智能识别填单 API: upload a photo or scan of a 身份证 (front) or 营业执照 and get its fields to
prefill a form, each with its check. Thin: reading and checking live in yishi.core.ocr."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

# An API module (the banned-api rule exempts only files named api.py).
from ninja import Field, File, Router, Schema  # noqa: TID251
from ninja.files import UploadedFile  # noqa: TID251
from ninja.security import django_auth  # noqa: TID251

from yishi.core import ocr

router = Router(tags=["智能识别"], auth=django_auth)


class FieldOut(Schema):
    label: str = Field(..., description="字段名称（中文）")
    value: str = Field(..., description="识别结果，日期为 YYYY-MM-DD；未识别时为空")
    ok: bool = Field(..., description="是否通过校验（校验位、日期、与其他栏目一致等）")
    message: str = Field(..., description="未通过校验或需核对时的原因")
    confidence: float = Field(..., description="识别置信度，0 到 1")
    registered: str = Field(
        "", description="登记信息中的不同值（仅本人的户籍信息或公开的企业登记信息）"
    )


class RecognitionOut(Schema):
    document: str = Field(..., description="id_card 身份证人像面 / business_licence 营业执照")
    ok: bool = Field(..., description="全部字段均通过校验")
    seconds: float = Field(..., description="识别耗时（秒）")
    fields: dict[str, FieldOut] = Field(..., description="字段名 → 识别结果，须经申请人确认")


@router.post(
    "/recognise/id-card",
    response=RecognitionOut,
    summary="识别身份证人像面（智能识别填单）",
)
def recognise_id_card(request: HttpRequest, image: File[UploadedFile]) -> dict[str, Any]:
    """姓名、性别、民族、出生、住址、公民身份号码；号码按 GB 11643 校验，并与户籍登记比对
    （登记值仅向本人显示）。"""
    recognition = ocr.recognise_id_card(image)
    ocr.cross_check(recognition, reveal=lambda person: _own(request, person))
    return recognition.as_dict()


@router.post(
    "/recognise/business-licence",
    response=RecognitionOut,
    summary="识别营业执照（智能识别填单）",
)
def recognise_business_licence(request: HttpRequest, image: File[UploadedFile]) -> dict[str, Any]:
    """名称、统一社会信用代码、法定代表人、类型、住所、注册资本、成立日期、经营范围；
    信用代码按 GB 32100 校验，并与企业登记比对。"""
    recognition = ocr.recognise_business_licence(image)
    ocr.cross_check(recognition)
    return recognition.as_dict()


def _own(request: HttpRequest, person: Any) -> bool:
    """Whether the registry record is the signed-in applicant's own."""
    account = getattr(request.user, "applicant", None)
    return account is not None and account.person_id == person.pk
