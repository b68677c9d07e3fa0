from django.urls import path

from yishi.ratings import views

app_name = "ratings_staff"

urlpatterns = [
    path("", views.followup_list, name="followups"),
    path("followups/<int:followup_id>/", views.followup_detail, name="followup"),
]
