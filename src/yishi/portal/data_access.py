"""谁查看了我的信息: the applicant's list of every staff read of their registry data — when
(Asia/Shanghai), who (department, role, masked name; never a username), which fields, why
and through what. Thin: one query (people.queries); the rows are written where the reads
happen (people/access_log.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yishi.people import queries

LOGIN_URL = "/account/login/"
PAGE_ROWS = 100


def _page(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@login_required(login_url=LOGIN_URL)
def data_access(request: HttpRequest) -> HttpResponse:
    account = queries.account_of(request.user)
    if account is None:
        return render(request, "portal/account/data_access.html", {"account": None}, status=403)
    total = queries.registry_reads(account.person).count()
    pages = max(1, -(-total // PAGE_ROWS))
    page = min(_page(request), pages)
    rows = queries.registry_read_rows(
        account.person, limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS
    )
    context = {
        "account": account,
        "rows": rows,
        "total": total,
        "page": page,
        "pages": pages,
        "previous": page - 1 if page > 1 else None,
        "next": page + 1 if page < pages else None,
    }
    return render(request, "portal/account/data_access.html", context)
