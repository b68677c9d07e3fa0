from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from yishi.api import api, api_not_found

admin.site.site_header = "一事 · 梁子湖区政务服务管理后台"
admin.site.site_title = "一事管理后台"
admin.site.index_title = "后台管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    re_path(r"^api/", api_not_found),
    path("workbench/credit/", include("yishi.credit.urls")),
    path("workbench/supervision/", include("yishi.supervision.urls")),
    path("workbench/hall/", include("yishi.hall.urls")),
    path("workbench/policies/", include("yishi.policies.urls")),
    path("workbench/", include("yishi.workbench.urls")),
    path("account/credit/", include("yishi.credit.portal_urls")),
    path("account/policies/", include("yishi.policies.portal_urls")),
    path("account/", include("yishi.portal.account_urls")),
    path("apply/", include("yishi.portal.apply_urls")),
    path("licences/", include("yishi.licences.urls")),
    path("hall/", include("yishi.hall.public_urls")),
    path("", include("yishi.portal.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
