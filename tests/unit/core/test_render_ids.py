"""Render ids: a backend may serve a finished file under its render id, so no one may guess it."""

from __future__ import annotations

from core.exports.steps import new_render_id


def test_a_render_id_carries_128_random_bits() -> None:
    ids = {new_render_id() for _ in range(1000)}
    assert len(ids) == 1000
    for render_id in ids:
        random_part = render_id.rsplit("_", 1)[1]
        assert len(random_part) >= 32 and int(random_part, 16) >= 0
