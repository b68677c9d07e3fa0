from django.urls import path

from yishi.workbench import claims, security, views

app_name = "workbench"

urlpatterns = [
    path("", views.home, name="home"),
    path("applications/", views.application_list, name="applications"),
    path("applications/new/", views.walk_in, name="walk_in"),
    path("applications/<str:number>/", views.application_detail, name="application"),
    path(
        "applications/<str:number>/<slug:action>/",
        views.application_action,
        name="application_action",
    ),
    path("subcases/", views.subcase_list, name="subcases"),
    path("subcases/<int:subcase_id>/", views.subcase_detail, name="subcase"),
    path("subcases/<int:subcase_id>/<slug:action>/", views.subcase_action, name="subcase_action"),
    path("files/<int:material_id>/", views.material_file, name="material_file"),
    path("deadlines/", views.deadline_list, name="deadlines"),
    # second factor (TOTP + recovery codes)
    path("security/", security.security, name="security"),
    path("security/enrol/", security.security_enrol, name="security_enrol"),
    path("security/recovery-codes/", security.security_recovery, name="security_recovery"),
    path("security/remove/", security.security_remove, name="security_remove"),
    path("security/verify/", security.security_verify, name="security_verify"),
    # my signed-in sessions
    path("security/sessions/", security.security_sessions, name="security_sessions"),
    path(
        "security/sessions/<int:session_id>/end/",
        security.security_session_end,
        name="security_session_end",
    ),
    path(
        "security/sessions/end-others/",
        security.security_sessions_end_others,
        name="security_sessions_end_others",
    ),
    # 企业授权核验 at the counter
    path("company-claims/", claims.claim_list, name="company_claims"),
    path("company-claims/new/", claims.claim_new, name="company_claim_new"),
    path(
        "company-claims/<int:agent_id>/<slug:action>/",
        claims.claim_action,
        name="company_claim_action",
    ),
]
