from django.urls import path

from yishi.ratings import views

app_name = "ratings"

urlpatterns = [
    path("stats/", views.stats_page, name="stats"),
    path("application/<str:number>/<str:stage>/", views.application_rate, name="application"),
    path("s/<str:token>/", views.signed_rate, name="signed"),
    path("ticket/<uuid:token>/", views.ticket_rate, name="ticket"),
    path("tablet/<uuid:token>/", views.tablet_rate, name="tablet"),
    path("portal/", views.portal_rate, name="portal"),
]
