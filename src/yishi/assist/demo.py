"""帮办代办: demo data for `make run`."""


def load_assist_demo() -> dict[str, int]:
    return {}
