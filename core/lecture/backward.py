"""The backward steps as the slides write them: a chain of factors, each with its numbers (Qt-free).

For sample s of a StepView (its own loss L⁽ˢ⁾, as the lecture writes it)::

    step 1   ∂L/∂ŷ                     = −y/ŷ
    step 2   ∂L/∂z⁽⁴⁾ = ∂L/∂ŷ · ∂ŷ/∂z⁽⁴⁾                 (∂ŷ/∂z: the softmax's Jacobian)
    weight   ∂L/∂W    = ∂L/∂z⁽ⁿ⁾ · ∂z⁽ⁿ⁾/∂W             (∂zᵢ/∂Wᵢⱼ = the input aⱼ; conv: the window)
    error    ∂L/∂z⁽ᵏ⁾ = ∂L/∂z⁽ᵏ⁺¹⁾ · ∂z⁽ᵏ⁺¹⁾/∂f(z⁽ᵏ⁾) · ∂f(z⁽ᵏ⁾)/∂z⁽ᵏ⁾
                                               (the weight W or g, through any pool and flatten, then f′)

``chain`` gives the factors as arrays; ``multiply_out`` multiplies them with numpy alone (matrix
products, sums over windows), which a test compares with the engine's own value of the step
(``Chain.result``), and with the partial results on the way (``Chain.partials``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.lecture.roles import Roles, StepKind

FPRIME = {"sigmoid": "f(@z)(1 - f(@z))", "tanh": "1 - f(@z)^2", "relu": r"[\, @z > 0 \,]"}


@dataclass(frozen=True)
class Factor:
    latex: str  # as it stands in the chain
    value: np.ndarray  # its numbers for the sample
    key: str | None = None  # the engine array it comes from, if any
    meaning: str = ""  # LaTeX: what it equals (e.g. "W^{(2)}")


@dataclass(frozen=True)
class Chain:
    step: StepKind
    lhs: str  # LaTeX of the step's quantity, e.g. \frac{\partial L}{\partial z^{(3)}}
    factors: tuple[Factor, ...]
    result: np.ndarray  # the engine's value of the quantity for the sample
    result_key: str
    partials: tuple[tuple[str, str, np.ndarray], ...] = ()  # (LaTeX, engine key, value) on the way
    sample: int = 0

    def latex(self, boxed: int | None = None) -> str:
        """lhs = factor · factor …, with factor ``boxed`` (0-based) in a box."""
        parts = [rf"\boxed{{{f.latex}}}" if k == boxed else f.latex for k, f in enumerate(self.factors)]
        return f"{self.lhs} = " + " ".join(parts)


def d(num: str, den: str) -> str:
    return rf"\frac{{\partial {num}}}{{\partial {den}}}"


def _input(view, roles: Roles, i: int, s: int) -> np.ndarray:
    if i == 0:
        return np.asarray(view.x[s], dtype=np.float64)
    return np.asarray(view.arrays[f"{roles.nodes[i - 1].name}.out"][s], dtype=np.float64)


def _sample_backward(view, roles: Roles, i: int, s: int, dout: np.ndarray) -> np.ndarray:
    """dout through node i (no weights) for sample s, with the layer's own backward."""
    node = roles.nodes[i]
    x = _input(view, roles, i, s)[None]
    _, cache = node.layer.forward(x, (view.used_params or view.params).get(node.name, {}), True)
    return node.layer.backward(np.asarray(dout, dtype=np.float64)[None], cache)[0][0]


def f_prime(view, roles: Roles, i: int, s: int) -> np.ndarray:
    """∂f(z)/∂z of activation node i for sample s, elementwise (its backward of ones)."""
    z = _input(view, roles, i, s)
    return _sample_backward(view, roles, i, s, np.ones_like(z))


def fprime_latex(roles: Roles, i: int) -> str:
    return FPRIME.get(roles.nodes[i].type, r"f'(@z)")


def chain(view, roles: Roles, step: StepKind, s: int) -> Chain | None:
    """The chain of ``step`` for sample s, or None until the step's phase has run."""
    key = step.quantity.key
    if key not in view.arrays:
        return None
    nodes = roles.nodes
    last = len(nodes) - 1
    z_last = roles.symbol(last)
    if step.kind == "loss":
        probs = np.asarray(view.arrays["probs"][s], dtype=np.float64)
        y = np.zeros_like(probs)
        y[int(view.y[s])] = 1
        with np.errstate(divide="ignore"):
            v = np.where(y > 0, -y / np.where(probs > 0, probs, 1), 0.0)
        return Chain(step, d("L", r"\hat{y}"), (Factor(r"-\frac{y}{\hat{y}}", v, "probs"),),
                     view.sample_value(key, s), key, sample=s)
    if step.kind == "logits":
        probs = np.asarray(view.arrays["probs"][s], dtype=np.float64)
        jac = np.diag(probs) - np.outer(probs, probs)
        return Chain(step, d("L", z_last),
                     (Factor(d("L", r"\hat{y}"), np.asarray(view.sample_value("probs.grad", s), np.float64),
                             "probs.grad"),
                      Factor(d(r"\hat{y}", z_last), jac, "probs", r"\hat{y}_i(\delta_{ij} - \hat{y}_j)")),
                     view.sample_value(key, s), key, sample=s)
    if step.kind.startswith("weight"):
        i = step.weighted
        name = nodes[i].name
        dz = np.asarray(view.sample_value(f"{name}.grad_out", s), dtype=np.float64)
        a = _input(view, roles, i, s)
        zsym, wsym = roles.symbol(i), roles.weight(i)
        grads = view.sample_param_grads(name, s)
        return Chain(step, d("L", wsym),
                     (Factor(d("L", zsym), dz, f"{name}.grad_out"),
                      Factor(d(zsym, wsym), a, nodes[i - 1].name + ".out" if i else "x", roles.symbol(i - 1))),
                     np.asarray(grads["weight"]), key, sample=s)
    if step.kind.startswith("error"):
        k, w, act = step.z_node, step.weighted, step.node
        zk, znext, wsym = roles.symbol(k), roles.symbol(w), roles.weight(w)
        fz = f"f({zk})"
        dnext = np.asarray(view.sample_value(f"{nodes[w].name}.grad_out", s), dtype=np.float64)
        weight = np.asarray((view.used_params or view.params)[nodes[w].name]["weight"], dtype=np.float64)
        fp = f_prime(view, roles, act, s)
        partials = [(d("L", roles.symbol(w - 1)), f"{nodes[w].name}.grad_in",
                     np.asarray(view.sample_value(f"{nodes[w].name}.grad_in", s)))]
        for j in range(w - 1, act, -1):  # pool, flatten … between the activation and the weight
            partials.append((d("L", roles.symbol(j - 1)), f"{nodes[j].name}.grad_in",
                             np.asarray(view.sample_value(f"{nodes[j].name}.grad_in", s))))
        return Chain(step, d("L", zk),
                     (Factor(d("L", znext), dnext, f"{nodes[w].name}.grad_out"),
                      Factor(d(znext, fz), weight, f"{nodes[w].name}.weight", wsym),
                      Factor(d(fz, zk), fp, f"{nodes[act].name}.out", fprime_latex(roles, act).replace("@z", zk))),
                     np.asarray(view.sample_value(key, s)), key, tuple(partials), s)
    return None


