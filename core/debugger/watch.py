"""Watch expressions: pinned values recomputed after every step, with a history per iteration.

The language (parsed with ``ast``, evaluated by walking a whitelist of node types — nothing is
ever passed to ``eval``)::

    conv1.weight[0,0,2,2]     a parameter (current values), indexed like numpy (ints, slices, -1)
    fc2.bias                  a whole parameter
    conv1.out  pool1.argmax   an array of the current iteration: "<layer>.<name>" snapshot keys,
    conv1.weight.grad         also "<layer>.<param>.grad/.old/.step/.new", "probs", "loss", "probs.grad"
    grad(conv2)               = conv2.weight.grad   (grad(fc1.bias) = fc1.bias.grad)
    out(pool1)  grad_in(sig1)  grad_out(fc2)  step(conv1)   the layer's arrays
    x  y  lr                  the batch (N, C, H, W), its labels, the learning rate
    mean abs max min norm sum std sqrt   functions (max/min of two arguments: element-wise)
    1.5  2e-3  + - * / **     numbers and arithmetic

Names resolve against the current parameters and the arrays of the shown iteration (the last
record); errors say what is wrong: "unknown layer 'conv9'", "conv2.weight.grad is not computed
yet in this iteration (run its backward phase)".
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from core.debugger.health import norm
from core.errors import BackstepError, short_repr

HISTORY = 2000  # values kept per watch
MAX_TEXT = 1000  # characters of one expression


class WatchError(BackstepError):
    """A watch expression that cannot be parsed or evaluated; the message says why."""


def _minmax(reduce, elementwise):
    def f(*args):
        if len(args) == 1:
            return reduce(args[0])
        if len(args) == 2:
            return elementwise(*args)
        raise WatchError(f"{reduce.__name__}: takes one array or two values, got {len(args)} arguments")
    return f


FUNCTIONS = {
    "mean": np.mean, "abs": np.abs, "sum": np.sum, "std": np.std, "norm": norm, "sqrt": np.sqrt,
    "max": _minmax(np.max, np.maximum), "min": _minmax(np.min, np.minimum),
}
ACCESSORS = {"grad": "grad", "out": "out", "grad_in": "grad_in", "grad_out": "grad_out", "step": "step"}
SPECIAL = ("x", "y", "lr", "loss", "probs")
_BINOPS = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.true_divide,
           ast.Pow: np.power}
_HINT = "use names, indexing, numbers, + - * / ** and " + ", ".join(list(FUNCTIONS) + list(ACCESSORS))


@dataclass(frozen=True)
class WatchScope:
    """What names resolve against: parameters {layer: {param: array}} and the iteration's arrays."""

    params: Mapping[str, Mapping[str, np.ndarray]]
    arrays: Mapping[str, np.ndarray] = field(default_factory=dict)
    layers: tuple[str, ...] | None = None  # every layer of the network, in order (default: params' keys)
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    lr: float | None = None

    @property
    def layer_names(self) -> tuple[str, ...]:
        return tuple(self.layers) if self.layers is not None else tuple(self.params)


