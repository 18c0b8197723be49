"""Read terraform/ (with python-hcl2 v8) and the code's side of the contract it must keep.

Everything here is static: Terraform is parsed, not planned (no providers can be downloaded
here), and the code is read with ``ast``, never imported, so the mutation tests can point the
same readers at an altered copy of the repository.

python-hcl2 v8 keeps quotes and adds block markers unless told otherwise; with the options of
REFERENCE §8.6 blocks come back as lists of dicts and expressions as ``"${...}"`` strings.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

ROOT = Path(__file__).resolve().parents[2]

OPTIONS = SerializationOptions(strip_string_quotes=True, with_comments=False, explicit_blocks=False)

#: A name a process reads from its environment: upper case with at least one underscore.
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
#: ``google_x.name`` in an expression (a reference to a resource or data source).
RESOURCE_REF = re.compile(r"\b(?:data\.)?(google_[a-z0-9_]+)\.([a-z0-9_]+)\b")


@dataclass(frozen=True)
class Paths:
    """Where each side of the contract lives; the mutation tests point this at a copy."""

    root: Path = ROOT

    @property
    def terraform(self) -> Path:
        return self.root / "terraform"

    @property
    def main_py(self) -> Path:
        return self.root / "main.py"

    @property
    def config_py(self) -> Path:
        return self.root / "shared" / "config.py"

    @property
    def readme(self) -> Path:
        return self.root / "README.md"


@lru_cache(maxsize=256)
def parse_hcl(text: str) -> dict[str, Any]:
    parsed: dict[str, Any] = hcl2.loads(text, serialization_options=OPTIONS)
    return parsed


@dataclass
class Terraform:
    """One module's blocks, merged across its ``.tf`` files."""

    directory: Path
    resources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    data: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    settings: list[dict[str, Any]] = field(default_factory=list)  # terraform {} blocks
    texts: dict[str, str] = field(default_factory=dict)

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return self.resources.get(kind, {})

    def resource(self, kind: str, name: str) -> dict[str, Any]:
        try:
            return self.resources[kind][name]
        except KeyError:
            raise AssertionError(f"terraform/ declares no {kind}.{name}") from None

    def all_resources(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for kind, named in self.resources.items():
            for name, body in named.items():
                yield kind, name, body


def load(directory: Path) -> Terraform:
    tf = Terraform(directory)
    for path in sorted(directory.glob("*.tf")):
        text = path.read_text(encoding="utf-8")
        tf.texts[path.name] = text
        parsed = parse_hcl(text)
        for item in parsed.get("resource", []):
            for kind, named in item.items():
                tf.resources.setdefault(kind, {}).update(named)
        for item in parsed.get("data", []):
            for kind, named in item.items():
                tf.data.setdefault(kind, {}).update(named)
        for item in parsed.get("locals", []):
            tf.locals.update(item)
        for item in parsed.get("variable", []):
            tf.variables.update(item)
        for item in parsed.get("output", []):
            tf.outputs.update(item)
        tf.settings.extend(parsed.get("terraform", []))
    return tf


# --- Expressions ---------------------------------------------------------------------------


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("${") and value.endswith("}")


def inner(value: Any) -> str:
    """The expression inside ``${...}`` (or the string itself)."""
    text = str(value)
    return text[2:-1] if is_expression(text) else text


def references(value: Any, kind: str | None = None) -> set[str]:
    """``type.name`` of every resource referenced anywhere in ``value`` (of ``kind`` only)."""
    found: set[str] = set()
    for text in strings(value):
        for ref_kind, name in RESOURCE_REF.findall(text):
            if kind is None or ref_kind == kind:
                found.add(f"{ref_kind}.{name}")
    return found


def referenced_names(value: Any, kind: str) -> set[str]:
    return {ref.split(".", 1)[1] for ref in references(value, kind)}


def strings(value: Any) -> Iterator[str]:
    """Every string (keys included) anywhere in a parsed value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def block(body: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """The single nested block ``name`` (python-hcl2 gives blocks as lists of dicts)."""
    found = blocks(body, name)
    return found[0] if found else None


def blocks(body: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    value = body.get(name)
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    return []


def dynamic_blocks(body: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """``dynamic "name" { for_each = ..., content { ... } }`` blocks, as their bodies."""
    return [item[name] for item in blocks(body, "dynamic") if name in item]


def local_name(value: Any) -> str | None:
    """``x`` for exactly ``${local.x}``."""
    match = re.fullmatch(r"local\.([a-z0-9_]+)", inner(value)) if is_expression(value) else None
    return match.group(1) if match else None


def seconds(value: Any) -> float:
    """``"600s"`` (a Google duration) as a number of seconds."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)s", str(value))
    if not match:
        raise AssertionError(f"{value!r} is not a duration such as 600s")
    return float(match.group(1))


