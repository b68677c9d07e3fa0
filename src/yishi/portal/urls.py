from django.urls import path

from yishi.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("matters/", views.search, name="search"),
    path("matters/<str:code>/", views.guide, name="guide"),
    path("matters/<str:code>/notice/", views.notice, name="notice"),
    path("matters/<str:code>/notice.pdf", views.notice_download, name="notice_pdf"),
    path("topics/<slug:code>/", views.topic, name="topic"),
    path("departments/<str:code>/", views.department, name="department"),
    path("themes/", views.theme_list, name="themes"),
    path("themes/<slug:code>/", views.theme_detail, name="theme"),
    path("themes/<slug:code>/notice/", views.theme_notice, name="theme_notice"),
    path("themes/<slug:code>/notice.pdf", views.theme_notice_download, name="theme_notice_pdf"),
]
