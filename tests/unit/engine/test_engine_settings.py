"""The engine settings this hardening added or tightened."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from engine.settings import EngineSettings


def _settings(**values: Any) -> EngineSettings:
    return EngineSettings(_env_file=None, **values)  # type: ignore[call-arg]


def test_url_upload_is_off_unless_turned_on() -> None:
    assert _settings().url_upload is False
    assert _settings(url_upload="on").url_upload is True
    assert _settings(url_upload="off").url_upload is False


@pytest.mark.parametrize(
    ("given", "kept"),
    [("", ""), ("http://engine:8700/", "http://engine:8700"), ("https://a.example/x", None)],
)
def test_the_public_url_is_a_root_http_url(given: str, kept: str | None) -> None:
    assert _settings(public_url=given).public_url == (given if kept is None else kept)


@pytest.mark.parametrize("given", ["engine:8700", "ftp://engine", "http://", "http://e/?a=1"])
def test_anything_else_as_public_url_is_refused(given: str) -> None:
    with pytest.raises(ValidationError):
        _settings(public_url=given)


def test_the_longest_video_cannot_be_switched_off() -> None:
    with pytest.raises(ValidationError):
        _settings(max_duration_s=0)
