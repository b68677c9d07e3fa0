from django.urls import path

from yishi.credit import views

app_name = "credit_portal"

urlpatterns = [
    path("", views.my_credit, name="home"),
]
