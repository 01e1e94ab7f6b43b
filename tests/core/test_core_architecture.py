"""The layering of DESIGN.md, checked on the source: arrows only point down.

app -> capabilities (equity, layers, networks, efficiency, policy) -> base modules.
A capability imports no typer, rich or app module, and no other capability's private
module; base modules import no capability. An import error anywhere fails here.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import spatialhealth

PKG = Path(spatialhealth.__file__).parent
CAPABILITIES = ("equity", "layers", "networks", "efficiency", "policy")
BASE = ("_results", "_compat", "_progress", "errors", "io", "_io", "_validate", "regions", "datasets", "_random",
        "_gcj02", "_fonts", "_i18n")


def _imports(path: Path) -> list[str]:
    """Absolute module names imported by a source file (relative imports resolved)."""
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    package = parts if parts[-1] == "__init__" else parts[:-1]
    if package and package[-1] == "__init__":
        package = package[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append(mod)
            out += [f"{mod}.{a.name}" for a in node.names]
    return out


def _sources(sub: str) -> list[Path]:
    root = PKG / sub
    if root.is_dir():
        return [p for p in root.rglob("*.py") if "qgis_plugin" not in p.parts]
    return [root.with_suffix(".py")] if root.with_suffix(".py").exists() else []


@pytest.mark.parametrize("capability", CAPABILITIES)
def test_capability_imports_point_down(capability):
    bad = []
    for path in _sources(capability):
        for mod in _imports(path):
            top = mod.split(".")
            if top[0] in ("typer", "rich", "click"):
                bad.append((path.name, mod))
            if mod.startswith("spatialhealth.app"):
                bad.append((path.name, mod))
            if len(top) >= 3 and top[0] == "spatialhealth" and top[1] in CAPABILITIES and top[1] != capability:
                if any(p.startswith("_") and not p.startswith("__") for p in top[2:]):
                    bad.append((path.name, mod))
    assert not bad, f"{capability} imports what it must not: {bad}"


@pytest.mark.parametrize("base", BASE)
def test_base_modules_import_no_capability(base):
    bad = [(p.name, m) for p in _sources(base) for m in _imports(p)
           if m.startswith("spatialhealth.") and m.split(".")[1] in CAPABILITIES + ("app",)]
    assert not bad, f"{base} imports a capability or the app layer: {bad}"


def test_every_module_imports():
    """No module is skipped silently: each one imports (a broken one fails this test)."""
    failed = []
    for info in pkgutil.walk_packages([str(PKG)], prefix="spatialhealth."):
        if ".qgis_plugin" in info.name or info.name in ("spatialhealth.__main__", "spatialhealth.runner"):
            continue
        try:
            importlib.import_module(info.name)
        except Exception as exc:  # noqa: BLE001 - listed in the assertion
            failed.append(f"{info.name}: {exc!r}")
    assert not failed, "\n".join(failed)
