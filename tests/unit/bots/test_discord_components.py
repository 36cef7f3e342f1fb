"""Reading the Refine form's answer from a raw modal submit, as any process receives it."""

from __future__ import annotations

from typing import Any

from bots.discord.components import RefineAnswer, refine_answer


def submit(custom_id: str, field_id: str, value: str) -> dict[str, Any]:
    row = {"type": 1, "components": [{"type": 4, "custom_id": field_id, "value": value}]}
    return {"custom_id": custom_id, "components": [row]}


def test_the_form_names_whose_project_it_refines_and_carries_the_change() -> None:
    data = submit("clipbridge:refine:42", "clipbridge:refine:change", " make it square ")
    assert refine_answer(data) == RefineAnswer("42", "make it square")


def test_a_form_in_a_label_is_read_too() -> None:
    field = {"type": 4, "custom_id": "clipbridge:refine:change", "value": "add music"}
    data = {"custom_id": "clipbridge:refine:7", "components": [{"type": 18, "component": field}]}
    assert refine_answer(data) == RefineAnswer("7", "add music")


def test_a_form_opened_before_the_ids_were_fixed_still_counts() -> None:
    data = submit("clipbridge:refine", "3f9a0c1d2e4b5a6978877665544332211", "shorter")
    assert refine_answer(data) == RefineAnswer(None, "shorter")


def test_other_modals_are_not_ours() -> None:
    assert refine_answer(submit("someone-else:form", "clipbridge:refine:change", "x")) is None
    assert refine_answer(submit("clipbridge:refine:abc", "clipbridge:refine:change", "x")) is None
