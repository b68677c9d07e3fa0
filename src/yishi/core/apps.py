from django.apps import AppConfig
from django_tasks_db.apps import TasksAppConfig


class CoreConfig(AppConfig):
    default = True  # apps.py holds two configs: "yishi.core" in INSTALLED_APPS means this one
    name = "yishi.core"
    label = "core"
    verbose_name = "基础平台"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from yishi.core.session_limits import forget_at_sign_out, stamp_at_sign_in

        # Session bookkeeping, not business flow: the sign-in saves the session anyway.
        user_logged_in.connect(stamp_at_sign_in, dispatch_uid="yishi.session_limits")
        user_logged_out.connect(forget_at_sign_out, dispatch_uid="yishi.session_limits.out")
        from django.core.signals import request_finished

        from yishi.core.request_id import forget_request_id

        # Logging context, not business flow: the request's id ends with its response.
        request_finished.connect(forget_request_id, dispatch_uid="yishi.request_id")
        _refuse_decompression_bombs()

        from yishi.core.admin_names import name_library_models

        name_library_models()  # the back-office in Chinese, library models included
        from yishi.core import page_cache

        # A cache's freshness, not business flow: an edit of what public pages show.
        page_cache.connect()


def _refuse_decompression_bombs() -> None:
    """Every image Pillow opens (uploads, recognition, seal images in the licence PDF, QR
    codes) is refused above YISHI_MAX_IMAGE_PIXELS: Pillow raises DecompressionBombError
    above twice its MAX_IMAGE_PIXELS and only warns between once and twice, so the warning
    is made an error too."""
    import warnings

    from django.conf import settings
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = int(settings.YISHI_MAX_IMAGE_PIXELS)
    warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


class TasksDbConfig(TasksAppConfig):
    """django-tasks-db under a Chinese name in the back-office."""

    verbose_name = "后台任务"

    def ready(self) -> None:
        super().ready()
        from django_tasks_db.models import DBTaskResult

        DBTaskResult._meta.verbose_name = "任务执行记录"
        DBTaskResult._meta.verbose_name_plural = "任务执行记录"