class WatchExpression:
    """One parsed expression; ``evaluate(scope)`` gives a float or a numpy array."""

    def __init__(self, text: str):
        self.text = text.strip()
        if not self.text:
            raise WatchError("empty watch expression")
        try:
            self.tree = ast.parse(self.text, mode="eval")
        except SyntaxError as exc:
            raise WatchError(f"{self.text!r}: syntax error at column {exc.offset or 0}: {exc.msg}") from None
        self._validate(self.tree.body)

    def __repr__(self) -> str:
        return f"WatchExpression({self.text!r})"

    # --- syntax whitelist ----------------------------------------------------------------------

    def _validate(self, node) -> None:
        ok = (ast.Constant, ast.Name, ast.Attribute, ast.Subscript, ast.Call, ast.BinOp, ast.UnaryOp,
              ast.Tuple, ast.Slice, ast.Load, ast.operator, ast.unaryop)
        for n in ast.walk(node):
            if not isinstance(n, ok):
                raise WatchError(f"{self.text!r}: {type(n).__name__} is not allowed in a watch; {_HINT}")
            if isinstance(n, ast.Constant) and (isinstance(n.value, bool)
                                                or not isinstance(n.value, (int, float))):
                raise WatchError(f"{self.text!r}: only numbers are allowed as literals, not {n.value!r}")
            if isinstance(n, ast.BinOp) and type(n.op) not in _BINOPS:
                raise WatchError(f"{self.text!r}: operator {type(n.op).__name__} is not allowed; {_HINT}")
            if isinstance(n, ast.UnaryOp) and not isinstance(n.op, (ast.USub, ast.UAdd)):
                raise WatchError(f"{self.text!r}: operator {type(n.op).__name__} is not allowed; {_HINT}")
            if isinstance(n, ast.Call):
                if not isinstance(n.func, ast.Name) or n.func.id not in {**FUNCTIONS, **ACCESSORS}:
                    name = n.func.id if isinstance(n.func, ast.Name) else ast.unparse(n.func)
                    raise WatchError(f"{self.text!r}: unknown function {name!r}; {_HINT}")
                if n.keywords:
                    raise WatchError(f"{self.text!r}: {n.func.id}() takes no keyword arguments")

    # --- evaluation ----------------------------------------------------------------------------

    def evaluate(self, scope: WatchScope):
        with np.errstate(all="ignore"):
            v = self._eval(self.tree.body, scope)
        a = np.asarray(v)
        if not np.issubdtype(a.dtype, np.number) and a.dtype != np.bool_:
            raise WatchError(f"{self.text!r}: not a number")
        return float(a) if a.ndim == 0 else a

    def _eval(self, n, s: WatchScope):
        if isinstance(n, ast.Constant):
            return n.value
        if isinstance(n, ast.BinOp):
            return _BINOPS[type(n.op)](self._eval(n.left, s), self._eval(n.right, s))
        if isinstance(n, ast.UnaryOp):
            v = self._eval(n.operand, s)
            return np.negative(v) if isinstance(n.op, ast.USub) else v
        if isinstance(n, ast.Name):
            return self._name(n.id, s)
        if isinstance(n, ast.Attribute):
            return self._dotted(self._path(n), s)
        if isinstance(n, ast.Subscript):
            return self._index(n, s)
        if isinstance(n, ast.Call):
            return self._call(n, s)
        raise WatchError(f"{self.text!r}: {ast.unparse(n)} cannot be evaluated here")

    def _path(self, n) -> list[str]:
        parts = []
        while isinstance(n, ast.Attribute):
            parts.append(n.attr)
            n = n.value
        if not isinstance(n, ast.Name):
            raise WatchError(f"{self.text!r}: {ast.unparse(n)}.… is not a name")
        parts.append(n.id)
        return parts[::-1]

    def _name(self, name: str, s: WatchScope):
        if name in SPECIAL:
            v = {"x": s.x, "y": s.y, "lr": s.lr}.get(name) if name in ("x", "y", "lr") else s.arrays.get(name)
            if v is None:
                raise WatchError(f"{name} is not available yet (step into the iteration first)")
            return v
        if name in s.layer_names:
            raise WatchError(f"{name!r} is a layer: say {name}.weight, out({name}), grad({name}) or grad_in({name})")
        if name in FUNCTIONS or name in ACCESSORS:
            raise WatchError(f"{name} is a function: call it, e.g. {name}(…)")
        raise WatchError(f"unknown layer {name!r}" + self._layers_hint(s))

    @staticmethod
    def _layers_hint(s: WatchScope) -> str:
        names = s.layer_names
        return f" (layers: {', '.join(names)})" if names else ""

    def _dotted(self, parts: list[str], s: WatchScope):
        key = ".".join(parts)
        root = parts[0]
        if key in s.arrays:
            return s.arrays[key]
        if root in SPECIAL:
            raise WatchError(f"{key} is not available (yet)")
        if root not in s.layer_names:
            raise WatchError(f"unknown layer {root!r}" + self._layers_hint(s))
        params = s.params.get(root, {})
        if len(parts) == 2 and parts[1] in params:
            return params[parts[1]]
        computed_later = (len(parts) == 2 and parts[1] in ("out", "grad_in", "grad_out")) or (
            len(parts) == 3 and parts[1] in params and parts[2] in ("grad", "old", "step", "new"))
        if computed_later:
            when = {"out": "forward", "grad_in": "backward", "grad_out": "backward", "grad": "backward"}.get(
                parts[-1], "update")
            return self._missing(key, f"{when}:{root}" if when != "update" else "update")
        have = sorted({k.split(".", 1)[1] for k in s.arrays if k.startswith(root + ".")} | set(params))
        raise WatchError(f"layer {root!r} has no {'.'.join(parts[1:])!r}"
                         + (f" (it has: {', '.join(have)})" if have else ""))

    def _missing(self, key: str, phase: str):
        raise WatchError(f"{key} is not computed yet in this iteration (run {phase})")

    def _index(self, n: ast.Subscript, s: WatchScope):
        value = np.asarray(self._eval(n.value, s))
        idx = self._index_value(n.slice, s)
        try:
            return value[idx]
        except IndexError:
            shown = ast.unparse(n.slice)
            raise WatchError(f"index [{shown}] is out of range for {ast.unparse(n.value)} of shape "
                             f"{tuple(value.shape)}") from None

    def _index_value(self, n, s: WatchScope):
        if isinstance(n, ast.Tuple):
            return tuple(self._index_value(e, s) for e in n.elts)
        if isinstance(n, ast.Slice):
            parts = [None if p is None else self._int(p, s) for p in (n.lower, n.upper, n.step)]
            return slice(*parts)
        return self._int(n, s)

    def _int(self, n, s: WatchScope) -> int:
        v = self._eval(n, s)
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            return int(v)
        if isinstance(v, float) and v.is_integer():
            return int(v)
        raise WatchError(f"index {ast.unparse(n)} is not an integer")

    def _call(self, n: ast.Call, s: WatchScope):
        name = n.func.id
        if name in ACCESSORS:
            if len(n.args) != 1:
                raise WatchError(f"{name}() takes one layer, e.g. {name}(conv1)")
            arg = n.args[0]
            if not isinstance(arg, (ast.Name, ast.Attribute)):
                raise WatchError(f"{name}() takes a layer name, e.g. {name}(conv1), not {ast.unparse(arg)}")
            parts = self._path(arg) if isinstance(arg, ast.Attribute) else [arg.id]
            if parts[0] not in s.layer_names:
                raise WatchError(f"unknown layer {parts[0]!r}" + self._layers_hint(s))
            if name in ("grad", "step"):
                if len(parts) == 1:
                    params = s.params.get(parts[0], {})
                    if not params:
                        raise WatchError(f"{name}({parts[0]}): layer {parts[0]!r} has no parameters; "
                                         f"try grad_in({parts[0]})")
                    parts = [parts[0], "weight" if "weight" in params else next(iter(params))]
                return self._dotted(parts + [name], s)
            if len(parts) != 1:
                raise WatchError(f"{name}() takes a layer name, e.g. {name}({parts[0]})")
            return self._dotted(parts + [name], s)
        args = [self._eval(a, s) for a in n.args]
        if name not in ("max", "min") and len(args) != 1:
            raise WatchError(f"{name}() takes one argument, got {len(args)}")
        return FUNCTIONS[name](*args)


