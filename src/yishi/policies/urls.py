"""Staff pages of policy services (under /workbench/policies/)."""

from django.urls import path

from yishi.policies import views

app_name = "policies"

urlpatterns = [
    path("", views.policy_list, name="list"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/payments.xlsx", views.run_payments, name="run_payments"),
    path(
        "objections/<int:objection_id>/resolve/",
        views.objection_resolve,
        name="objection_resolve",
    ),
    path("applications/<int:pa_id>/", views.staff_application, name="application"),
    path(
        "<slug:code>/applications.xlsx",
        views.application_payments,
        name="application_payments",
    ),
    path("<slug:code>/", views.policy_detail, name="detail"),
]
