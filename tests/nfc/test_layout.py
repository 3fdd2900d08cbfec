"""The shape of the house: imports run one way, and every one is at the top
of its file (but where a comment says why)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("nfc", "advisers", "areas", "casework", "events", "evaluation")


def _modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


MODULES = _modules()


def _imports(name: str, path: Path):
    """Each of the portal's modules a module imports: (node, names, top level?)."""
    tree = ast.parse(path.read_text())
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            base = node.module or ""
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found = [target for target in targets if target in MODULES and target != name]
        if found:
            yield node, found, id(node) in top_level


def _graph() -> dict[str, set[str]]:
    return {
        name: {target for _, found, _ in _imports(name, path) for target in found}
        for name, path in MODULES.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in graph:
        if module not in index:
            visit(module)
    return found


def test_the_import_graph_has_no_circles():
    assert _cycles(_graph()) == []


def test_the_circle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_import_is_at_the_top_of_its_file_or_says_why():
    hidden = []
    for name, path in MODULES.items():
        lines = path.read_text().splitlines()
        for node, found, top_level in _imports(name, path):
            above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
            if not top_level and not above.startswith("#"):
                hidden.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {found[0]}")
    assert hidden == []


@pytest.mark.parametrize(
    ("module", "may_import"),
    [
        # The bottom of the house: imported by every app, importing none.
        ("advisers.roles", set()),
        ("advisers.permissions", {"advisers.roles"}),
    ],
)
def test_the_bottom_of_the_house_imports_nothing_above_it(module, may_import):
    assert _graph()[module] <= may_import


def test_only_evaluation_and_the_project_urls_import_evaluation():
    importers = {
        name
        for name, targets in _graph().items()
        if any(t.startswith("evaluation") for t in targets) and not name.startswith("evaluation")
    }
    # seed_demo loads every app's demo data, the top one's too.
    assert importers <= {"nfc.urls", "nfc.management.commands.seed_demo"}


def test_the_shared_parts_in_nfc_import_no_app():
    shared = {
        name: targets
        for name, targets in _graph().items()
        if name.startswith("nfc.")
        and name not in {"nfc.urls", "nfc.settings"}
        and not name.startswith("nfc.management")
    }
    assert {
        name: sorted(t for t in targets if not t.startswith("nfc"))
        for name, targets in shared.items()
        if any(not t.startswith("nfc") for t in targets)
    } == {}
