"""``POST /api/feedback``: 有帮助 / 没帮助 for an answer."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from app.deps import LogDep, RateLimit
from app.schemas import FeedbackIn

router = APIRouter(prefix="/api", tags=["feedback"])


@router.post(
    "/feedback",
    status_code=204,
    dependencies=[RateLimit],
    responses={404: {"description": "No such conversation"}},
)
def add_feedback(body: FeedbackIn, conversations: LogDep) -> Response:
    """Record 有帮助 / 没帮助 for an answer, so staff can see which answers failed (`policyqa report`)."""
    if not conversations.set_feedback(body.feedback_token, body.helpful):
        raise HTTPException(404, "找不到这条回答，可能已过期。")
    return Response(status_code=204)
