from django.apps import AppConfig


class RemoteConfig(AppConfig):
    name = "yishi.remote"
    label = "remote"
    verbose_name = "远程虚拟窗口"

    def ready(self) -> None:
        # The timeline names the events this app records on a case (cases.timeline reads
        # ACTION_LABELS; cases imports nothing from here).
        from yishi.cases.transitions import ACTION_LABELS

        ACTION_LABELS.setdefault("remote_identity", "远程身份核验")
        ACTION_LABELS.setdefault("remote_accept", "远程受理")
