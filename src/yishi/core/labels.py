"""The Chinese label of every parameter and body field of the HTTP API, so an error message
names a field the way a person would ("开始日期：必须填写"), never by its key ("start：…").

A test (tests/core/test_api_labels.py) reads the OpenAPI document and fails on a parameter or
body field that has no label here: a new field comes with its label."""

from __future__ import annotations

API_FIELD_LABELS: dict[str, str] = {
    "address": "地址",
    "answers": "情形引导答案",
    "approve": "审批结论",
    "audience": "服务对象",
    "body": "请求内容",
    "change": "变更内容",
    "code": "编码",
    "comment": "评价意见",
    "commitment_false": "承诺是否不实",
    "commitment_id": "承诺书",
    "company": "企业统一社会信用代码",
    "cursor": "翻页位置",
    "day": "日期",
    "days": "工作日天数",
    "department": "部门编码",
    "end": "结束日期",
    "findings": "核查发现",
    "form_data": "申请表数据",
    "from": "起始日期",
    "grant_id": "待遇",
    "green_reason": "绿色通道情形",
    "id_number": "身份证号",
    "identifier": "登录账号",
    "image": "图片",
    "indicators": "不满意指标",
    "item_id": "事项",
    "items": "事项清单",
    "kind": "类别",
    "lat": "纬度",
    "legal_representative": "法定代表人",
    "legal_representative_id_number": "法定代表人身份证号",
    "level": "层级",
    "limit": "每页条数",
    "lng": "经度",
    "matter": "事项编码",
    "month": "月份",
    "name": "姓名或名称",
    "note": "说明",
    "number": "证照编号",
    "offset": "偏移量",
    "on": "日期",
    "outlet": "服务网点",
    "page": "页码",
    "parent": "上级区划代码",
    "password": "密码",
    "path": "请求地址",
    "period": "期间",
    "phone": "手机号码",
    "purpose": "用途",
    "q": "关键词",
    "queue": "办理业务",
    "reason": "理由",
    "record_ids": "信用记录",
    "ref": "评价对象编号",
    "refresh_token": "刷新令牌",
    "region": "区划代码",
    "repair_id": "信用修复申请",
    "result": "核查结果",
    "result_name": "结果名称",
    "rule": "规则",
    "run_id": "兑现批次",
    "score": "评分",
    "service_centre": "受理服务中心",
    "side": "证件面",
    "slot": "预约时段",
    "sms_code": "短信验证码",
    "stage": "评价环节",
    "start": "开始日期",
    "statement": "修复理由",
    "status": "状态",
    "subcase_id": "子件",
    "subject": "主体",
    "target": "评价对象",
    "task_id": "监管任务",
    "theme": "主题编码",
    "to": "截止日期",
    "token": "排队号凭证",
    "topic": "主题分类",
    "uscc": "统一社会信用代码",
    "value": "取值",
    "window_id": "窗口",
    "year": "年份",
}


def label_of(field: str) -> str:
    """The label of an API field ("start" → 开始日期; "items.0.name" → 事项清单第 1 项的姓名或名称);
    a key with no label stays as it is."""
    parts = field.split(".")
    shown: list[str] = []
    for part in parts:
        if part.isdigit():
            shown.append(f"第 {int(part) + 1} 项")
        else:
            shown.append(API_FIELD_LABELS.get(part, part))
    return "".join(
        part if i == 0 or parts[i].isdigit() else f"的{part}" for i, part in enumerate(shown)
    )
