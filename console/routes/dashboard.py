"""The staff dashboard: alerts over time, by mark, platform, region, seller; repeat infringers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from console.charts import bar_chart, line_chart
from console.web import StaffPage, deps_of, render

router = APIRouter(include_in_schema=False)


@router.get("/dashboard")
def dashboard_page(request: Request, session: StaffPage) -> Response:
    stats = deps_of(request).backend.dashboard()
    bars = {
        "by_mark": bar_chart(stats.by_mark),
        "by_platform": bar_chart(stats.by_platform),
        "by_region": bar_chart(stats.by_region),
        "by_seller": bar_chart(stats.by_seller),
        "by_status": bar_chart(stats.by_status),
    }
    return render(
        request,
        "dashboard.html",
        {"stats": stats, "bars": bars, "timeline": line_chart(stats.by_day)},
        session,
    )
