"""What the page sends (raw field values, a button's action) -> Chat's event pieces.

Date and time fields are read in the time zone the picker showed (the widget's
``timezoneOffsetDate``, else the simulated person's zone), as Chat does, and sent as
``dateTimeInput``/``dateInput``/``timeInput``; every other field as ``stringInputs``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from devkit.web.events import Format

Json = dict[str, Any]
ACTION_NAME = "actionName"


class FormError(ValueError):
    """A value the page sent that no Chat client could have sent."""


def _zone_for(field: Mapping[str, Any], zone: tzinfo) -> tzinfo:
    offset = field.get("offset")
    if isinstance(offset, int) and not isinstance(offset, bool) and abs(offset) < 24 * 60:
        return timezone(timedelta(minutes=offset))
    return zone


def form_input(field: Mapping[str, Any], zone: tzinfo) -> Json | None:
    """One field as Chat's ``Inputs``; ``None`` when it is empty (Chat leaves it out)."""
    kind = field.get("kind")
    if kind == "text":
        values = field.get("values")
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise FormError("a text or selection field needs a list of strings")
        kept = [v for v in values if v != ""]
        return {"stringInputs": {"value": kept}} if kept else None
    if kind != "datetime":
        raise FormError(f"unknown field kind {kind!r}")
    value = field.get("value")
    if not isinstance(value, str) or not value:
        return None
    picker = field.get("type") or "DATE_AND_TIME"
    try:
        if picker == "TIME_ONLY":
            parsed = time.fromisoformat(value)
            return {"timeInput": {"hours": parsed.hour, "minutes": parsed.minute}}
        if picker == "DATE_ONLY":
            day = date.fromisoformat(value)
            midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return {"dateInput": {"msSinceEpoch": str(int(midnight.timestamp() * 1000))}}
        local = datetime.fromisoformat(value)
    except ValueError:
        raise FormError(f"{value!r} is not a {picker} value") from None
    moment = local.replace(tzinfo=_zone_for(field, zone)) if local.tzinfo is None else local
    return {
        "dateTimeInput": {
            "msSinceEpoch": str(int(moment.timestamp() * 1000)),
            "hasDate": True,
            "hasTime": True,
        }
    }


def form_inputs(fields: Any, zone: tzinfo) -> dict[str, Json]:
    """``{name: {kind, values|value, type, offset}}`` from the page -> ``formInputs``."""
    if fields in (None, {}):
        return {}
    if not isinstance(fields, dict):
        raise FormError("formInputs must be an object")
    out: dict[str, Json] = {}
    for name, field in fields.items():
        if not isinstance(name, str) or not name or not isinstance(field, dict):
            raise FormError("every form field needs a name and an object")
        converted = form_input(field, zone)
        if converted is not None:
            out[name] = converted
    return out


def read_action(action: Any) -> tuple[str, dict[str, str], str]:
    """``(function, parameters, interaction)`` of a card ``Action`` sent back by the page."""
    if not isinstance(action, dict) or not isinstance(action.get("function"), str):
        raise FormError("a button action needs a function")
    parameters: dict[str, str] = {}
    for item in action.get("parameters") or []:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            raise FormError("action parameters are {key, value} pairs")
        value = item.get("value", "")
        parameters[item["key"]] = value if isinstance(value, str) else str(value)
    interaction = action.get("interaction") or ""
    return action["function"], parameters, interaction if isinstance(interaction, str) else ""


def for_format(
    function: str, parameters: dict[str, str], fmt: Format
) -> tuple[str, dict[str, str], str]:
    """The function and parameters as ``fmt`` carries them, and a note when they had to move.

    A button drawn for the other format (a post the app made on its own, say) still
    works: a legacy event names the handler in ``invokedFunction``, an add-on event in
    the ``actionName`` parameter.
    """
    is_url = function.startswith(("http://", "https://"))
    if fmt == "legacy" and is_url and ACTION_NAME in parameters:
        rest = {k: v for k, v in parameters.items() if k != ACTION_NAME}
        note = (
            "the button was drawn for a Workspace add-on (function is the endpoint URL); "
            f"sent as a legacy event for {parameters[ACTION_NAME]!r}"
        )
        return parameters[ACTION_NAME], rest, note
    if fmt == "addon" and not is_url:
        note = (
            "the button was drawn for a legacy Chat app (function is a name); the add-on "
            "event carries it in commonEventObject.invokedFunction"
        )
        return function, parameters, note
    return function, parameters, ""
