"""Public pages of the service hall (under /hall/): kiosk, phone ticket page, calling screen."""

from django.urls import path

from yishi.hall import views

app_name = "hall_public"

urlpatterns = [
    path("", views.outlets, name="outlets"),
    path("ticket/<str:token>/", views.ticket_page, name="ticket"),
    path("ticket/<str:token>/status/", views.ticket_status, name="ticket_status"),
    path("<slug:code>/take/", views.take, name="take"),
    path("<slug:code>/check-in/", views.check_in, name="check_in"),
    path("<slug:code>/book/", views.book, name="book"),
    path("<slug:code>/poster/", views.poster, name="poster"),
    path("<slug:code>/screen/", views.screen, name="screen"),
    path("<slug:code>/screen/calls/", views.screen_calls, name="screen_calls"),
]
