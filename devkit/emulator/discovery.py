"""Routing and validation driven by the bundled discovery documents.

``chat.v1.json`` (the Chat API) and ``workspaceevents.v1.json`` (Workspace
Events subscriptions) ship with google-api-python-client
(``googleapiclient/discovery_cache/documents/``) and are located through
``importlib.resources``, so they are the exact schemas the client uses.
This module turns it into routes (``path`` templates with the path
parameters' ``pattern``), checks query parameters (known names, enum values,
booleans, integers) and checks JSON bodies recursively against the schemas
the way Google's proto-JSON front end does: camelCase or snake_case keys,
unknown names rejected, JSON types and enum values checked (enums by name or
proto number, see ``enums``). Output-only (``readOnly``) fields are accepted
and dropped. Error texts follow Google's.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from devkit.emulator import enums
from devkit.emulator.errors import invalid

Json = dict[str, Any]
SCOPE_PREFIX = "https://www.googleapis.com/auth/"
_MAX_SHOWN = 80


@functools.lru_cache(maxsize=4096)
def snake(name: str) -> str:
    """``cardsV2`` -> ``cards_v2``; dotted names convert per segment.

    Cached: it is called with the document's own field and parameter names.
    """
    return ".".join(re.sub(r"(?<!^)(?=[A-Z])", "_", part).lower() for part in name.split("."))


def full_scope(scope: str) -> str:
    """``chat.bot`` -> ``https://www.googleapis.com/auth/chat.bot`` (full URLs unchanged)."""
    return scope if "://" in scope else SCOPE_PREFIX + scope


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "..."


def _enum(values: list[str], raw: Any, path: str) -> str:
    """An enum value given by name or proto number, as its name; ``ValueError`` otherwise."""
    try:
        return enums.parse(values, raw)
    except enums.EnumError as exc:
        hint = f": {exc.hint}" if exc.hint else ""
        raise ValueError(f"Invalid value at '{path}' (TYPE_ENUM), {_shown(raw)}{hint}") from None


@dataclass(frozen=True)
class Method:
    """One REST method of the discovery document."""

    id: str
    http_method: str
    path: str
    regex: re.Pattern[str]
    parameters: Mapping[str, Mapping[str, Any]]
    request_ref: str | None
    scopes: frozenset[str]
    response_ref: str | None = None

    @property
    def body_name(self) -> str:
        """The request field that carries the body (``message``), as in error paths."""
        return snake(self.request_ref) if self.request_ref else ""


def _route_regex(path: str, parameters: Mapping[str, Mapping[str, Any]]) -> re.Pattern[str]:
    out = ["/"]
    pos = 0
    for match in re.finditer(r"\{(\+?)([^}]+)\}", path):
        out.append(re.escape(path[pos : match.start()]))
        name = match.group(2)
        pattern = str(parameters.get(name, {}).get("pattern", "^[^/]+$"))
        body = pattern.removeprefix("^").removesuffix("$")
        out.append(f"(?P<{re.sub(r'[^A-Za-z0-9_]', '_', name)}>{body})")
        pos = match.end()
    out.append(re.escape(path[pos:]))
    return re.compile("".join(out))


