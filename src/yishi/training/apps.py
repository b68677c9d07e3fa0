from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "yishi.training"
    label = "training"
    verbose_name = "培训考核与持证上岗"

    def ready(self) -> None:
        # 持证上岗: the hall asks its registered checks before every sign-on (it imports
        # nothing from here: apps depend downward).
        from yishi.hall.services import register_sign_on_check
        from yishi.training.services import sign_on_check

        register_sign_on_check(sign_on_check)