def inline_keys(expression: Any) -> set[str]:
    """Keys of the object literals in an expression such as ``merge(local.env, { A = "1" })``."""
    keys: set[str] = set()
    for literal in re.findall(r"\{([^{}]*)\}", inner(expression)):
        keys.update(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*=", literal))
    return keys


def inline_value(expression: Any, key: str) -> str | None:
    """The literal value of ``key`` in an object literal inside an expression."""
    match = re.search(rf'\b{re.escape(key)}\s*=\s*\\?"([^"\\]*)\\?"', inner(expression))
    return match.group(1) if match else None


# --- The code's side -----------------------------------------------------------------------


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _env_constant(node: ast.AST) -> str | None:
    value = node.value if isinstance(node, ast.Constant) else None
    return value if isinstance(value, str) and ENV_NAME.match(value) else None


def _is_env(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "env"


def settings_env(config_py: Path) -> dict[str, str]:
    """Every environment variable ``Settings.from_env`` reads: name -> ``"secret"`` when it is
    read with ``read_secret`` (so ``NAME_FILE`` works too), else ``"plain"``.

    Read from the source, following the helpers ``from_env`` calls with the environment:
    ``text("X")`` and other functions nested in ``from_env``, ``helper(env, "X", ...)``,
    ``env.get("X")``, ``env["X"]``, and module-level helpers that receive ``env`` and read a
    fixed name themselves (``_firestore_prefix(env)``).
    """
    tree = ast.parse(config_py.read_text(encoding="utf-8"))
    module_functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    settings = next(
        (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings"), None
    )
    if settings is None:
        raise AssertionError(f"{config_py}: no class Settings")
    from_env = next(
        (n for n in settings.body if isinstance(n, ast.FunctionDef) and n.name == "from_env"),
        None,
    )
    if from_env is None:
        raise AssertionError(f"{config_py}: Settings has no from_env")
    nested = {n.name for n in ast.walk(from_env) if isinstance(n, ast.FunctionDef)} - {"from_env"}
    found: dict[str, str] = {}

    def note(name: str | None, kind: str) -> None:
        if name is not None and found.get(name) != "secret":
            found[name] = kind

    def visit(function: ast.FunctionDef, seen: frozenset[str]) -> None:
        for node in ast.walk(function):
            if isinstance(node, ast.Subscript) and _is_env(node.value):
                note(_env_constant(node.slice), "plain")
            if not isinstance(node, ast.Call):
                continue
            callee = _callee(node)
            kind = "secret" if callee == "read_secret" else "plain"
            args = list(node.args)
            if callee in nested and args:
                note(_env_constant(args[0]), kind)
            if isinstance(node.func, ast.Attribute) and _is_env(node.func.value) and args:
                note(_env_constant(args[0]), kind)  # env.get("X", ...)
            for index, arg in enumerate(args[:-1]):
                if _is_env(arg):
                    note(_env_constant(args[index + 1]), kind)  # helper(env, "X", ...)
            passes_env = any(_is_env(a) for a in args)
            if passes_env and callee in module_functions and callee not in seen:
                visit(module_functions[callee], seen | {callee})

    visit(from_env, frozenset())
    return found


def readme_configuration(readme: Path) -> set[str]:
    """Variable names in the README's Configuration table (first column)."""
    text = readme.read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("|"):
            first = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first))
    return names


@dataclass(frozen=True)
class EntryPoint:
    name: str
    module: str
    attribute: str
    #: ``http`` or ``cloudevent`` (from the functions-framework decorator), or ``None``.
    signature: str | None


def entry_points(root: Path) -> dict[str, EntryPoint]:
    """The names ``main.py`` exports (``__all__``, else every top-level binding) and, for each,
    the functions-framework signature its decorator declares."""
    tree = ast.parse((root / "main.py").read_text(encoding="utf-8"))
    bound: dict[str, tuple[str, str]] = {}
    exported: list[str] | None = None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                bound[alias.asname or alias.name] = (node.module, alias.name)
        elif isinstance(node, ast.FunctionDef):
            bound[node.name] = ("main", node.name)
        elif isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if "__all__" in targets and isinstance(node.value, ast.List | ast.Tuple):
                exported = [
                    e.value
                    for e in node.value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                ]
    names = exported if exported is not None else [n for n in bound if not n.startswith("_")]
    found: dict[str, EntryPoint] = {}
    for name in names:
        if name not in bound:
            continue  # __all__ names something main.py does not bind: not an entry point
        module, attribute = bound[name]
        found[name] = EntryPoint(name, module, attribute, _signature(root, module, attribute))
    return found


def _signature(root: Path, module: str, attribute: str) -> str | None:
    path = root / "main.py" if module == "main" else root / (module.replace(".", "/") + ".py")
    if not path.is_file():
        return None
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == attribute:
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = target.attr if isinstance(target, ast.Attribute) else ""
                if name == "http":
                    return "http"
                if name == "cloud_event":
                    return "cloudevent"
    return None


def local_topics(root: Path) -> dict[str, str]:
    """The topic names the local stack creates (``devkit/local.py``'s ``*_TOPIC`` constants):
    ``{"JOBS_TOPIC": "nudge-jobs", ...}``; empty when the file or the constants are absent."""
    path = root / "devkit" / "local.py"
    if not path.is_file():
        return {}
    found: dict[str, str] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target, value = node.targets[0], node.value
        pairs: list[tuple[ast.expr, ast.expr]] = []
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            pairs = list(zip(target.elts, value.elts, strict=False))
        else:
            pairs = [(target, value)]
        for name, constant in pairs:
            if (
                isinstance(name, ast.Name)
                and name.id.endswith("_TOPIC")
                and isinstance(constant, ast.Constant)
                and isinstance(constant.value, str)
            ):
                found[name.id] = constant.value
    return found


def env_mentions(root: Path) -> dict[str, list[str]]:
    """``NUDGE_*`` names in string literals under shared/ and functions/ (config.py aside),
    with where: the code may read its environment only through ``Settings``."""
    found: dict[str, list[str]] = {}
    for top in ("shared", "functions"):
        for path in sorted((root / top).rglob("*.py")):
            if path == root / "shared" / "config.py":
                continue
            text = path.read_text(encoding="utf-8")
            if "NUDGE_" not in text:
                continue
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    for name in re.findall(r"\bNUDGE_[A-Z0-9_]*[A-Z0-9]\b", node.value):
                        where = f"{path.relative_to(root)}:{node.lineno}"
                        found.setdefault(name, []).append(where)
    return found
