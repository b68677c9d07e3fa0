from django.urls import path

from yishi.credit import views

app_name = "credit"

urlpatterns = [
    path("", views.commitment_list, name="commitments"),
    path("commitments/<int:commitment_id>/", views.commitment_detail, name="commitment"),
    path(
        "commitments/<int:commitment_id>/items/<int:item_id>/fulfil/",
        views.item_fulfil,
        name="item_fulfil",
    ),
    path("applications/<str:number>/accept/", views.accept_form, name="accept"),
    path("repairs/", views.repair_list, name="repairs"),
    path("repairs/<int:repair_id>/decide/", views.repair_decide, name="repair_decide"),
]
