"""Which steps of the lecture apply to a network, which phases each needs, what fills its @names.

``plan_lecture(chapters, nodes)`` turns the chapter files (core.lecture.chapters) into one
StepPlan per step for this network: whether it applies (and why not), the phase it needs done
(its numbers come from that phase's arrays), the phases it names (to step them), the layer its
figure shows, the values of its placeholders, and how many frames it has (Space moves through a
step's frames before the next step: a backward step boxes one factor per frame, as the slides do).

A figure asks for layers by role in the ``layer:`` key — "conv 1", "dense last", "pool 1",
"activation 1" — and a backward step for the network's step number (``step: 4``) and the kind
of step the text was written for (``kind: error-dense``): a network whose step 4 is another kind
is told so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.lecture import backward, forward
from core.lecture.chapters import Chapter, Step
from core.lecture.roles import Roles, StepKind

NO_PHASE = {"none", "table_lookup", "convolution", "dense_example", "softmax_example", "architecture",
            "nine_steps", "gradient_descent"}
FIGURES = NO_PHASE | {"dense_real", "pooling", "sigmoid", "forward", "softmax_sample", "backward", "summary_fc",
                      "summary_conv", "pooling_back", "batch", "update"}


@dataclass(frozen=True)
class StepPlan:
    chapter: Chapter
    step: Step
    applies: bool = True
    reason: str = ""  # why it does not apply
    phase: str | None = None  # the phase whose arrays it shows (None: it needs none)
    runs: tuple[str, ...] = ()  # the phases it names
    layer: str | None = None  # the layer its figure shows
    values: dict = field(default_factory=dict)  # @name -> text or LaTeX
    kind: StepKind | None = None  # backward steps
    frames: int = 1

    @property
    def id(self) -> str:
        return self.step.id


def _layer(roles: Roles, step: Step, default: str) -> tuple[int | None, str]:
    ref = step.meta.get("layer", default)
    return roles.resolve(ref), ref


def _values_for_step(roles: Roles, sk: StepKind) -> dict:
    nodes = roles.nodes
    v = {"n": str(sk.number)}
    if sk.kind.startswith("weight"):
        i = sk.weighted
        v.update(z=roles.symbol(i), W=roles.weight(i), a=roles.symbol(i - 1),
                 zin=roles.symbol(i - 1).removeprefix("f(").removesuffix(")") if i else "x")
    elif sk.kind.startswith("error"):
        v.update(z=roles.symbol(sk.z_node), znext=roles.symbol(sk.weighted), W=roles.weight(sk.weighted),
                 fprime=backward.fprime_latex(roles, sk.node).replace("@z", roles.symbol(sk.z_node)),
                 a=roles.symbol(sk.weighted - 1))
    else:
        v.update(z=roles.symbol(len(nodes) - 1))
    return v


def _plan_backward(ch, step, roles: Roles, steps: list[StepKind]) -> StepPlan:
    n = int(step.meta.get("step", "0") or 0)
    want = step.meta.get("kind", "")
    if not 0 < n <= len(steps):
        return StepPlan(ch, step, False, f"this network has {len(steps)} backward steps, not {n}")
    sk = steps[n - 1]
    if want and sk.kind != want:
        return StepPlan(ch, step, False, f"on this network step {n} is {sk.quantity.label} ({sk.kind}), "
                                         f"not the lecture's {want}")
    phase = roles.phase("backward", sk.node)
    factors = {"loss": 1, "logits": 2}.get(sk.kind, 3 if sk.kind.startswith("error") else 2)
    frames = 1 if factors == 1 else 1 + factors + (1 if sk.kind.startswith("weight") else 0)
    layer = roles.nodes[sk.weighted if sk.weighted is not None else sk.node].name
    return StepPlan(ch, step, True, "", phase, (phase,), layer, _values_for_step(roles, sk), sk, frames)


def _plan_table_lookup(ch, step, roles: Roles) -> StepPlan:
    shape = tuple(roles.nodes[0].in_shape)
    c, h, w = shape if len(shape) == 3 else (1, 1, int(shape[0]))
    pixels = int(c * h * w)
    mant, exp = forward.table_count(pixels)
    size = f"{h} \\times {w}" + (f" \\times {c}" if c > 1 else "")
    return StepPlan(ch, step, values={"pixels": str(pixels), "shape": size,
                                      "count": rf"{mant:.2f} \times 10^{{{exp}}}", "exponent": str(exp)})


def _plan_forward(ch, step, roles: Roles) -> StepPlan:
    blocks = roles.blocks()
    which = step.meta.get("block", "1")
    k = len(blocks) if which == "last" else int(which)
    if which != "last" and k >= len(blocks):
        return StepPlan(ch, step, False, f"this network has {len(blocks)} blocks; equation {k} is its last")
    runs = tuple(forward.block_phases(roles, k))
    return StepPlan(ch, step, phase=runs[-1], runs=runs, layer=roles.nodes[blocks[k - 1][0]].name,
                    values={"equation": forward.block_equation(roles, k), "k": str(k)})


def _plan_summary(ch, step, roles: Roles, steps: list[StepKind]) -> StepPlan:
    want = "error-dense" if step.figure == "summary_fc" else "error-conv"
    found = [s for s in steps if s.kind == want]
    if not found:
        return StepPlan(ch, step, False, f"no error flows back through a {want[6:]} layer in this network")
    phase = roles.phase("backward", found[-1].node)
    return StepPlan(ch, step, phase=phase, runs=(phase,), layer=roles.nodes[found[0].weighted].name,
                    values=_values_for_step(roles, found[0]))


LAYER_DEFAULTS = {"dense_real": "dense 1", "pooling": "pool 1", "sigmoid": "activation 1", "pooling_back": "pool 1",
                  "batch": "conv 1", "update": "conv 1"}
BACKWARD_PHASE = {"batch", "pooling_back"}  # figures whose layer's backward phase they need (update: "update")


def _plan_layer(ch, step, roles: Roles) -> StepPlan:
    """A figure of one layer (by role): its forward phase, its backward phase, or the update."""
    fig = step.figure
    i, ref = _layer(roles, step, LAYER_DEFAULTS[fig])
    if i is None:
        return StepPlan(ch, step, False, f"this network has no {ref} layer")
    node = roles.nodes[i]
    values = {"z": roles.symbol(i), "in": roles.symbol(i - 1), "out": roles.symbol(i)}
    if node.layer.weighted:
        values["W"] = roles.weight(i)
    if fig == "update":
        phase = "update"
    else:
        phase = roles.phase("backward" if fig in BACKWARD_PHASE else "forward", i)
    return StepPlan(ch, step, phase=phase, runs=(phase,), layer=node.name, values=values)


def _plan_one(ch: Chapter, step: Step, roles: Roles, steps: list[StepKind]) -> StepPlan:
    fig = step.figure
    nodes = roles.nodes
    if fig not in FIGURES:
        return StepPlan(ch, step, False, f"{step.where}: unknown figure {fig!r}")
    if fig == "table_lookup":
        return _plan_table_lookup(ch, step, roles)
    if fig == "convolution":
        i, _ = _layer(roles, step, "conv 1")
        return StepPlan(ch, step, layer=None if i is None else nodes[i].name)
    if fig in NO_PHASE:
        return StepPlan(ch, step)
    if fig == "forward":
        return _plan_forward(ch, step, roles)
    if fig == "softmax_sample":
        phase = roles.phase("backward", len(nodes) - 1)
        return StepPlan(ch, step, phase=phase, runs=("loss", phase), layer=nodes[-1].name,
                        values={"z": roles.symbol(len(nodes) - 1)})
    if fig == "backward":
        return _plan_backward(ch, step, roles, steps)
    if fig in ("summary_fc", "summary_conv"):
        return _plan_summary(ch, step, roles, steps)
    return _plan_layer(ch, step, roles)


def plan_lecture(chapters: tuple[Chapter, ...], nodes) -> list[StepPlan]:
    roles = Roles(nodes)
    steps = roles.steps()
    return [_plan_one(ch, s, roles, steps) for ch in chapters for s in ch.steps]
