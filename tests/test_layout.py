"""The package's shape: imports flow one way, public torch APIs only, short signatures."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "jazzsolo"
MAX_PARAMETERS = 7
# Public functions allowed more parameters for now, each with the reason.
WIDE_SIGNATURES: set[str] = {
    # None today: the trainers' run-time options (progress, curves, resume, dist ...) travel in
    # one ``training_state.RunOptions``; list a new exemption here only with its reason.
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path) -> set[str]:
    """jazzsolo modules ``name`` imports, at the top or inside functions; not counted: imports
    for type checking only and the module ``__getattr__`` that keeps an old name working."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    for node in tree.body:
        lazy_alias = isinstance(node, ast.FunctionDef) and node.name == "__getattr__"
        typing_only = isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        if lazy_alias or typing_only:
            skipped.update(id(n) for n in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base in MODULES:
                found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES)
    found.discard(name)
    return found


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk of ``graph`` meets, as the path round it."""
    state: dict[str, int] = {}  # 1 visiting, 2 done
    cycles: list[list[str]] = []

    def walk(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt, stack + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [name])
    return cycles


def test_no_import_cycles_among_jazzsolo_modules():
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    assert "jazzsolo.io" in graph["jazzsolo.extract"], "the walker must see real imports"
    assert "jazzsolo.models.classic" in graph["jazzsolo.checkpoint"]
    assert "jazzsolo.band.bass" in graph["jazzsolo.request"], "and those inside functions"
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert find_cycles(graph) == []


def test_no_private_torch_api():
    offenders = [
        f"{path.relative_to(PACKAGE)}:{node.lineno} torch.{node.attr}"
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr.startswith("_")
        and isinstance(node.value, ast.Name) and node.value.id == "torch"
    ]
    assert not offenders, offenders
    assert "torch._VF" not in (PACKAGE / "models" / "classic.py").read_text()


def test_public_functions_take_at_most_seven_parameters():
    wide = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        scopes = [(name, tree.body)] + [
            (f"{name}.{c.name}", c.body) for c in tree.body
            if isinstance(c, ast.ClassDef) and not c.name.startswith("_")
        ]
        for scope, body in scopes:
            for node in body:
                if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                    continue
                args = node.args
                names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
                if names and names[0] in ("self", "cls"):
                    names = names[1:]
                if len(names) > MAX_PARAMETERS and f"{scope}.{node.name}" not in WIDE_SIGNATURES:
                    wide.append(f"{scope}.{node.name} ({len(names)})")
    assert not wide, wide
