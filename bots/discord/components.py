"""The buttons under our replies and the Refine form, with everything a press or an answer needs
carried in its custom id, so whichever process Discord hands it to can act on it: one that never
saw the message, or one started after the form was opened.

Custom ids (Discord keeps them for as long as the message lives, so they never change shape):

- a button: ``cb:<action>:<requester id>``, parsed by `FollowUpButton` (a discord.py
  `DynamicItem`, registered with ``client.add_dynamic_items``);
- the Refine form: ``clipbridge:refine:<requester id>``, its text field
  ``clipbridge:refine:change``; read from the raw submit by `refine_answer`, because discord.py
  only routes a submit to a modal object kept in the process that opened it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Self

import discord

from core.events import Action
from core.texts import text

ACTIONS = "|".join(re.escape(action.value) for action in Action)
BUTTON_ID = rf"cb:(?P<action>{ACTIONS}):(?P<requester>\d+)"
REFINE_ID = "clipbridge:refine"
REFINE_FORM = re.compile(rf"{REFINE_ID}(?::(?P<requester>\d+))?")  # bare: opened before ids grew
REFINE_FIELD = f"{REFINE_ID}:change"
CHANGE_MAX = 1000

Press = Callable[[discord.Interaction, Action, str], Awaitable[None]]


class FollowUpButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=BUTTON_ID):
    """One button (Export, Refine, New): the action and who asked live in its custom id."""

    def __init__(self, action: Action, requester_id: str, label: str = "") -> None:
        custom_id = f"cb:{action.value}:{requester_id}"
        super().__init__(discord.ui.Button(label=label or action.value, custom_id=custom_id))
        self.action = action
        self.requester_id = requester_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(Action(match["action"]), match["requester"], label or "")


def answered_by(press: Press) -> type[FollowUpButton]:
    """The button type a client registers: presses of any of our buttons go to `press`."""

    class PressedButton(FollowUpButton, template=BUTTON_ID):
        async def callback(self, interaction: discord.Interaction[Any]) -> None:
            await press(interaction, self.action, self.requester_id)

    return PressedButton


class RefineForm(discord.ui.Modal, title="Refine"):
    """Asks what should change, in `language`. Only a form: its answer is read by
    `refine_answer`."""

    def __init__(self, requester_id: str, language: str = "en") -> None:
        super().__init__(
            title=text("button.refine", language),
            custom_id=f"{REFINE_ID}:{requester_id}",
            timeout=None,
        )
        change: discord.ui.TextInput[RefineForm] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, max_length=CHANGE_MAX, custom_id=REFINE_FIELD
        )
        self.add_item(discord.ui.Label(text=text("form.refine_label", language), component=change))
        # Stopped before it is sent, discord.py keeps no copy of it waiting for the answer:
        # the answer is taken from its custom id by whichever process receives it.
        self.stop()


@dataclass(frozen=True)
class RefineAnswer:
    """A submitted Refine form: whose project it refines (None on old forms), and the change."""

    requester_id: str | None
    change: str


def refine_answer(data: Mapping[str, Any]) -> RefineAnswer | None:
    """The Refine form's answer in a modal submit's data; None for any other modal."""
    match = REFINE_FORM.fullmatch(str(data.get("custom_id", "")))
    if match is None:
        return None
    components = data.get("components") or []
    # A form opened before its field had a fixed id has one text input, named at random.
    change = next(_values(components, REFINE_FIELD), None) or next(_values(components), "")
    return RefineAnswer(match["requester"], change.strip()[:CHANGE_MAX])


def _values(components: Iterable[Mapping[str, Any]], custom_id: str | None = None) -> Iterator[str]:
    """Values of the text inputs named `custom_id` (any, if None), in action rows or labels."""
    for component in components:
        inner = list(component.get("components") or [])
        if component.get("component"):
            inner.append(component["component"])
        yield from _values(inner, custom_id)
        named = custom_id is None or component.get("custom_id") == custom_id
        if named and isinstance(component.get("value"), str):
            yield component["value"]
