"""The fault board: which call an armed fault hits, and how many times."""

from __future__ import annotations

import pytest

from engine.faults import Fault, FaultBoard


def test_faults_are_consumed_in_order_and_any_matches_every_endpoint() -> None:
    board = FaultBoard()
    board.arm(Fault("credits", "1001", times=2))
    board.arm(Fault("any", "http_503"))

    hits = [board.take(name) for name in ("state", "credits", "credits", "credits", "credits")]

    assert [fault.mode if fault else None for fault in hits] == [
        "http_503",
        "1001",
        "1001",
        None,
        None,
    ]
    assert board.armed() == []


def test_a_chance_fails_about_that_share_of_calls_and_repeats_with_the_seed() -> None:
    def failing(seed: int) -> list[bool]:
        board = FaultBoard(seed=seed)
        board.arm(Fault("any", "http_500", times=10_000, chance=0.05))
        return [board.take("state") is not None for _ in range(4000)]

    first = failing(3)
    assert 120 <= sum(first) <= 280  # 5% of 4000 is 200
    assert failing(3) == first
    assert failing(4) != first


def test_clear() -> None:
    board = FaultBoard()
    board.arm(Fault("sse", "cut_sse", after_events=3))

    board.clear()

    assert board.take("sse") is None


@pytest.mark.parametrize(
    "fields",
    [
        {"endpoint": "nowhere", "mode": "1001"},
        {"endpoint": "sse", "mode": "explode"},
        {"endpoint": "sse", "mode": "stall", "times": 0},
        {"endpoint": "sse", "mode": "stall", "stall_s": -1},
        {"endpoint": "sse", "mode": "stall", "chance": 0},
        {"endpoint": "sse", "mode": "stall", "chance": 1.5},
    ],
)
def test_invalid_faults_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        Fault(**fields)  # type: ignore[arg-type]
