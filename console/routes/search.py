"""Staff search: the search box, facets, results with highlights and thumbnails, CSV export."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from console.backend import STATUSES
from console.params import FACETS, encode_cursor, parse_search, query_string, toggle
from console.web import StaffPage, deps_of, render

router = APIRouter(include_in_schema=False)
KEEP = ("q", "from", "to", "sort", *FACETS)


@router.get("/search")
def search_page(request: Request, session: StaffPage) -> Response:
    deps = deps_of(request)
    params = parse_search(request.query_params, deps.config.page_size)
    result = deps.backend.search(params)
    query = request.query_params
    facet_links = {
        name: [
            (value, count, value in query.getlist(name), toggle(query, name, value))
            for value, count in result.facets.get(name, ())[:15]
        ]
        for name in FACETS
    }
    assignees = deps.backend.assignees(i for row in result.rows for i in row.alert_ids)
    return render(
        request,
        "search.html",
        {
            "params": params,
            "result": result,
            "facet_links": facet_links,
            "next_query": (
                query_string(query, KEEP, after=encode_cursor(result.next_after))
                if result.next_after
                else ""
            ),
            "export_query": query_string(query, KEEP),
            "statuses": STATUSES,
            "assignees": assignees,
            "facets": FACETS,
            "date_from": query.get("from", ""),
            "date_to": query.get("to", ""),
            "bulk_done": query.get("done", "") if query.get("bulk") else "",
            "bulk_failed": query.get("failed", "") if query.get("bulk") else "",
        },
        session,
    )


@router.get("/search/export.csv")
def export_csv(request: Request, session: StaffPage) -> Response:
    deps = deps_of(request)
    params = parse_search(request.query_params)
    return StreamingResponse(
        deps.backend.export_csv(params),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="markwatch-search.csv"'},
    )
