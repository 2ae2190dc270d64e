"""ml/simulate's modules import one another without a cycle, type-only imports included (the
graph is read from the sources: at run time the package's __init__ would hide a cycle)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "ml" / "simulate"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def _siblings(module: str) -> set[str]:
    """The ml.simulate modules `module` imports (relative or absolute, anywhere in it)."""
    out = set()
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text())):
        if isinstance(node, ast.ImportFrom):
            name = node.module or ""
            if node.level == 1:
                out |= {name.split(".")[0]} if name else {a.name for a in node.names}
            elif name.startswith("ml.simulate."):
                out.add(name.split(".")[2])
    return out & set(MODULES)


def test_the_modules_import_one_another_without_a_cycle():
    graph = {m: _siblings(m) for m in MODULES}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, "import cycle: " + " -> ".join((*path, module))
        if module not in done:
            for other in graph[module]:
                visit(other, (*path, module))
            done.add(module)

    for module in MODULES:
        visit(module, ())
    # The agents know only their action API, never the runner or the ledger.
    assert graph["agents"] <= {"actions", "chain", "scenario"}
    # The report reads a RunResult, not the simulation.
    assert "runner" not in graph["report"]
