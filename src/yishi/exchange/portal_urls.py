"""全程网办 for a partner's matter, included at "apply/exchange/"."""

from django.urls import path

from yishi.exchange import portal_views

app_name = "exchange_apply"

urlpatterns = [
    path("<int:agreed_id>/", portal_views.online_apply, name="online"),
    path("joint/<slug:code>/", portal_views.joint_apply, name="joint"),
]
