"""Discovers layer plugins and checks each one before anything uses it.

Sources, in order (a later one may not reuse an id taken by an earlier one):
  1. "builtin"      the modules of the ``plugins`` package
  2. "entry-point"  the entry-point group ``backstep.layers`` (a Layer class or a module)
  3. "path"         ``*.py`` files in the folders of ``BACKSTEP_PLUGIN_PATH`` (separated like PATH)
  4. "user"         ``*.py`` files in the per-user plugin folder (core.paths.user_plugin_dir())

Each plugin is imported, validated (spec fields, api_version, duplicate ids, hyperparameter
defaults) and smoke-run (shape inference, then one forward/backward whose shapes must agree).
A failure never stops the others: it lands in the LoadReport with its stage and traceback.
``BACKSTEP_STRICT_PLUGINS=1`` (or ``strict=True``) makes the first failure raise PluginError.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import pkgutil
import sys
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from core import paths
from core.api import API_VERSION, CATEGORIES, INIT_SCHEMES, HyperParam, Layer, LayerSpec
from core.errors import BackstepError, PluginError

ENTRY_POINT_GROUP = "backstep.layers"
PLUGIN_PATH_ENV = "BACKSTEP_PLUGIN_PATH"
STRICT_ENV = "BACKSTEP_STRICT_PLUGINS"


@dataclass(frozen=True)
class LoadedPlugin:
    """A layer class that passed validation and the smoke run."""

    cls: type
    source: str  # builtin | entry-point | path | user
    module: str
    path: str  # file it came from ("" if unknown)

    @property
    def id(self) -> str:
        return self.cls.spec.id


@dataclass(frozen=True)
class LoadFailure:
    """A plugin that could not be used, and why."""

    source: str
    module: str
    stage: str  # import | validate | smoke
    message: str
    traceback: str = ""
    path: str = ""

    def line(self) -> str:
        return f"{self.module} ({self.source}, {self.stage}): {self.message}"


@dataclass
class LoadReport:
    loaded: list[LoadedPlugin] = field(default_factory=list)
    failures: list[LoadFailure] = field(default_factory=list)


class Registry:
    """Layer type id -> layer class, with the load report that built it."""

    def __init__(self, report: LoadReport):
        self.report = report
        self.refresh()

    def refresh(self) -> None:
        """Re-read the load report (after a plugin file was reloaded into it)."""
        self._by_id = {p.id: p for p in self.report.loaded}

    def __contains__(self, type_id: str) -> bool:
        return type_id in self._by_id

    def ids(self) -> list[str]:
        return list(self._by_id)

    def plugin(self, type_id: str) -> LoadedPlugin:
        return self._by_id[type_id]

    def get(self, type_id: str) -> type:
        """The class for ``type_id``; PluginError naming the known ids (and a failed load) if absent."""
        if type_id in self._by_id:
            return self._by_id[type_id].cls
        failed = [f for f in self.report.failures if type_id in (f.module, Path(f.path).stem)]
        hint = f"; a plugin that may define it failed to load: {failed[0].line()}" if failed else ""
        raise PluginError(f"unknown layer type {type_id!r} (known: {', '.join(sorted(self._by_id))}){hint}")

    def by_category(self) -> dict[str, list[LoadedPlugin]]:
        groups: dict[str, list[LoadedPlugin]] = {}
        for p in self.report.loaded:
            groups.setdefault(p.cls.spec.category, []).append(p)
        return groups


# --- validation -------------------------------------------------------------------------------

def validate_class(cls: type) -> None:
    """Raise PluginError if ``cls`` does not follow the layer contract (core.api)."""
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise PluginError(f"{cls!r} is not a subclass of core.api.Layer")
    if inspect.isabstract(cls):
        missing = ", ".join(sorted(cls.__abstractmethods__))
        raise PluginError(f"{cls.__name__} does not implement: {missing}")
    spec = getattr(cls, "spec", None)
    if not isinstance(spec, LayerSpec):
        raise PluginError(f"{cls.__name__}.spec must be a core.api.LayerSpec")
    if not spec.id or not spec.id.replace("_", "").isalnum() or not spec.id.islower():
        raise PluginError(f"{cls.__name__}.spec.id {spec.id!r} must be lower-case letters, digits and _")
    if spec.api_version != API_VERSION:
        raise PluginError(f"{spec.id}: api_version {spec.api_version}, this Backstep speaks {API_VERSION}")
    if spec.category not in CATEGORIES:
        raise PluginError(f"{spec.id}: category {spec.category!r} is not one of {', '.join(CATEGORIES)}")
    for name, hp in cls.hyperparams.items():
        if not isinstance(hp, HyperParam):
            raise PluginError(f"{spec.id}: hyperparams[{name!r}] must be a core.api.HyperParam")
        if name in ("name", "type"):
            raise PluginError(f"{spec.id}: hyperparameter name {name!r} is reserved")
        hp.coerce(name, hp.default)  # the default itself must be valid
    if cls.init is not None and cls.init not in INIT_SCHEMES:
        raise PluginError(f"{spec.id}: init must be None or one of {', '.join(INIT_SCHEMES)}, not {cls.init!r}")


def smoke_run(cls: type) -> None:
    """Shape inference and one forward/backward in float64 on ``cls.example_shape``; shapes must agree."""
    layer = cls()
    in_shape = tuple(cls.example_shape)
    out_shape = tuple(layer.output_shape(in_shape))
    rng = np.random.default_rng(0)
    params = layer.init_params(in_shape, rng, cls.init or "glorot")
    x = rng.standard_normal((2, *in_shape))
    out, cache = layer.forward(x, params, True)
    if np.shape(out) != (2, *out_shape):
        raise PluginError(f"forward returned shape {np.shape(out)}, output_shape says {(2, *out_shape)}")
    dx, grads = layer.backward(np.ones_like(out), cache)
    if np.shape(dx) != x.shape:
        raise PluginError(f"backward returned dx of shape {np.shape(dx)} for an input of shape {x.shape}")
    if set(grads) != set(params):
        raise PluginError(f"backward returned gradients for {sorted(grads)}, the parameters are {sorted(params)}")
    for k, g in grads.items():
        if np.shape(g) != np.shape(params[k]):
            raise PluginError(f"gradient of {k!r} has shape {np.shape(g)}, the parameter {np.shape(params[k])}")


# --- discovery --------------------------------------------------------------------------------

def _layer_classes(module) -> list[type]:
    """Layer subclasses defined in ``module`` itself (not imported into it)."""
    return [
        obj for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Layer) and obj is not Layer
        and obj.__module__ == module.__name__ and "spec" in vars(obj)
    ]


def import_file(path: Path, namespace: str = "backstep_user_plugins"):
    """Import a plugin file under a fresh module name (so a changed file can be imported again)."""
    name = f"{namespace}.{path.stem}_{abs(hash(str(path.resolve()))) % 10**8}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _candidates():
    """Yield (source, module name, path, loader) for every plugin we should try."""
    import plugins as builtin_pkg

    for info in sorted(pkgutil.iter_modules(builtin_pkg.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            mod = f"plugins.{info.name}"
            yield "builtin", mod, str(Path(builtin_pkg.__path__[0]) / f"{info.name}.py"), (
                lambda mod=mod: importlib.import_module(mod))
    try:
        eps = metadata.entry_points(group=ENTRY_POINT_GROUP)
    except Exception:  # noqa: BLE001 - a broken installed distribution must not stop the app
        eps = []
    for ep in eps:
        yield "entry-point", ep.value, "", ep.load
    folders = [p for p in os.environ.get(PLUGIN_PATH_ENV, "").split(os.pathsep) if p]
    for source, folder_list in (("path", folders), ("user", [str(paths.user_plugin_dir())])):
        for folder in folder_list:
            for file in sorted(Path(folder).glob("*.py")) if Path(folder).is_dir() else []:
                if not file.name.startswith("_"):
                    yield source, file.stem, str(file), (lambda file=file: import_file(file))


def _describe(exc: BaseException) -> str:
    """What a plugin raised, for the load report: SystemExit and KeyboardInterrupt said plainly."""
    if isinstance(exc, BackstepError):
        return str(exc)
    if isinstance(exc, SystemExit):
        return f"called sys.exit({exc.code!r}); a plugin must not end the program"
    if isinstance(exc, KeyboardInterrupt):
        return "raised KeyboardInterrupt; a plugin must not stop the program"
    return f"{type(exc).__name__}: {exc}"


def check_plugin_class(cls: type, report: LoadReport, source: str, module: str, path: str,
                       taken: dict[str, LoadedPlugin]) -> LoadFailure | None:
    """Validate and smoke-run one class; record it in ``report``; return the failure if any."""
    stage = "validate"
    try:
        validate_class(cls)
        if cls.spec.id in taken:
            other = taken[cls.spec.id]
            raise PluginError(f"layer id {cls.spec.id!r} is already defined by {other.module} ({other.source})")
        stage = "smoke"
        smoke_run(cls)
    except BaseException as exc:  # whatever a plugin's code raises lands in the report
        if isinstance(exc, KeyboardInterrupt) and source == "builtin":
            raise  # (ours never raise it: that is the user pressing Ctrl+C)
        failure = LoadFailure(source, module, stage, _describe(exc), traceback.format_exc(), path)
        report.failures.append(failure)
        return failure
    plugin = LoadedPlugin(cls, source, module, path)
    taken[cls.spec.id] = plugin
    report.loaded.append(plugin)
    return None


def _probe_refs(candidates) -> list[tuple[str, str] | None]:
    """What core.plugin_probe should try for each candidate (None for the built-in ones)."""
    refs = []
    for source, module, path, _ in candidates:
        if source == "builtin":
            refs.append(None)
        elif path:
            refs.append(("file", str(Path(path).resolve())))
        else:
            refs.append(("entry-point", module))
    return refs


def _probe(candidates) -> list[str | None]:
    """For each candidate, None if it may be imported in-process, else why not (core.plugin_probe)."""
    from core.plugin_probe import probe

    refs = _probe_refs(candidates)
    wanted = [r for r in refs if r is not None]
    if not wanted:
        return [None] * len(candidates)
    verdicts = iter(probe(wanted))
    return [None if r is None else next(verdicts) for r in refs]


def discover(strict: bool | None = None) -> Registry:
    """Import, validate and smoke-run every plugin; return the registry with its load report.

    Third-party plugins are first tried in a separate process with a time limit
    (core.plugin_probe): one that hangs or ends the process at import is reported and skipped.
    """
    if strict is None:
        strict = os.environ.get(STRICT_ENV, "") not in ("", "0")
    report = LoadReport()
    taken: dict[str, LoadedPlugin] = {}
    candidates = list(_candidates())
    for (source, module, path, load), verdict in zip(candidates, _probe(candidates)):
        failure = None
        if verdict is not None:
            failure = LoadFailure(source, module, "import", verdict, "", path)
        else:
            try:
                loaded = load()
            except BaseException as exc:  # SystemExit, KeyboardInterrupt at import too
                if isinstance(exc, KeyboardInterrupt) and source == "builtin":
                    raise
                failure = LoadFailure(source, module, "import", _describe(exc), traceback.format_exc(), path)
        if failure is not None:
            report.failures.append(failure)
            if strict:
                raise PluginError(failure.line())
            continue
        classes = [loaded] if isinstance(loaded, type) else _layer_classes(loaded)
        if not classes and source != "builtin":
            report.failures.append(LoadFailure(source, module, "validate",
                                               "defines no core.api.Layer subclass with a spec", "", path))
        for cls in classes:
            failure = check_plugin_class(cls, report, source, module, path, taken)
            if failure and strict:
                raise PluginError(failure.line())
    if strict and report.failures:
        raise PluginError(report.failures[0].line())
    return Registry(report)


_default: Registry | None = None


def default_registry() -> Registry:
    """The registry of this process, discovered once (core.plugin_reload updates it in place)."""
    global _default
    if _default is None:
        _default = discover()
    return _default

