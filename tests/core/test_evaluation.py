"""Evaluation on the test split: hand-computed figures, the same split and numbers as train's,
chunks with progress and cancel, and the ``evaluate`` command's JSON and exit codes."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from core.datasets import Dataset, load_dataset
from core.evaluation import EvaluationCancelledError, evaluate
from core.io import load_weights, save_weights
from core.network import Network
from core.spec import load_spec
from core.stepper import Stepper
from tests.conftest import LECTURE
from tests.core.test_cli import assert_bad_input, cli


class FixedNet:
    """A stand-in network whose logits are given: sample n's logits are ``table[n]``."""

    def __init__(self, table):
        self.table = np.asarray(table, np.float32)
        self.n_classes = self.table.shape[1]
        self.classes = tuple(str(k) for k in range(self.n_classes))
        self.dtype = np.dtype(np.float32)
        self.spec = SimpleNamespace(name="fixed")
        self.calls = []

    def check_input(self, x, what="input"):
        return x

    def predict(self, x, batch_size=500):
        idx = np.rint(x[:, 0, 0, 0] * 255).astype(int)  # each image carries its index in pixel (0, 0)
        self.calls.append(len(x))
        return self.table[idx]


def indexed_dataset(labels, classes=("a", "b", "c")):
    n = len(labels)
    x = np.zeros((n, 1, 2, 2), np.float32)
    x[:, 0, 0, 0] = np.arange(n) / 255
    return Dataset("hand", np.zeros((1, 1, 2, 2), np.float32), np.zeros(1, np.int64),
                   x, np.asarray(labels, np.int64), classes, "test")


def hand_case():
    # true:      a  a  a  b  b  c   (nobody is predicted c)
    # predicted: a  a  b  b  a  a
    labels = [0, 0, 0, 1, 1, 2]
    logits = [[5, 0, 0], [3, 1, 0], [0, 2, 0], [0, 4, 1], [2, 1, 0], [1.0, 0.5, 0.9]]
    return FixedNet(logits), labels


def test_hand_computed_confusion_precision_recall():
    net, labels = hand_case()
    ev = evaluate(net, indexed_dataset(labels))
    np.testing.assert_array_equal(ev.confusion, [[2, 1, 0], [1, 1, 0], [1, 0, 0]])
    assert ev.confusion.sum() == ev.n == 6
    assert ev.accuracy == pytest.approx(3 / 6)
    np.testing.assert_allclose(ev.recall, [2 / 3, 1 / 2, 0])
    np.testing.assert_allclose(ev.precision[:2], [2 / 4, 1 / 2])
    assert np.isnan(ev.precision[2])  # never predicted: undefined, not 0
    np.testing.assert_array_equal(ev.support, [3, 2, 1])
    assert ev.cell(0, 1) == [2] and ev.cell(2, 0) == [5] and ev.cell(2, 2) == []
    assert ev.classes == ("a", "b", "c")  # the dataset's names
    d = ev.to_dict()
    assert d["test_accuracy"] == 0.5
    assert d["per_class"][2] == {"label": 2, "class": "c", "precision": None, "recall": 0.0, "support": 1,
                                 "predicted": 0}
    assert d["confusion_matrix"] == [[2, 1, 0], [1, 1, 0], [1, 0, 0]]
    json.dumps(d, allow_nan=False)  # strict JSON: no NaN


def test_mistakes_are_sorted_by_confidence_with_their_top_3():
    net, labels = hand_case()
    ev = evaluate(net, indexed_dataset(labels))
    wrong = ev.mistakes()
    # ŷ[pred]: [0,2,0] → e²/(e²+2) = 0.787; [2,1,0] → e²/(e²+e+1) = 0.665; [1,.5,.9] → 0.398
    assert [e.index for e in wrong] == [2, 4, 5]
    conf = [e.confidence for e in wrong]
    assert conf == sorted(conf, reverse=True)
    for e in wrong:
        p = ev.probs[e.index]
        assert e.pred == int(np.argmax(p)) != e.true
        assert [c for c, _ in e.top] == list(np.argsort(-p)[:3])
        assert e.top[0] == (e.pred, pytest.approx(e.confidence))
    assert [e.confidence for e in wrong] == pytest.approx([0.787, 0.665, 0.398], abs=1e-3)
    assert [e.index for e in ev.mistakes(most_confident_first=False)] == [5, 4, 2]


def test_chunks_report_progress_and_stop_when_asked():
    net, labels = hand_case()
    data = indexed_dataset(labels)
    seen = []
    evaluate(net, data, chunk=4, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(4, 6), (6, 6)] and net.calls == [4, 2]
    polls = []

    def stop():
        polls.append(1)
        return len(polls) > 1

    with pytest.raises(EvaluationCancelledError, match="after 4 of 6"):
        evaluate(net, data, chunk=4, should_stop=stop)


