"""The demo: two remote windows at the district centre serving the hall's comprehensive and
social-security queues; loading twice changes nothing; without the hall demo, nothing."""

from __future__ import annotations

from yishi.hall.demo import load_hall_demo
from yishi.hall.models import Window
from yishi.remote.demo import load_remote_demo


def test_without_the_hall_demo_nothing_is_made(db):
    assert load_remote_demo() == {"remote_windows": 0}
    assert not Window.objects.exists()


def test_the_demo_opens_two_remote_windows_at_the_district_centre(db):
    load_hall_demo()
    assert load_remote_demo() == {"remote_windows": 2}
    load_remote_demo()
    windows = Window.objects.filter(kind=Window.Kind.REMOTE).order_by("number")
    assert [(w.outlet.code, w.number) for w in windows] == [("lzh-centre", 21), ("lzh-centre", 22)]
    assert sorted(windows[0].queues.values_list("letter", flat=True)) == ["A", "C"]
