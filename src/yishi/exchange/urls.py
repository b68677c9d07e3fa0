from django.urls import path

from yishi.exchange import views

app_name = "exchange_staff"

urlpatterns = [
    path("", views.crossing_list, name="list"),
    path("counter/", views.crossing_counter, name="counter"),
    path("shelf/", views.shelf_list, name="shelf"),
    path("shelf/<int:pk>/<slug:action>/", views.shelf_action, name="shelf_action"),
    path("<uuid:ref>/", views.crossing_detail, name="detail"),
    path("<uuid:ref>/<slug:action>/", views.crossing_action, name="action"),
]
