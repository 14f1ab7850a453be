"""How good the network is on the test split: accuracy, per-class precision and recall, the
confusion matrix, and the mistakes sorted by how sure the network was of them.

With N test samples, true classes t and predicted classes p = argmax ŷ::

    confusion[i, j]  = #{n : tₙ = i, pₙ = j}      rows: true class, columns: predicted
    accuracy         = Σᵢ confusion[i, i] / N
    recall[i]        = confusion[i, i] / Σⱼ confusion[i, j]   (of the true i's, found; nan if none)
    precision[j]     = confusion[j, j] / Σᵢ confusion[i, j]   (of the predicted j's, right; nan if none)
    support[i]       = Σⱼ confusion[i, j]                     (how many true i's there are)
    loss             = −(1/N) Σₙ log ŷₙ[tₙ]                    (the training loss, on the test split)

The split is ``dataset.x_test`` / ``y_test``, the one ``python main.py train`` reports after each
epoch (core.stepper.Stepper.evaluate), computed the same way: the network's forward with
train=False in chunks of 500 (Network.predict's batch), the loss on float64 logits, so the
accuracy and loss here equal train's for the same weights. Chunks let a worker thread report
progress and stop between them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from core.errors import DataError
from core.losses import cross_entropy

CHUNK = 500  # Network.predict's own batch: the same products, so the same numbers as train's test figures
TOP = 3


class EvaluationCancelledError(Exception):
    """``should_stop`` returned True between two chunks."""


@dataclass(frozen=True)
class Example:
    """One evaluated sample. ``index`` is its position in the split (``dataset.x_test[index]``)."""

    index: int
    true: int
    pred: int
    confidence: float  # ŷ[pred], the network's probability for its own answer
    top: tuple[tuple[int, float], ...]  # the TOP most probable classes, (class, ŷ), most probable first

    @property
    def correct(self) -> bool:
        return self.true == self.pred


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The figures of one evaluation; arrays are read-only. K classes, N samples."""

    classes: tuple[str, ...]
    split: str
    labels: np.ndarray  # int64 (N,) true classes
    probs: np.ndarray  # float64 (N, K) ŷ per sample
    loss: float

    @property
    def n(self) -> int:
        return len(self.labels)

    @cached_property
    def predicted(self) -> np.ndarray:
        return _readonly(self.probs.argmax(axis=1))

    @property
    def confidence(self) -> np.ndarray:
        return self.probs.max(axis=1)

    @property
    def accuracy(self) -> float:
        return float(np.mean(self.predicted == self.labels)) if self.n else float("nan")

    @cached_property
    def confusion(self) -> np.ndarray:
        k = len(self.classes)
        m = np.zeros((k, k), np.int64)
        np.add.at(m, (self.labels, self.predicted), 1)
        return _readonly(m)

    @property
    def support(self) -> np.ndarray:
        return self.confusion.sum(axis=1)

    @property
    def recall(self) -> np.ndarray:
        m = self.confusion
        return _ratio(np.diag(m), m.sum(axis=1))

    @property
    def precision(self) -> np.ndarray:
        m = self.confusion
        return _ratio(np.diag(m), m.sum(axis=0))

    def cell(self, true: int, pred: int) -> list[int]:
        """Indices (into the split) of the samples of true class ``true`` predicted as ``pred``."""
        return np.flatnonzero((self.labels == true) & (self.predicted == pred)).tolist()

    def example(self, index: int, top: int = TOP) -> Example:
        p = self.probs[index]
        order = np.argsort(-p, kind="stable")[:top]
        return Example(int(index), int(self.labels[index]), int(order[0]), float(p[order[0]]),
                       tuple((int(c), float(p[c])) for c in order))

    def examples(self, indices=None, top: int = TOP) -> list[Example]:
        """Examples for ``indices`` (default all), in the order given."""
        indices = range(self.n) if indices is None else indices
        return [self.example(int(i), top) for i in indices]

    def mistakes(self, most_confident_first: bool = True) -> list[Example]:
        """The wrong answers, sorted by confidence (ties by index): the surest mistakes first."""
        wrong = np.flatnonzero(self.predicted != self.labels)
        conf = self.confidence[wrong]
        order = np.lexsort((wrong, -conf if most_confident_first else conf))
        return self.examples(wrong[order])

    def to_dict(self, mistakes: int | None = None) -> dict:
        """The CLI's JSON: ``test_accuracy``, ``test_loss``, ``per_class``, ``confusion_matrix``
        (rows: true, columns: predicted) and the ``mistakes`` (the first ``mistakes`` of them,
        all if None). Undefined precision or recall (no such prediction or sample) is null."""
        per_class = [{"label": k, "class": name, "precision": _num(self.precision[k]),
                      "recall": _num(self.recall[k]), "support": int(self.support[k]),
                      "predicted": int(self.confusion[:, k].sum())}
                     for k, name in enumerate(self.classes)]
        wrong = self.mistakes()[:mistakes]
        return {
            "split": self.split, "n": self.n, f"{self.split}_accuracy": _num(self.accuracy),
            f"{self.split}_loss": _num(self.loss), "classes": list(self.classes), "per_class": per_class,
            "confusion_matrix": self.confusion.tolist(), "n_mistakes": int((self.predicted != self.labels).sum()),
            "mistakes": [{"index": e.index, "true": self.classes[e.true], "predicted": self.classes[e.pred],
                          "confidence": round(e.confidence, 6),
                          "top": [[self.classes[c], round(p, 6)] for c, p in e.top]} for e in wrong],
        }


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(len(num), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _num(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def evaluate(net, dataset, split: str = "test", *, chunk: int = CHUNK,
             progress: Callable[[int, int], None] | None = None,
             should_stop: Callable[[], bool] | None = None) -> Evaluation:
    """Evaluate ``net`` (a core.network.Network with its weights) on ``dataset``'s test (or train) split.

    ``progress(done, total)`` is called after each chunk of ``chunk`` samples; ``should_stop()`` is
    polled before each and raises EvaluationCancelledError when it returns True (for a worker thread).
    Raises DataError if the dataset's classes do not fit the network's outputs, ShapeError if its
    images do not fit the network's input.
    """
    x = dataset.x_test if split == "test" else dataset.x_train
    y = dataset.y_test if split == "test" else dataset.y_train
    name = getattr(dataset, "name", "dataset")
    if len(y) and int(y.max()) >= net.n_classes:
        raise DataError(f"dataset {name}: has {len(dataset.classes)} classes, the network "
                        f"{net.spec.name!r} outputs {net.n_classes} scores")
    net.check_input(x[:1], f"dataset {name}")
    chunk = max(1, int(chunk))
    logits = []
    for start in range(0, len(x), chunk):
        if should_stop is not None and should_stop():
            raise EvaluationCancelledError(f"stopped after {start} of {len(x)} samples")
        logits.append(net.predict(x[start:start + chunk], batch_size=chunk))
        if progress is not None:
            progress(min(start + chunk, len(x)), len(x))
    z = np.concatenate(logits) if logits else np.zeros((0, net.n_classes), net.dtype)
    labels = np.asarray(y, dtype=np.int64)
    loss, probs = cross_entropy(z.astype(np.float64), labels) if len(z) else (float("nan"), z.astype(np.float64))
    # the dataset's names say what the labels are (fashion-mnist's 'Sneaker', not '7')
    classes = tuple(dataset.classes) if len(dataset.classes) == net.n_classes else tuple(net.classes)
    return Evaluation(classes, split, _readonly(labels.copy()), _readonly(probs), float(loss))
