"""Reload a user's plugin file after an edit: import, validate, smoke-run, gradient-check, register.

The file is first tried in a separate process with a time limit (core.plugin_probe), so an
edit that makes it loop forever or call os._exit at import is reported, not run in the app.

``reload_plugin_file(path)`` imports the file again (core.registry.import_file, a new module
object; the stale bytecode cache is removed first so an edit within the same second is seen),
and for each layer class it defines runs the same checks as start-up discovery — validate_class,
then smoke_run — and then the finite-difference check of core.gradcheck.check_layer on the class's
``example_shape``. Nothing raises: every failure is reported with its stage (import | validate |
smoke | gradcheck) and traceback.

``install_reloaded(registry, result)`` puts the classes that validated and smoke-ran into a
Registry in place (replacing an earlier version from the same file; one whose gradient check
fails is still installed, flagged, so the user can debug it in a network). It touches only the
registry's public ``report`` and its id table, the same way ``Registry.__init__`` builds them.
"""

from __future__ import annotations

import importlib.util
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from core import paths
from core.errors import BackstepError
from core.gradcheck import LayerCheck, check_layer
from core.registry import (
    LoadedPlugin,
    LoadFailure,
    Registry,
    _describe,
    _layer_classes,
    import_file,
    smoke_run,
    validate_class,
)

DEFAULT_TOL = 1e-6


@dataclass(frozen=True)
class ClassResult:
    """One layer class of the reloaded file: usable or not, and its gradient check."""

    cls: type
    id: str
    check: LayerCheck | None = None  # None if a stage before the gradient check failed
    failure: LoadFailure | None = None
    tol: float = DEFAULT_TOL

    @property
    def usable(self) -> bool:
        """Validated and smoke-ran: the network may use it (even with a failed gradient check)."""
        return self.failure is None or self.failure.stage == "gradcheck"

    @property
    def passed(self) -> bool:
        """Usable and its backward agrees with finite differences within ``tol``."""
        return self.failure is None and self.check is not None and self.check.passed(self.tol)

    def status(self) -> str:
        """One line for the status bar and the plugins dock."""
        if self.failure is not None and self.check is None:
            return f"{self.id}: {self.failure.stage} failed: {self.failure.message}"
        name, index = self.check.worst
        verdict = "passed" if self.passed else f"FAILED (worst: {name}{list(index)})"
        return f"{self.id}: gradient check {verdict}, max rel error {self.check.max_error:.1e}"


@dataclass(frozen=True)
class ReloadResult:
    """What reloading one file gave: its classes, or the import failure."""

    path: str
    module: str
    source: str  # path | user
    time: float  # time.time() of the reload
    classes: tuple[ClassResult, ...] = ()
    failure: LoadFailure | None = None  # import failure or "defines no layer"

    @property
    def ok(self) -> bool:
        """Imported, and every class usable with a passing gradient check."""
        return self.failure is None and bool(self.classes) and all(c.passed for c in self.classes)

    def status(self) -> str:
        name = Path(self.path).name
        if self.failure is not None:
            return f"{name}: {self.failure.stage} failed: {self.failure.message}"
        return f"{name}: " + "; ".join(c.status() for c in self.classes)

    def failures(self) -> list[LoadFailure]:
        out = [self.failure] if self.failure else []
        return out + [c.failure for c in self.classes if c.failure is not None]


def _source_of(path: Path) -> str:
    try:
        user = paths.user_plugin_dir().resolve()
        return "user" if path.resolve().parent == user else "path"
    except OSError:
        return "path"


def _failure(source, module, stage, exc, path) -> LoadFailure:
    return LoadFailure(source, module, stage, _describe(exc), traceback.format_exc(), path)


