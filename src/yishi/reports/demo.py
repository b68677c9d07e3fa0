"""办不成事反映与体验走流程: demo data for `make run`."""


def load_reports_demo() -> dict[str, int]:
    return {}