def test_a_dataset_with_more_classes_than_outputs_is_refused():
    net, _ = hand_case()
    data = indexed_dataset([0, 3], classes=("a", "b", "c", "d"))
    with pytest.raises(Exception, match="4 classes.*3 scores"):
        evaluate(net, data)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The lecture network after one epoch on MNIST-5k (as ``train --epochs 1``), its weights file."""
    data = load_dataset("mnist-5k")
    net = Network(load_spec(LECTURE))
    st = Stepper(net, data, batch_size=16, seed=0)
    st.step_epoch()
    path = tmp_path_factory.mktemp("w") / "w.npz"
    save_weights(net, path)
    return net, data, st, path


def test_the_test_split_and_figures_are_trains(trained):
    net, data, st, _ = trained
    ev = evaluate(net, data)
    assert ev.n == data.n_test == 1000
    assert ev.confusion.sum() == data.n_test
    np.testing.assert_array_equal(ev.confusion.sum(axis=1), np.bincount(data.y_test, minlength=10))
    loss, acc = st.evaluate()
    assert ev.accuracy == acc and ev.loss == loss
    rec = st.history.epochs[-1]
    assert (ev.accuracy, ev.loss) == (rec["test_acc"], rec["test_loss"])


def test_evaluate_json_matches_in_process_and_trains_report(trained, tmp_path):
    net, data, _, path = trained
    result = cli("evaluate", LECTURE, "--weights", path, "--json")
    assert result.returncode == 0, result.stderr
    last = json.loads(result.stdout.strip().splitlines()[-1])
    ev = evaluate(net, data)
    assert last["confusion_matrix"] == ev.confusion.tolist()
    assert sum(map(sum, last["confusion_matrix"])) == data.n_test
    assert last["test_accuracy"] == ev.accuracy
    assert [c["recall"] for c in last["per_class"]] == pytest.approx(list(ev.recall))
    assert [c["support"] for c in last["per_class"]] == [100] * 10
    assert last["n_mistakes"] == len(last["mistakes"]) == int(data.n_test - np.trace(ev.confusion))
    assert "evaluating" in result.stderr  # progress goes to stderr
    # the same numbers that train --json reports for the same run
    w2 = tmp_path / "w2.npz"
    tr = cli("train", LECTURE, "--epochs", 1, "--save", w2, "--json")
    assert tr.returncode == 0, tr.stderr
    reported = json.loads(tr.stdout.strip().splitlines()[-1])
    again = json.loads(cli("evaluate", LECTURE, "--weights", w2, "--json").stdout.strip().splitlines()[-1])
    assert again["test_accuracy"] == reported["test_accuracy"]
    assert again["test_loss"] == pytest.approx(reported["test_loss"], rel=1e-12)


def test_evaluate_text_output(trained):
    _, _, _, path = trained
    result = cli("evaluate", LECTURE, "--weights", path)
    assert result.returncode == 0, result.stderr
    assert "confusion matrix (rows: true class, columns: predicted)" in result.stdout
    assert "precision" in result.stdout and "most confident" in result.stdout


def test_evaluate_bad_input_exits_2_naming_it(trained, tmp_path):
    net, _, _, path = trained
    assert_bad_input(cli("evaluate", LECTURE, "--weights", tmp_path / "none.npz"), "none.npz", "no such file")
    assert_bad_input(cli("evaluate", LECTURE, "--weights", path, "--dataset", "nosuch"), "nosuch")
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, **{k: v for k, v in net.flat_params().items() if k != "fc2.bias"})
    assert_bad_input(cli("evaluate", LECTURE, "--weights", wrong), "wrong.npz", "fc2.bias")
    assert_bad_input(cli("evaluate", LECTURE), "--weights")
    other = tmp_path / "rgb.npz"
    np.savez(other, x_train=np.zeros((4, 32, 32, 3), np.uint8), y_train=np.arange(4) % 2,
             x_test=np.zeros((2, 32, 32, 3), np.uint8), y_test=np.arange(2))
    assert_bad_input(cli("evaluate", LECTURE, "--weights", path, "--dataset", other), "dataset", "(1, 28, 28)")


def test_weights_loaded_back_give_the_same_evaluation(trained):
    net, data, _, path = trained
    fresh = Network(load_spec(LECTURE), seed=7)
    load_weights(fresh, path)
    np.testing.assert_array_equal(evaluate(fresh, data).confusion, evaluate(net, data).confusion)