def scalar_of(value) -> float:
    """The number a sparkline plots: the value itself, or the mean of an array."""
    a = np.asarray(value, dtype=np.float64)
    if a.size == 0:
        return float("nan")
    return float(a) if a.size == 1 else float(a.mean())


def format_value(value) -> str:
    """"0.0123", "[0.1 0.2 0.3]" (up to 6 elements) or "shape (6, 5, 5): mean 0.012 [-0.3, 0.4]"."""
    a = np.asarray(value)
    if a.size == 1:
        return f"{float(a):.6g}"
    if a.size == 0:
        return f"empty, shape {tuple(a.shape)}"
    if a.size <= 6:
        return "[" + " ".join(f"{float(v):.4g}" for v in a.ravel()) + "]"
    f = a.astype(np.float64)
    return f"shape {tuple(a.shape)}: mean {f.mean():.4g} [{f.min():.4g}, {f.max():.4g}]"


class Watch:
    """One pinned expression: its current value (or error) and its history per iteration."""

    def __init__(self, text: str):
        self.expr = WatchExpression(text)
        self.value = None
        self.error: str | None = None
        self.history: deque[tuple[int, float]] = deque(maxlen=HISTORY)  # (iteration 0-based, scalar)

    @property
    def text(self) -> str:
        return self.expr.text

    def update(self, scope: WatchScope) -> bool:
        """Recompute the current value; False (and ``error`` set) if it cannot be computed now."""
        try:
            self.value, self.error = self.expr.evaluate(scope), None
            return True
        except WatchError as exc:
            self.value, self.error = None, str(exc)
        except (ValueError, TypeError, ArithmeticError) as exc:  # e.g. shapes that do not broadcast
            self.value, self.error = None, f"{self.text}: {exc}"
        return False

    @property
    def display(self) -> str:
        return self.error if self.error is not None else ("" if self.value is None else format_value(self.value))


