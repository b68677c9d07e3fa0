"""Online application and tracking pages, included at "apply/"."""

from django.urls import path

from yishi.portal import apply

app_name = "apply"

urlpatterns = [
    path("theme/<slug:code>/", apply.start_theme, name="theme"),
    path("matter/<str:code>/", apply.start_matter, name="matter"),
    path("draft/<int:draft_id>/answers/", apply.answers, name="answers"),
    path("draft/<int:draft_id>/form/", apply.form, name="form"),
    path("draft/<int:draft_id>/recognise/", apply.recognise, name="recognise"),
    path("draft/<int:draft_id>/materials/", apply.materials, name="materials"),
    path("draft/<int:draft_id>/review/", apply.review, name="review"),
    path("my/", apply.my_list, name="my"),
    path("my/<str:number>/", apply.detail, name="detail"),
]
