from django.urls import path

from yishi.assist import views

app_name = "assist"

urlpatterns = [
    path("", views.home, name="home"),
    path("desk/", views.desk_page, name="desk"),
    path("<int:request_id>/", views.chat, name="request"),
    path("authorisations/<int:authorisation_id>/", views.authorisation, name="authorisation"),
]
