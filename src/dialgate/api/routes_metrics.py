"""`GET /metrics`: Prometheus exposition of the application's own registry (all workers' with several)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

router = APIRouter()


@router.get("/metrics", tags=["operations"], response_class=Response)
def metrics(request: Request) -> Response:
    """Roaming lookups, cache hits, latency, errors by kind, breaker state (and more as areas add them)."""
    app_metrics = request.app.state.container.metrics
    return Response(app_metrics.exposition(), media_type=app_metrics.content_type)