def reload_plugin_file(path, *, tol: float = DEFAULT_TOL, registry: Registry | None = None) -> ReloadResult:
    """Import ``path`` again and check every layer class it defines (see the module docstring).

    registry: if given, an id already taken by a plugin from another file is a validate failure
    (as at start-up); the file's own earlier version does not count.
    """
    path = Path(path)
    source, module, spath = _source_of(path), path.stem, str(path)
    now = time.time()
    try:
        cached = Path(importlib.util.cache_from_source(str(path)))
        cached.unlink(missing_ok=True)  # the .pyc keys on mtime in whole seconds: a quick edit could be missed
    except (OSError, NotImplementedError, ValueError):
        pass
    from core.plugin_probe import probe

    verdict = probe([("file", str(path.resolve()))])[0]  # a hang or os._exit at import: not in this process
    if verdict is not None:
        return ReloadResult(spath, module, source, now, (), LoadFailure(source, module, "import", verdict, "", spath))
    try:
        mod = import_file(path)
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt at import are the plugin's
        return ReloadResult(spath, module, source, now, (), _failure(source, module, "import", exc, spath))
    classes = _layer_classes(mod)
    if not classes:
        return ReloadResult(spath, mod.__name__, source, now, (), LoadFailure(
            source, module, "validate", "defines no core.api.Layer subclass with a spec", "", spath))
    results = []
    for cls in classes:
        lid = getattr(getattr(cls, "spec", None), "id", cls.__name__)
        results.append(_check_class(cls, lid, source, module, spath, tol, registry))
    return ReloadResult(spath, mod.__name__, source, now, tuple(results))


def _check_class(cls, lid, source, module, spath, tol, registry) -> ClassResult:
    stage = "validate"
    try:
        validate_class(cls)
        if registry is not None and lid in registry:
            other = registry.plugin(lid)
            if not _same_file(other.path, spath):
                raise BackstepError(f"layer id {lid!r} is already defined by {other.module} ({other.source})")
        stage = "smoke"
        smoke_run(cls)
        stage = "gradcheck"
        check = check_layer(cls(), cls.example_shape)
    except BaseException as exc:  # noqa: BLE001 - whatever the plugin's code raises is its failure
        return ClassResult(cls, lid, None, _failure(source, module, stage, exc, spath), tol)
    if not check.passed(tol):
        name, index = check.worst
        failure = LoadFailure(source, module, "gradcheck",
                              f"backward disagrees with finite differences: max rel error {check.max_error:.1e} "
                              f"at {name}{list(index)} (tolerance {tol:g})", "", spath)
        return ClassResult(cls, lid, check, failure, tol)
    return ClassResult(cls, lid, check, None, tol)


def _same_file(a: str, b: str) -> bool:
    if not a or not b:
        return False
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return a == b


def install_reloaded(registry: Registry, result: ReloadResult) -> list[str]:
    """Put the usable classes of ``result`` into ``registry`` in place; return their ids.

    Replaces the earlier version of each id from the same file, drops ids that file no longer
    defines, and replaces the file's old failures in the load report with the new ones.
    """
    report = registry.report
    usable = {c.id: c for c in result.classes if c.usable}
    gone = [p for p in report.loaded if _same_file(p.path, result.path) and p.id not in usable]
    report.loaded[:] = [p for p in report.loaded if p not in gone]
    for lid, c in usable.items():
        plugin = LoadedPlugin(c.cls, result.source, result.module, result.path)
        for k, p in enumerate(report.loaded):
            if p.id == lid:
                report.loaded[k] = plugin
                break
        else:
            report.loaded.append(plugin)
    registry.refresh()
    report.failures[:] = [f for f in report.failures if not _same_file(f.path, result.path)]
    report.failures.extend(f for f in result.failures() if f.stage != "gradcheck")
    return list(usable)


def plugin_folders() -> list[Path]:
    """The folders plugins are discovered in: BACKSTEP_PLUGIN_PATH's, then the user's."""
    import os

    from core.registry import PLUGIN_PATH_ENV

    folders = [Path(p) for p in os.environ.get(PLUGIN_PATH_ENV, "").split(os.pathsep) if p]
    return folders + [paths.user_plugin_dir()]
