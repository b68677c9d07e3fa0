"""Credit factories: the cases chain theme with commitment flags on its materials, and an
application of it submitted and ready for 容缺受理."""

from __future__ import annotations

import datetime as dt

from tests.cases.factories import ApplicantFactory, StaffFactory, make_chain_theme
from tests.catalog.factories import MaterialFactory
from yishi.cases.services import application_submit

# Monday 2 March 2026: a plain working week (no holiday until Qingming on 4 April).
ACCEPT_DAY = dt.date(2026, 3, 2)


def make_commitment_theme() -> dict:
    """The chain theme A → B → C, D with: on A a deferrable 场地证明 (5 working days) and a
    plain 身份证; on B a proof replaced by commitment (无犯罪记录证明); on D a deferrable
    material under the matter's default (10 days); matter C excluded (公共安全) although its
    material is flagged."""
    chain = make_chain_theme()
    m = chain["matters"]
    chain["materials"] = {
        "a_site": MaterialFactory(
            matter=m["a"], name="经营场所证明", kind="site_proof", deferrable=True, defer_days=5
        ),
        "a_id": MaterialFactory(matter=m["a"], name="居民身份证", kind="id_card"),
        "b_proof": MaterialFactory(
            matter=m["b"], name="无犯罪记录证明", kind="no_crime", by_commitment=True
        ),
        "c_site": MaterialFactory(
            matter=m["c"], name="消防安全检查合格证明", kind="fire", deferrable=True
        ),
        "d_plan": MaterialFactory(
            matter=m["d"], name="平面布局图", kind="floor_plan", deferrable=True
        ),
    }
    m["c"].commitment_exclusion = "public_safety"
    m["c"].save(update_fields=["commitment_exclusion"])
    return chain


def item(chain: dict, key: str) -> dict:
    material = chain["materials"][key]
    return {"matter_id": material.matter_id, "material_id": material.pk}


def submit(chain: dict, applicant=None, company=None):
    applicant = applicant or ApplicantFactory()
    return application_submit(
        user=applicant.user,
        theme=chain["theme"],
        answers={},
        form_data={"name": applicant.person.name},
        company=company,
    )


def window():
    return StaffFactory()


def supervisor():
    return StaffFactory(supervisor=True)