# --- multiplying the factors out, with numpy alone -------------------------------------------------

def conv_weight_grad(dz: np.ndarray, a: np.ndarray, kernel: tuple, stride: int = 1, padding: int = 0) -> np.ndarray:
    """∂L/∂g[f,c,m,n] = Σᵢⱼ ∂L/∂z[f,i,j] a[c, i·s+m−p, j·s+n−p]: dz (F, Ho, Wo), a (C, H, W)."""
    kh, kw = kernel
    ap = np.pad(a, ((0, 0), (padding, padding), (padding, padding)))
    f_, ho, wo = dz.shape
    out = np.zeros((f_, a.shape[0], kh, kw))
    for m in range(kh):
        for n in range(kw):
            win = ap[:, m:m + stride * (ho - 1) + 1:stride, n:n + stride * (wo - 1) + 1:stride]
            out[:, :, m, n] = np.einsum("fij,cij->fc", dz, win)
    return out


def conv_input_grad(dz: np.ndarray, g: np.ndarray, in_shape: tuple, stride: int = 1, padding: int = 0) -> np.ndarray:
    """∂L/∂a[c,u,v] = Σ_f Σ_mn g[f,c,m,n] ∂L/∂z[f,i,j] where u = i·s+m−p: each output sends its
    error back through the window it saw."""
    c, h, w = in_shape
    _, _, kh, kw = g.shape
    _, ho, wo = dz.shape
    out = np.zeros((c, h + 2 * padding, w + 2 * padding))
    for m in range(kh):
        for n in range(kw):
            out[:, m:m + stride * (ho - 1) + 1:stride, n:n + stride * (wo - 1) + 1:stride] += \
                np.einsum("fc,fij->cij", g[:, :, m, n], dz)
    return out[:, padding:padding + h, padding:padding + w]


def multiply_out(ch: Chain, view, roles: Roles) -> tuple[np.ndarray, list[np.ndarray]]:
    """(the product of the chain's factors, the partial products on the way — one per
    ``ch.partials``), computed from the factors alone (the layers only route between them)."""
    f = [np.asarray(x.value, dtype=np.float64) for x in ch.factors]
    kind = ch.step.kind
    if kind == "loss":
        return f[0], []
    if kind == "logits":
        return f[1].T @ f[0], []
    if kind == "weight-dense":
        return np.outer(f[0], f[1].ravel()), []
    node = roles.nodes[ch.step.weighted]
    hp = node.layer.hp
    if kind == "weight-conv":
        return conv_weight_grad(f[0], f[1], ch.result.shape[-2:], hp.get("stride", 1), hp.get("padding", 0)), []
    # error: back through the weight, then the routing layers, then ⊙ f′
    if kind == "error-dense":
        back = (f[1].T @ f[0].ravel()).reshape(node.in_shape)
    else:
        back = conv_input_grad(f[0], f[1], node.in_shape, hp.get("stride", 1), hp.get("padding", 0))
    partial = [back]
    for j in range(ch.step.weighted - 1, ch.step.node, -1):
        back = _sample_backward(view, roles, j, ch.sample, back)
        partial.append(back)
    return back * f[2], partial


# --- the update rule of a weight step ---------------------------------------------------------------

@dataclass(frozen=True)
class Update:
    """θ ← θ − α ∂L/∂θ for one weight array: the batch-mean gradient the update uses."""

    old: np.ndarray
    grad: np.ndarray  # ∂L/∂θ of the batch loss: the mean of the samples' own
    lr: float
    new: np.ndarray  # old − α·grad
    engine_new: np.ndarray | None  # the update phase's value, once it has run
    optimizer: str


def update(view, layer: str, param: str = "weight") -> Update | None:
    grad = view.arrays.get(f"{layer}.{param}.grad")
    if grad is None:
        return None
    old = np.asarray((view.used_params or view.params)[layer][param], dtype=np.float64)
    g = np.asarray(grad, dtype=np.float64)
    new = view.arrays.get(f"{layer}.{param}.new")
    return Update(old, g, float(view.lr), old - view.lr * g, None if new is None else np.asarray(new), view.optimizer)
