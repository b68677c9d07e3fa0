from django.urls import path

from yishi.licences import views

app_name = "licences"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/<str:number>/", views.verify_number, name="verify_number"),
    path("mine/", views.mine, name="mine"),
    path("mine/<str:number>/pdf/", views.download, name="download"),
]
