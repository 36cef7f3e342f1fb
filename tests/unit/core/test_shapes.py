"""Every tolerated response shape and every result code, one test each."""

from __future__ import annotations

from typing import Any

import pytest

from core import errors
from core.backend.nemo import shapes
from core.backend.nemo.models import EventKind


@pytest.mark.parametrize(
    ("status", "payload", "error"),
    [
        (200, {"code": 1001, "msg": "token expired"}, errors.TokenInvalid),
        (401, {"code": "1001", "message": "expired"}, errors.TokenInvalid),
        (200, {"code": 1002}, errors.SessionNotFound),
        (404, {"code": 1002, "msg": "no session"}, errors.SessionNotFound),
        (200, {"code": 2001}, errors.OutOfCredits),
        (200, {"code": 4001}, errors.UnsupportedFile),
        (413, {"code": 4002}, errors.FileTooLarge),
        (400, {"msg": "missing X-Client-Id"}, errors.MissingClientId),
        (402, None, errors.ExportBlocked),
        (403, {"msg": "token lacks scope: render"}, errors.ScopeMissing),
        (429, {"msg": "slow down"}, errors.RateLimited),
        (500, None, errors.BackendUnavailable),
        (503, {"msg": "maintenance"}, errors.BackendUnavailable),
        (200, {"code": 9999, "msg": "odd"}, errors.BackendError),
        (401, None, errors.TokenInvalid),
    ],
)
def test_result_codes_map_to_one_typed_error(
    status: int, payload: Any, error: type[errors.BackendError]
) -> None:
    with pytest.raises(error) as raised:
        shapes.raise_for_result(status, payload, {})
    assert type(raised.value) is error


def test_success_passes() -> None:
    shapes.raise_for_result(200, {"code": 0, "data": {}}, {})
    shapes.raise_for_result(200, {"success": True, "data": {}}, {})


def test_scope_and_retry_after_are_read() -> None:
    with pytest.raises(errors.ScopeMissing) as scope:
        shapes.raise_for_result(403, {"msg": "missing upload scope"}, {})
    assert scope.value.scope == "upload"
    with pytest.raises(errors.RateLimited) as limited:
        shapes.raise_for_result(429, None, {"retry-after": "7"})
    assert limited.value.retry_after_s == 7.0
    with pytest.raises(errors.RateLimited) as default:
        shapes.raise_for_result(429, None, {"retry-after": "soon"})
    assert default.value.retry_after_s == 30.0


def test_render_status_reference_shape() -> None:
    status = shapes.render_status(
        {
            "success": True,
            "data": {
                "id": "render_1",
                "status": "completed",
                "progress": 100,
                "outputUrl": "https://cdn/x.mp4",
            },
        },
        "render_1",
    )
    assert (status.phase, status.progress, status.output_url) == (
        "completed",
        100,
        "https://cdn/x.mp4",
    )


def test_render_status_seed_shape() -> None:
    status = shapes.render_status(
        {"status": "completed", "output": {"url": "https://cdn/y.mp4"}}, "render_2"
    )
    assert (status.render_id, status.phase, status.output_url) == (
        "render_2",
        "completed",
        "https://cdn/y.mp4",
    )


@pytest.mark.parametrize(
    ("word", "phase"),
    [
        ("pending", "pending"),
        ("queued", "pending"),
        ("processing", "processing"),
        ("rendering", "processing"),
        ("done", "completed"),
        ("failed", "failed"),
        ("error", "failed"),
    ],
)
def test_render_status_words(word: str, phase: str) -> None:
    assert shapes.render_status({"data": {"status": word}}, "r").phase == phase


def test_render_refusal_and_unknown_status() -> None:
    with pytest.raises(errors.RenderFailed):
        shapes.render_status({"success": False, "error": "duplicate id"}, "r")
    with pytest.raises(errors.BackendUnavailable):
        shapes.render_status({"data": {"status": "teleporting"}}, "r")


@pytest.mark.parametrize(
    ("data", "kinds", "text"),
    [
        ('{"type":"text","content":"Hello"}', [EventKind.TEXT], "Hello"),
        ('{"type":"tool_call","name":"add_title","args":{}}', [EventKind.TOOL_CALL], ""),
        ('{"type":"tool_result","name":"add_title","result":{}}', [EventKind.TOOL_RESULT], ""),
        ('{"type":"heartbeat"}', [EventKind.HEARTBEAT], ""),
        ("", [EventKind.HEARTBEAT], ""),
        (
            '{"content":{"parts":[{"text":"Hi"},{"functionCall":{"name":"f"}}]}}',
            [EventKind.TEXT, EventKind.TOOL_CALL],
            "Hi",
        ),
        ('{"content":{"parts":[{"functionResponse":{"name":"f"}}]}}', [EventKind.TOOL_RESULT], ""),
        ("plain words from the agent", [EventKind.TEXT], "plain words from the agent"),
        ('{"type":"text","conte', [], ""),  # broken JSON is never shown to a user
        ('{"type":"something_new"}', [], ""),
        ("[1, 2]", [], ""),
    ],
)
def test_sse_data_shapes(data: str, kinds: list[EventKind], text: str) -> None:
    events = shapes.agent_events(data)
    assert [event.kind for event in events] == kinds
    assert "".join(e.text for e in events) == text


def test_expiry_formats() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert shapes.parse_expiry("2026-01-08T00:00:00Z", now).day == 8
    assert shapes.parse_expiry(1767830400000, now).year == 2026
    assert (shapes.parse_expiry(None, now) - now).days == 7
