"""Account pages, included at "account/". With YISHI_AUTH=oidc the OpenID Connect views of
mozilla-django-oidc are served under "account/oidc/" (callback: /account/oidc/callback/)."""

from django.conf import settings
from django.urls import include, path

from yishi.portal import accounts, data_access

app_name = "account"

urlpatterns = [
    path("", accounts.home, name="home"),
    path("register/", accounts.register, name="register"),
    path("login/", accounts.login_page, name="login"),
    path("logout/", accounts.logout_page, name="logout"),
    path("reset/", accounts.reset, name="reset"),
    path("companies/", accounts.companies, name="companies"),
    path("data-access/", data_access.data_access, name="data_access"),
]

if settings.YISHI_AUTH == "oidc":
    urlpatterns += [path("oidc/", include("mozilla_django_oidc.urls"))]
