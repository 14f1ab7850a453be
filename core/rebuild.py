"""After an edit of the spec: the network it builds, and the trained weights that carry over.

A layer keeps its trained parameters when the edited network gives it parameters of the same
names and shapes; every other weighted layer is re-initialised (and the optimiser's buffers,
whose shapes changed, start fresh). ``plan_rebuild`` changes nothing, so the window can ask the
learner before ``rebuilt_stepper`` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import BackstepError
from core.network import Network
from core.spec import NetworkSpec
from core.stepper import Stepper


def describe_error(exc: BaseException) -> str:
    """One line for the user: a BackstepError says it itself; anything else gets its type."""
    if isinstance(exc, BackstepError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class Rebuild:
    """What an edited spec would do: the network it builds and the layers that lose their weights.

    ``error`` says why the spec does not build (then ``network`` is None); ``needs_confirmation``
    is True when trained weights would be re-initialised (ask before applying)."""

    spec: NetworkSpec
    network: Network | None
    reinitialised: tuple[str, ...] = ()
    error: str | None = None
    trained_iterations: int = 0

    @property
    def needs_confirmation(self) -> bool:
        return self.network is not None and self.trained_iterations > 0 and bool(self.reinitialised)


def build_network(spec: NetworkSpec, registry, dataset, dataset_name: str, **kw) -> Network:
    """The Network of ``spec``, checked against one sample of ``dataset`` (raises if it does not fit)."""
    net = Network(spec, registry, **kw)
    net.check_input(dataset.x_train[:1], f"dataset {dataset_name}")
    return net


def plan_rebuild(old: Network, spec: NetworkSpec, registry, dataset, dataset_name: str, *, seed: int,
                 trained_iterations: int) -> Rebuild:
    """The network ``spec`` builds (in ``old``'s dtype) and which layers' parameters change shape."""
    try:
        net = build_network(spec, registry, dataset, dataset_name, dtype=old.dtype, seed=seed)
    except Exception as exc:  # noqa: BLE001 - an unfinished edit or a plugin's bug: say why
        return Rebuild(spec, None, error=describe_error(exc) if spec.layers else "Add layers from the palette")

    def shapes(ps):
        return {k: v.shape for k, v in ps.items()}

    changed = tuple(n.name for n in net.nodes if net.params[n.name]
                    and (n.name not in old.params or shapes(old.params[n.name]) != shapes(net.params[n.name])))
    return Rebuild(spec, net, changed, None, trained_iterations)


def rebuilt_stepper(stepper: Stepper, plan: Rebuild, dataset) -> Stepper:
    """A Stepper for ``plan.network`` that continues ``stepper``'s training: its counters, curves,
    settings and the weights of every layer the plan does not re-initialise."""
    net, old = plan.network, stepper.net
    state = stepper.state()
    state["params"] = {n.name: (old.params[n.name] if n.name not in plan.reinitialised and n.name in old.params
                                else net.params[n.name]) for n in net.nodes}
    if plan.reinitialised:
        state["optimizer"]["state"] = {}  # momentum/Adam buffers of changed shapes cannot be kept
    new = Stepper(net, dataset, batch_size=stepper.batch_size, optimizer=stepper.optimizer.name, lr=stepper.lr,
                  seed=stepper.seed)
    new.load_state(state)
    return new


def output_layer(spec: NetworkSpec) -> int | None:
    """The index of the layer that makes the class scores: the last one with an ``out_features``
    (a dense layer), or None if the spec has none (then its outputs cannot be resized here)."""
    for i in range(len(spec.layers) - 1, -1, -1):
        if "out_features" in spec.layers[i].hp:
            return i
    return None


def spec_for_classes(spec: NetworkSpec, classes: tuple[str, ...], resize: bool) -> NetworkSpec:
    """``spec`` with the dataset's class names and, if ``resize``, its output layer giving one score
    per class (that layer's weights change shape, so they are re-initialised by the rebuild)."""
    layers = list(spec.layers)
    if resize:
        i = output_layer(spec)
        if i is None:
            raise BackstepError(f"{spec.name}: no layer with out_features to give {len(classes)} scores")
        e = layers[i]
        layers[i] = type(e)(e.name, e.type, {**e.hp, "out_features": len(classes)})
    return NetworkSpec(spec.name, spec.input_shape, tuple(layers), spec.loss, tuple(classes), spec.source)