class WatchList:
    """Watches in order; ``update`` after each step, ``record`` after each completed iteration."""

    def __init__(self, texts: Iterable[str] = ()):
        self.watches: list[Watch] = []
        for t in texts:
            self.add(t)

    def __len__(self) -> int:
        return len(self.watches)

    def __iter__(self):
        return iter(list(self.watches))

    def __getitem__(self, i: int) -> Watch:
        return self.watches[i]

    def add(self, text: str) -> Watch:
        """Parse and pin ``text``; WatchError if it is not a valid expression."""
        w = Watch(text)
        self.watches.append(w)
        return w

    def remove(self, i: int) -> None:
        del self.watches[i]

    def clear(self) -> None:
        self.watches.clear()

    def update(self, scope: WatchScope) -> None:
        for w in self.watches:
            w.update(scope)

    def record(self, iteration: int, scope: WatchScope) -> None:
        """Evaluate every watch for the completed ``iteration`` (0-based) and append to its history.

        Recording the same iteration again replaces its value (views may repeat)."""
        for w in self.watches:
            if not w.update(scope):
                continue
            v = scalar_of(w.value)
            if w.history and w.history[-1][0] == iteration:
                w.history[-1] = (iteration, v)
            else:
                if w.history and w.history[-1][0] > iteration:  # went back in time: drop the future
                    while w.history and w.history[-1][0] >= iteration:
                        w.history.pop()
                w.history.append((iteration, v))

    def to_list(self) -> list[str]:
        return [w.text for w in self.watches]

    @classmethod
    def from_list(cls, texts) -> WatchList:
        """Watches from saved texts; ones that no longer parse are skipped. WatchError naming the
        entry if ``texts`` is not a list of texts (a session may hold anything): see check_list."""
        wl = cls()
        for t in cls.check_list(texts):
            try:
                wl.add(t)
            except WatchError:
                pass
        return wl

    @staticmethod
    def check_list(texts) -> list[str]:
        """``texts`` if it is a list of expression texts (None: none); WatchError naming the entry if not."""
        if texts is None:
            return []
        if not isinstance(texts, (list, tuple)):
            raise WatchError(f"expected a list of expressions, got {short_repr(texts)}")
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise WatchError(f"[{i}]: expected an expression (text), got {short_repr(t)}")
            if len(t) > MAX_TEXT:
                raise WatchError(f"[{i}]: an expression of {len(t)} characters; at most {MAX_TEXT}")
        return list(texts)