class Discovery:
    """One API's discovery document: routes, parameters and schemas.

    ``proto_package`` names the messages in error texts, as Google's front end
    does (``type.googleapis.com/google.chat.v1.Message``).
    """

    def __init__(
        self, document: Mapping[str, Any], *, proto_package: str = "google.chat.v1"
    ) -> None:
        self.document = document
        self.proto_package = proto_package
        self.revision = str(document.get("revision", ""))
        self.schemas: Mapping[str, Mapping[str, Any]] = document["schemas"]
        self.global_parameters: Mapping[str, Mapping[str, Any]] = document.get("parameters", {})
        self.methods: dict[str, Method] = {}
        for method_id, desc in self._walk(document, document.get("name", "chat")):
            params = desc.get("parameters", {})
            self.methods[method_id] = Method(
                id=method_id,
                http_method=desc["httpMethod"],
                path=desc["path"],
                regex=_route_regex(desc["path"], params),
                parameters=params,
                request_ref=(desc.get("request") or {}).get("$ref"),
                scopes=frozenset(desc.get("scopes", ())),
                response_ref=(desc.get("response") or {}).get("$ref"),
            )
        # Precomputed once, not per request: query parameters with their snake_case
        # aliases per method, and the accepted key -> field name map per schema.
        self._query = {m.id: self._query_aliases(m) for m in self.methods.values()}
        self._fields = {ref: self._field_names(schema) for ref, schema in self.schemas.items()}

    @classmethod
    def _walk(cls, node: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Json]]:
        for name, desc in node.get("methods", {}).items():
            yield f"{prefix}.{name}", desc
        for name, sub in node.get("resources", {}).items():
            yield from cls._walk(sub, f"{prefix}.{name}")

    # --- routing -----------------------------------------------------------------

    def match(self, http_method: str, path: str) -> tuple[Method, dict[str, str]] | None:
        """The method serving ``http_method path`` and its path parameters, if any."""
        for method in self.methods.values():
            if method.http_method != http_method:
                continue
            found = method.regex.fullmatch(path)
            if found:
                return method, {k: v for k, v in found.groupdict().items() if v is not None}
        return None

    # --- query parameters --------------------------------------------------------

    def query_parameters(self, method: Method) -> dict[str, Mapping[str, Any]]:
        params = {k: v for k, v in method.parameters.items() if v.get("location") == "query"}
        return {**self.global_parameters, **params}

    def _query_aliases(self, method: Method) -> tuple[dict[str, Mapping[str, Any]], dict[str, str]]:
        allowed = self.query_parameters(method)
        alias: dict[str, str] = {}
        for name in allowed:
            alias[name] = name
            alias.setdefault(snake(name), name)
        return allowed, alias

    @staticmethod
    def _field_names(schema: Mapping[str, Any]) -> dict[str, str]:
        """Accepted JSON keys (camelCase, or snake_case unless taken) -> field name."""
        properties: Mapping[str, Any] = schema.get("properties", {})
        names = {name: name for name in properties}
        for name in properties:
            names.setdefault(snake(name), name)
        return names

    def parse_query(
        self,
        method: Method,
        pairs: Iterable[tuple[str, str]],
        *,
        extra: Iterable[str] = (),
    ) -> Json:
        """Typed query parameters keyed by their discovery name; raises 400 on any error."""
        known = self._query.get(method.id)
        allowed, alias = known if known is not None else self._query_aliases(method)
        extras = set(extra)
        values: Json = {}
        errors: list[str] = []
        for raw_name, raw in pairs:
            if raw_name in extras:
                values[raw_name] = raw
                continue
            canonical = alias.get(raw_name)
            if canonical is None:
                errors.append(
                    f'Invalid JSON payload received. Unknown name "{raw_name}": Cannot bind '
                    f"query parameter. Field '{raw_name}' could not be found in request message."
                )
                continue
            spec = allowed[canonical]
            try:
                value = self._convert_param(canonical, spec, raw)
            except ValueError as exc:
                errors.append(str(exc))
                continue
            if spec.get("repeated"):
                values.setdefault(canonical, []).append(value)
            else:
                values[canonical] = value
        if errors:
            raise invalid("\n".join(errors))
        return values

    @staticmethod
    def _convert_param(name: str, spec: Mapping[str, Any], raw: str) -> Any:
        kind = spec.get("type", "string")
        field = snake(name)
        if kind == "boolean":
            lowered = raw.lower()
            if lowered in ("true", "false"):
                return lowered == "true"
            raise ValueError(f"Invalid value at '{field}' (TYPE_BOOL), {_shown(raw)}")
        if kind == "integer":
            try:
                return int(raw)
            except ValueError:
                label = "TYPE_INT64" if spec.get("format") == "int64" else "TYPE_INT32"
                raise ValueError(f"Invalid value at '{field}' ({label}), {_shown(raw)}") from None
        if "enum" in spec:
            return _enum(spec["enum"], raw, field)
        return raw

    # --- request bodies ----------------------------------------------------------

    def validate_body(self, method: Method, body: Any) -> Json:
        """The body normalised to camelCase; raises 400 with Google's messages."""
        if method.request_ref is None:
            return {}
        errors: list[str] = []
        result = self._object(method.request_ref, body, method.body_name, errors)
        if errors:
            raise invalid("\n".join(errors))
        return result if isinstance(result, dict) else {}

    def validate_schema(self, ref: str, value: Any, path: str) -> Json:
        """Validate ``value`` against schema ``ref`` (for bodies not tied to a method)."""
        errors: list[str] = []
        result = self._object(ref, value, path, errors)
        if errors:
            raise invalid("\n".join(errors))
        return result if isinstance(result, dict) else {}

    def _object(self, ref: str, value: Any, path: str, errors: list[str]) -> Json | None:
        if not isinstance(value, dict):
            errors.append(
                f"Invalid value at '{path}' (type.googleapis.com/{self.proto_package}.{ref}), "
                f"{_shown(value)}"
            )
            return None
        schema = self.schemas[ref]
        properties: Mapping[str, Mapping[str, Any]] = schema.get("properties", {})
        names = self._fields[ref]
        out: Json = {}
        where = f" at '{path}'" if path else ""
        for key, item in value.items():
            field = names.get(key)
            if field is None:
                errors.append(
                    f'Invalid JSON payload received. Unknown name "{key}"{where}: '
                    "Cannot find field."
                )
                continue
            if item is None:
                continue  # proto JSON: null means "default"
            spec = properties[field]
            child = f"{path}.{snake(field)}" if path else snake(field)
            if isinstance(item, list) and spec.get("type") != "array":
                errors.append(
                    f'Invalid JSON payload received. Unknown name "{key}"{where}: '
                    "Proto field is not repeating, cannot start list."
                )
                continue
            converted = self._value(spec, item, child, errors)
            if not spec.get("readOnly"):
                out[field] = converted
        return out

    def _value(self, spec: Mapping[str, Any], value: Any, path: str, errors: list[str]) -> Any:
        if "$ref" in spec:
            return self._object(spec["$ref"], value, path, errors)
        kind = spec.get("type", "any")
        if kind == "array":
            if not isinstance(value, list):
                label = (spec.get("items") or {}).get("$ref") or "repeated"
                errors.append(f"Invalid value at '{path}' ({label}), {_shown(value)}")
                return None
            items = spec.get("items") or {}
            return [self._value(items, v, f"{path}[{i}]", errors) for i, v in enumerate(value)]
        if kind == "object":
            if not isinstance(value, dict):
                errors.append(f"Invalid value at '{path}' (TYPE_MESSAGE), {_shown(value)}")
                return None
            extra = spec.get("additionalProperties")
            if isinstance(extra, dict):
                return {k: self._value(extra, v, f"{path}[{k}]", errors) for k, v in value.items()}
            return value
        return self._scalar(kind, spec, value, path, errors)

    @staticmethod
    def _scalar(
        kind: str, spec: Mapping[str, Any], value: Any, path: str, errors: list[str]
    ) -> Any:
        fmt = spec.get("format")
        if kind == "string":
            enum = spec.get("enum")
            if enum is not None:
                try:
                    return _enum(enum, value, path)
                except ValueError as exc:
                    errors.append(str(exc))
                    return None
            if (
                fmt in ("int64", "uint64")
                and isinstance(value, int)
                and not isinstance(value, bool)
            ):
                return str(value)
            if isinstance(value, str):
                return value
            label = "TYPE_INT64" if fmt in ("int64", "uint64") else "TYPE_STRING"
            errors.append(f"Invalid value at '{path}' ({label}), {_shown(value)}")
            return None
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            errors.append(f"Invalid value at '{path}' (TYPE_BOOL), {_shown(value)}")
            return None
        if kind == "integer":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
                return int(value)
            errors.append(f"Invalid value at '{path}' (TYPE_INT32), {_shown(value)}")
            return None
        if kind == "number":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return value
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    pass
            label = "TYPE_FLOAT" if fmt == "float" else "TYPE_DOUBLE"
            errors.append(f"Invalid value at '{path}' ({label}), {_shown(value)}")
            return None
        return value  # "any"


#: The bundled documents the emulator serves, and their proto packages (for error texts).
CHAT_DOCUMENT = "chat.v1.json"
WORKSPACE_EVENTS_DOCUMENT = "workspaceevents.v1.json"
_PROTO_PACKAGES = {
    CHAT_DOCUMENT: "google.chat.v1",
    WORKSPACE_EVENTS_DOCUMENT: "google.apps.events.subscriptions.v1",
}


def discovery_text(document: str = CHAT_DOCUMENT) -> str:
    """A bundled discovery document (``chat.v1.json`` by default), from the installed package."""
    package = importlib.resources.files("googleapiclient.discovery_cache")
    return package.joinpath("documents").joinpath(document).read_text(encoding="utf-8")


@functools.cache
def load_document(document: str) -> Discovery:
    """A parsed bundled discovery document (loaded once per process)."""
    return Discovery(
        json.loads(discovery_text(document)),
        proto_package=_PROTO_PACKAGES.get(document, "google.chat.v1"),
    )


def load() -> Discovery:
    """The Chat API's discovery document."""
    return load_document(CHAT_DOCUMENT)


def load_workspace_events() -> Discovery:
    """The Workspace Events API's discovery document."""
    return load_document(WORKSPACE_EVENTS_DOCUMENT)
