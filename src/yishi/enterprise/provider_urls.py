"""Provider-account pages of the value-added service zone (mounted at /providers/)."""

from django.urls import path

from yishi.enterprise import provider_views

app_name = "providers"

urlpatterns = [
    path("", provider_views.inbox, name="inbox"),
    path("requests/<int:request_id>/", provider_views.request_page, name="request"),
]
