"""Applicant pages of policy services (under /account/policies/): company space, benefits."""

from django.urls import path

from yishi.policies import views

app_name = "policies_portal"

urlpatterns = [
    path("", views.my_policies, name="home"),
    path("company/", views.company_space, name="company"),
    path("p/<slug:code>/", views.policy_page, name="policy"),
    path("applications/<int:pa_id>/", views.application_page, name="application"),
    path("grants/<int:grant_id>/<str:action>/", views.grant_action, name="grant_action"),
]
