"""Demo 秒批秒办 rules: 残疾人证换领 (renewal of the disability certificate) is decided by
the machine when the applicant holds a 残疾人证 that is valid or expired within 90 days and
the other materials come from shared data (人口库 photo and ID, the online form, the 残联
assessment on file). Sample configuration for 梁子湖区, to be confirmed by 区残联."""

from __future__ import annotations

from yishi.catalog.models import Matter
from yishi.licences.instant import instant_rule_save
from yishi.licences.models import InstantRule

DEMO_RULES = [
    {
        "basic_code": "GG00121000",
        "points": [
            {
                "kind": "holds_licence",
                "type": "CJRZ",
                "grace_days": 90,
                "label": "持有有效或到期不满 90 日的「中华人民共和国残疾人证」",
            }
        ],
        "shared_materials": [
            "申请人居民身份证",
            "近期正面免冠彩色证件照片",
            "《残疾人证换领申请表》",
            "残疾评定表",
        ],
    }
]


def load_instant_rules() -> int:
    """Create the demo rules once (an administrator's later edits are kept). Returns how many
    were created."""
    made = 0
    for spec in DEMO_RULES:
        for matter in Matter.objects.filter(basic_code=spec["basic_code"]):
            if InstantRule.objects.filter(matter=matter).exists():
                continue
            instant_rule_save(
                matter=matter,
                points=spec["points"],
                shared_materials=spec["shared_materials"],
                actor="demo",
            )
            made += 1
    return made
