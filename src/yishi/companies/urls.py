"""Pages of 企业服务 (mounted at /companies/): the company page of 一企一码 with its QR code,
and the company's e-seal with the documents signed by it."""

from django.urls import path

from yishi.companies import views

app_name = "companies"

urlpatterns = [
    path("<str:uscc>/", views.company_page, name="page"),
    path("<str:uscc>/qr.png", views.company_qr, name="qr"),
    path("<str:uscc>/seal/", views.seal_page, name="seal"),
    path("<str:uscc>/documents/<uuid:ref>/pdf/", views.document_pdf, name="document_pdf"),
]
