"""好差评: demo data for `make run`."""


def load_ratings_demo() -> dict[str, int]:
    return {}
