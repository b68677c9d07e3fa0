"""A day of real use of yishi, as a locust profile: what bench/soak.py runs at a fixed rate.

    .venv/bin/locust -f bench/locustfile.py --headless --host http://127.0.0.1:8000 -u 75 -r 15

bench/soak.py sets everything up (database, accounts, server) and writes the accounts and
catalog codes this profile needs to the JSON file SOAK_ACCOUNTS names. Each simulated user
makes about SOAK_USER_RPS requests a second (locust's constant_throughput, which never
catches up on a slow answer: a server that cannot keep up shows as a lower rate), so the
offered rate is users × SOAK_USER_RPS. The users, by share of the traffic:

* residents browsing: the home page, theme lists and pages, guides, topics (BrowsingResident);
* residents searching: /matters/?q=… and /api/v1/search?q=… with the Chinese queries of
  bench/search_queries.json (SearchingResident);
* residents signed in and applying through the portal pages: answers → form → materials (a
  small PDF for each material asked for) → review and submit, then the tracking page
  (ApplyingResident); the submitted numbers go to the window clerks of this process;
* window clerks (password + TOTP code, as staff sign in) reading their list and accepting
  the submitted applications through the API (WindowClerk);
* reviewers of each department reading their sub-cases and approving the started ones
  (Reviewer);
* the 掌上办 app: an applicant with a bearer access token reading their applications,
  licences and grants (MobileApp);
* hall screens polling the calls and the lobby screen (HallScreen), and phones that took a
  ticket polling its status (TicketPhone);
* partner systems calling the API with a scoped API key (PartnerSystem).

A 409 from accepting or approving is a race two clerks lose honestly (the other one won): it
is counted as a success; every other answer outside 2xx/3xx is an error.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import uuid
from collections import deque
from pathlib import Path

from locust import FastHttpUser, HttpUser, constant_throughput, events, task

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

USER_RPS = float(os.environ.get("SOAK_USER_RPS", "2"))
ACCOUNTS_FILE = os.environ.get("SOAK_ACCOUNTS", "")
PASSWORD = os.environ.get("SOAK_PASSWORD", "")
QUERIES = [q["q"] for q in json.loads((ROOT / "bench" / "search_queries.json").read_text("utf-8"))]


def _load_accounts() -> dict:
    if not ACCOUNTS_FILE:  # imported to check the profile, without a set-up run
        return {
            "applicants": [],
            "window": [],
            "reviewers": [],
            "api_key": "",
            "matters": [],
            "themes": [],
            "topics": [],
            "outlets": [],
        }
    return json.loads(Path(ACCOUNTS_FILE).read_text("utf-8"))


ACCOUNTS = _load_accounts()
# Every request and every failure of the whole run, sign-ins included: bench/soak.py resets
# locust's statistics once every user has signed in (the latencies are those of the steady
# run), but an error at any time counts. Written to SOAK_TOTALS when locust quits.
TOTALS = {"requests": 0, "failures": 0, "user_errors": 0}


@events.request.add_listener
def _count_request(exception=None, **_) -> None:
    TOTALS["requests"] += 1
    if exception is not None:
        TOTALS["failures"] += 1


@events.user_error.add_listener
def _count_user_error(**_) -> None:  # an exception in a task or a sign-in (on_start)
    TOTALS["user_errors"] += 1


@events.quitting.add_listener
def _write_totals(**_) -> None:
    if path := os.environ.get("SOAK_TOTALS"):
        Path(path).write_text(json.dumps(TOTALS), "utf-8")


# Who signs in as whom: one account per simulated user (a TOTP code is accepted once per
# device, and a session per applicant keeps their drafts their own).
_NEXT = {kind: itertools.count() for kind in ("applicant", "mobile", "window", "reviewer")}
# Numbers submitted by the applying residents, waiting at the window (gevent: one thread).
SUBMITTED: deque[str] = deque(maxlen=5000)
PDF = b""


def _pdf() -> bytes:
    global PDF
    if not PDF:
        from fpdf import FPDF

        doc = FPDF()
        doc.add_page()
        doc.set_font("helvetica", size=12)
        doc.cell(text="soak material")
        PDF = bytes(doc.output())
    return PDF


def _pick(kind: str, pool: list) -> dict:
    return pool[next(_NEXT[kind]) % len(pool)]


def _csrf(cookies) -> str:
    for cookie in cookies:
        if cookie.name == "csrftoken":
            return cookie.value
    return ""


def _ok(response, *, conflict_ok: bool = False) -> None:
    """Within catch_response: 2xx/3xx pass, 409 too where two clerks race for one item."""
    if 200 <= response.status_code < 400 or (conflict_ok and response.status_code == 409):
        response.success()
    else:
        body = (response.text or "")[:200].replace("\n", " ")
        response.failure(f"{response.status_code}: {body}")


class Pacing:
    """Every user makes about USER_RPS requests a second; a task of n requests waits n times
    as long (requests_per_task on the class)."""

    requests_per_task = 1.0

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.wait_time = constant_throughput(USER_RPS / cls.requests_per_task)


class BrowsingResident(Pacing, FastHttpUser):
    weight = 28

    @task(3)
    def guide(self) -> None:
        code = random.choice(ACCOUNTS["matters"])
        self.client.get(f"/matters/{code}/", name="/matters/[code]/")

    @task(3)
    def theme(self) -> None:
        code = random.choice(ACCOUNTS["themes"])
        self.client.get(f"/themes/{code}/", name="/themes/[code]/")

    @task(1)
    def theme_list(self) -> None:
        self.client.get("/themes/")

    @task(1)
    def home(self) -> None:
        self.client.get("/")

    @task(1)
    def topic(self) -> None:
        if ACCOUNTS["topics"]:
            code = random.choice(ACCOUNTS["topics"])
            self.client.get(f"/topics/{code}/", name="/topics/[code]/")

    @task(1)
    def notice(self) -> None:
        code = random.choice(ACCOUNTS["themes"])
        self.client.get(f"/themes/{code}/notice/", name="/themes/[code]/notice/")


class SearchingResident(Pacing, FastHttpUser):
    weight = 18

    @task(3)
    def search_page(self) -> None:
        self.client.get("/matters/", params={"q": random.choice(QUERIES)}, name="/matters/?q=")

    @task(1)
    def search_api(self) -> None:
        self.client.get(
            "/api/v1/search", params={"q": random.choice(QUERIES)}, name="/api/v1/search?q="
        )


class ApplyingResident(Pacing, HttpUser):
    """Signs in with phone and password, then applies for 新生儿出生一件事 through the pages."""

    weight = 10
    requests_per_task = 9.0  # theme page, answers, form, materials ×2, review ×2, tracking

    def on_start(self) -> None:
        from apply_accept import form_data  # noqa: PLC0415 - bench/ on the path above

        self.form_data = form_data
        self.account = _pick("applicant", ACCOUNTS["applicants"])
        self.n = random.randrange(10**6)
        self.client.get("/account/login/")
        response = self.client.post(
            "/account/login/",
            {
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
                "phone": self.account["phone"],
                "password": PASSWORD,
                "action": "password",
            },
            allow_redirects=False,
            name="/account/login/ (post)",
        )
        if response.status_code != 302:
            raise RuntimeError(f"applicant sign-in answered {response.status_code}")

    def _post(self, path: str, name: str, data: dict, files: dict | None = None):
        data = {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""), **data}
        with self.client.post(
            path, data=data, files=files, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                body = re.sub(r"\s+", " ", response.text or "")
                errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]{1,80})<', body)
                response.failure(f"{response.status_code} (no redirect): {errors[:3]}")
                return None
            response.success()
            return response.headers.get("Location", "")

    @task
    def apply(self) -> None:
        self.n += 1
        self.client.get("/themes/newborn/", name="/themes/[code]/")
        where = self._post(
            "/apply/theme/newborn/",
            "/apply/theme/[code]/",
            {"need_card": "yes", "maternity_allowance": "no"},
        )
        match = re.search(r"/draft/(\d+)/", where or "")
        if match is None:
            return
        draft = match.group(1)
        values = {k: str(v) for k, v in self.form_data(self.account, self.n).items()}
        if self._post(f"/apply/draft/{draft}/form/", "/apply/draft/[id]/form/", values) is None:
            return
        page = self.client.get(
            f"/apply/draft/{draft}/materials/", name="/apply/draft/[id]/materials/"
        )
        keys = sorted(set(re.findall(r'type="file"[^>]*name="(material\.[^"]+)"', page.text)))
        keys += sorted(set(re.findall(r'name="(material\.[^"]+)"[^>]*type="file"', page.text)))
        files = {key: (f"{key}.pdf", _pdf(), "application/pdf") for key in set(keys)}
        if (
            self._post(
                f"/apply/draft/{draft}/materials/",
                "/apply/draft/[id]/materials/ (post)",
                {"action": "next"},
                files,
            )
            is None
        ):
            return
        self.client.get(f"/apply/draft/{draft}/review/", name="/apply/draft/[id]/review/")
        where = self._post(
            f"/apply/draft/{draft}/review/",
            "/apply/draft/[id]/review/ (submit)",
            {"idempotency_key": str(uuid.uuid4()), "pledge": "yes"},
        )
        number = re.search(r"/apply/my/([^/]+)/", where or "")
        if number is None:
            return
        SUBMITTED.append(number.group(1))
        self.client.get(where, name="/apply/my/[number]/")


class _Staff(Pacing, FastHttpUser):
    """A clerk signed in with password and TOTP code (bench/apply_accept.py's accounts)."""

    abstract = True
    kind = ""

    def on_start(self) -> None:
        from apply_accept import totp_now  # noqa: PLC0415

        pool = ACCOUNTS["window"] if self.kind == "window" else ACCOUNTS["reviewers"]
        self.account = _pick(self.kind, pool)
        self.client.get("/admin/login/?next=/admin/", name="/admin/login/")
        self._form(
            "/admin/login/?next=/admin/",
            {"username": self.account["username"], "password": PASSWORD},
        )
        self._form(
            "/workbench/security/verify/?next=/workbench/",
            {"token": totp_now(self.account["key"])},
        )

    def _form(self, path: str, fields: dict) -> None:
        data = {"csrfmiddlewaretoken": _csrf(self.client.cookiejar), **fields}
        response = self.client.post(
            path, data=data, allow_redirects=False, name=path.split("?")[0] + " (post)"
        )
        if response.status_code != 302:
            raise RuntimeError(f"staff sign-in at {path} answered {response.status_code}")

    def api_post(self, path: str, name: str, payload: dict | None = None):
        with self.client.post(
            path,
            json=payload or {},
            headers={"X-CSRFToken": _csrf(self.client.cookiejar)},
            name=name,
            catch_response=True,
        ) as response:
            _ok(response, conflict_ok=True)
            return response


class WindowClerk(_Staff):
    weight = 5
    kind = "window"
    requests_per_task = 1.5

    @task
    def work(self) -> None:
        self.client.get("/api/v1/applications?limit=20", name="/api/v1/applications (staff)")
        if SUBMITTED:
            number = SUBMITTED.popleft()
            self.api_post(
                f"/api/v1/applications/{number}/accept", "/api/v1/applications/[n]/accept"
            )


class Reviewer(_Staff):
    weight = 5
    kind = "reviewer"
    requests_per_task = 1.5

    @task
    def work(self) -> None:
        with self.client.get("/api/v1/subcases", name="/api/v1/subcases", catch_response=True) as r:
            _ok(r)
            try:
                started = [s for s in r.json() if s.get("status") == "pending"]
            except ValueError:
                return
        if started:
            subcase = random.choice(started[:10])
            self.api_post(
                f"/api/v1/subcases/{subcase['id']}/approve",
                "/api/v1/subcases/[id]/approve",
                {"result_name": "准予许可决定书"},
            )


class MobileApp(Pacing, FastHttpUser):
    """掌上办: an applicant's app with a bearer access token (refreshed before it expires)."""

    weight = 8

    def on_start(self) -> None:
        self.account = _pick("mobile", ACCOUNTS["applicants"])
        self._sign_in()

    def _sign_in(self) -> None:
        response = self.client.post(
            "/api/v1/auth/token", json={"phone": self.account["phone"], "password": PASSWORD}
        )
        self.headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        self.refresh = response.json()["refresh_token"]
        self.calls = 0

    def _get(self, path: str, name: str | None = None) -> None:
        self.calls += 1
        if self.calls % 400 == 0:  # long before the 15 minutes at this pace
            response = self.client.post(
                "/api/v1/auth/refresh", json={"refresh_token": self.refresh}
            )
            self.headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
            self.refresh = response.json()["refresh_token"]
        self.client.get(path, headers=self.headers, name=name or path)

    @task(3)
    def my_applications(self) -> None:
        self._get("/api/v1/applications?limit=20", "/api/v1/applications (bearer)")

    @task(1)
    def me(self) -> None:
        self._get("/api/v1/me")

    @task(1)
    def licences(self) -> None:
        self._get("/api/v1/licences")

    @task(1)
    def grants(self) -> None:
        self._get("/api/v1/my/grants")


class HallScreen(Pacing, FastHttpUser):
    """A hall TV polling its calls (htmx) and the lobby screen's counts."""

    weight = 10

    @task(4)
    def calls(self) -> None:
        code = random.choice(ACCOUNTS["outlets"])
        self.client.get(f"/hall/{code}/screen/calls/", name="/hall/[code]/screen/calls/")

    @task(1)
    def lobby(self) -> None:
        self.client.get("/stats/screen/")


class TicketPhone(Pacing, FastHttpUser):
    """A phone that took a ticket and keeps its status page open (polling)."""

    weight = 8

    def on_start(self) -> None:
        self.token = ""
        self.polls = 0

    @task
    def poll(self) -> None:
        if not self.token or self.polls >= 60:
            code = random.choice(ACCOUNTS["outlets"])
            response = self.client.post(
                f"/api/v1/hall/outlets/{code}/tickets",
                json={"queue": "A"},
                name="/api/v1/hall/outlets/[code]/tickets",
            )
            self.token = response.json().get("token", "") if response.status_code == 201 else ""
            self.polls = 0
            return
        self.polls += 1
        self.client.get(f"/hall/ticket/{self.token}/status/", name="/hall/ticket/[token]/status/")


class PartnerSystem(Pacing, FastHttpUser):
    """A partner system (a department's own system) with a scoped API key."""

    weight = 8

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {ACCOUNTS['api_key']}"}

    @task(2)
    def subcases(self) -> None:
        self.client.get("/api/v1/subcases", headers=self.headers, name="/api/v1/subcases (key)")

    @task(2)
    def matters(self) -> None:
        self.client.get("/api/v1/matters?limit=20", name="/api/v1/matters")

    @task(1)
    def matter(self) -> None:
        code = random.choice(ACCOUNTS["matters"])
        self.client.get(f"/api/v1/matters/{code}", name="/api/v1/matters/[code]")

    @task(1)
    def applications(self) -> None:
        self.client.get(
            "/api/v1/applications?limit=20", headers=self.headers, name="/api/v1/applications (key)"
        )
