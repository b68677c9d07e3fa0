"""The soak bench's locust profile (bench/locustfile.py) loads and names every kind of user.

Run in a subprocess: importing locust patches the standard library for gevent, which must not
happen inside the test run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_soak_profile_loads_with_every_kind_of_user():
    listed = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr[-2000:]
    users = {line.strip() for line in listed.stdout.splitlines() if line.startswith("    ")}
    assert users == {
        "BrowsingResident",
        "SearchingResident",
        "ApplyingResident",
        "WindowClerk",
        "Reviewer",
        "MobileApp",
        "HallScreen",
        "TicketPhone",
        "PartnerSystem",
    }
