from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from yishi.api import api, api_not_found
from yishi.core import probes
from yishi.core.csp_report import csp_report
from yishi.core.media import public_media
from yishi.core.staff_login import StaffLoginForm
from yishi.core.storage import PUBLIC_PREFIXES
from yishi.portal import pwa

admin.site.site_header = "一事 · 梁子湖区政务服务管理后台"
admin.site.site_title = "一事管理后台"
admin.site.index_title = "后台管理"
# Says in Chinese why a staff sign-in was refused (yishi/core/staff_login.py).
admin.site.login_form = StaffLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    # Load balancers and Prometheus (yishi.core.probes, answered by its middleware).
    path("healthz", probes.healthz, name="healthz"),
    path("readyz", probes.readyz, name="readyz"),
    path("metrics", probes.metrics_page, name="metrics"),
    # Browsers post Content-Security-Policy violations here (settings.CONTENT_SECURITY_POLICY).
    path("csp-report/", csp_report, name="csp_report"),
    path("api/", api.urls),
    re_path(r"^api/", api_not_found),
    path("workbench/credit/", include("yishi.credit.urls")),
    path("workbench/supervision/", include("yishi.supervision.urls")),
    path("workbench/hall/", include("yishi.hall.urls")),
    path("workbench/policies/", include("yishi.policies.urls")),
    path("workbench/ratings/", include("yishi.ratings.staff_urls")),
    path("workbench/assist/", include("yishi.assist.staff_urls")),
    path("workbench/remote/", include("yishi.remote.staff_urls")),
    path("workbench/reports/", include("yishi.reports.staff_urls")),
    path("workbench/exchange/", include("yishi.exchange.urls")),
    path("workbench/stats/", include("yishi.stats.urls")),
    path("workbench/governance/", include("yishi.governance.urls")),
    path("workbench/training/", include("yishi.training.urls")),
    path("workbench/", include("yishi.workbench.urls")),
    path("account/credit/", include("yishi.credit.portal_urls")),
    path("account/policies/", include("yishi.policies.portal_urls")),
    path("account/", include("yishi.portal.account_urls")),
    path("apply/exchange/", include("yishi.exchange.portal_urls")),  # 跨域通办 全程网办
    path("apply/", include("yishi.portal.apply_urls")),
    path("licences/", include("yishi.licences.urls")),
    path("companies/", include("yishi.companies.urls")),  # 一企一码, 企业电子印章
    path("enterprise/", include("yishi.enterprise.urls")),  # 一类事, 增值服务专区
    path("providers/", include("yishi.enterprise.provider_urls")),  # 服务商账号
    path("hall/", include("yishi.hall.public_urls")),
    path("map/", include("yishi.hall.map_urls")),  # 政务服务数字地图
    path("ratings/", include("yishi.ratings.urls")),  # 好差评
    path("assist/", include("yishi.assist.urls")),  # 帮办代办
    path("remote/", include("yishi.remote.urls")),  # 远程虚拟窗口
    path("reports/", include("yishi.reports.urls")),  # 办不成事反映
    # The hall TV's lobby screen (大屏): today's district-wide counts, nothing personal.
    path("stats/", include("yishi.stats.public_urls")),
    path("open-data/", include("yishi.governance.public_urls")),  # 开放数据
    # 掌上办: the installable web app (yishi/portal/pwa.py); the worker must sit at the root.
    path("manifest.webmanifest", pwa.manifest, name="pwa_manifest"),
    path("sw.js", pwa.service_worker, name="pwa_service_worker"),
    path("offline/", pwa.offline, name="offline"),
    path("mobile/", pwa.mobile, name="mobile"),
    path("", include("yishi.portal.urls")),
]

# Public stored files (the admin's blank forms and samples of a matter, a hall's photos), read
# from the storage (local or S3), with DEBUG off as well. Never the rest: material uploads
# (uploads/) are personal data and reach their owners only through the file routes that ask
# the access policy.
_PUBLIC_MEDIA = "|".join(p.rstrip("/") for p in PUBLIC_PREFIXES)
urlpatterns += [
    re_path(
        rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>(?:{_PUBLIC_MEDIA})/.+)$",
        public_media,
        name="public_media",
    )
]

# A crash: problem+json under /api/, the Chinese 500 page elsewhere. 400, 403 (CSRF failures
# too: 403_csrf.html) and 404 are Django's own handlers with our templates.
handler500 = "yishi.core.error_pages.server_error"
