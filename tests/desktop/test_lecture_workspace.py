"""The Lecture workspace walked the way a learner does it: Space through every step of every chapter on
the lecture network, each number shown checked against the engine's arrays."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.lecture.convolution import KERNELS, engine_cross_correlation, true_convolution
from core.workspace import Workspace
from desktop.bridge import EngineBridge
from desktop.lecture import LectureWorkspace
from desktop.lecture.dense_figure import EXAMPLE_W, EXAMPLE_X
from desktop.math_view import render_errors
from desktop.panels import configure_pyqtgraph
from plugins.conv2d import Conv2D

BATCH = 6
FOCUS = 2


@pytest.fixture
def lecture(qtbot):
    configure_pyqtgraph()
    ws = Workspace(batch_size=BATCH)
    ws.set_focus(FOCUS)
    bridge = EngineBridge(ws)
    w = LectureWorkspace(ws, bridge)
    qtbot.addWidget(w)
    w.resize(1240, 640)
    w.show()
    qtbot.waitExposed(w)
    return w


def close(a, b, rel=2e-5):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    np.testing.assert_allclose(a, b, atol=rel * max(np.abs(b).max(initial=0), 1e-30))


def own(view, key):
    """The focused sample's own value (N × the batch-mean loss's gradient for errors)."""
    return view.sample_value(key, view.focus)


def check_table_lookup(d, view, plan, frame):
    assert d["pixels"] == 784 and d["count"][1] == 1888 and d["lecture"][1] == 130
    assert round(d["lecture"][0], 1) == 1.1 and 1e23 < d["humans"] < 1e24


def check_convolution(d, view, plan, frame, fig=None):
    img = np.asarray(view.x[view.focus][0], np.float64)
    close(d["image"], img)
    close(d["cross_correlation"], engine_cross_correlation(Conv2D, img, d["kernel"], d["padding"]))
    close(d["true_convolution"], true_convolution(img, d["kernel"], d["padding"]))
    which, i, j = d["clicked"]
    assert d["value"] == pytest.approx(d["cross_correlation" if which == "corr" else "true_convolution"][i, j])


def check_dense_example(d, view, plan, frame):
    close(d["z"], EXAMPLE_W @ EXAMPLE_X)


def check_dense_real(d, view, plan, frame):
    close(d["z"], view.arrays["fc1.out"][view.focus])
    close(d["input"], view.arrays["flat.out"][view.focus])
    assert d["sum"] == pytest.approx(float(d["z"][d["unit"]]), abs=1e-5)


def check_pooling(d, view, plan, frame):
    c = 0
    close(d["input"], view.arrays["sig1.out"][view.focus][c])
    close(d["output"], view.arrays["pool1.out"][view.focus][c])
    assert d["max"] == pytest.approx(d["output"][d["cell"]])


def check_sigmoid(d, view, plan, frame):
    close(d["z"], np.ravel(view.arrays["conv1.out"]))
    close(d["a"], np.ravel(view.arrays["sig1.out"]))
    close(d["a"], 1 / (1 + np.exp(-d["z"])), rel=1e-6)


def check_forward(d, view, plan, frame):
    s = view.focus
    names = {sym.unicode: name for name, sym in view.output_symbols.items()}
    for title, a in d.items():
        if title == "x":
            close(a, view.x[s])
        elif title == "ŷ":
            close(a, view.arrays["probs"][s])
        else:  # (a⁽²⁾ names pool2's maps and flat's vector: the same values)
            close(np.ravel(a), np.ravel(view.arrays[f"{names[title]}.out"][s]))
    assert len(d) >= 3


def check_table(d, view, plan, frame):
    assert len(d["rows"]) == (10 if plan.step.figure == "architecture" else 9)


def check_softmax_example(d, view, plan, frame):
    close(d["dl_dz"], [-0.5, 0, 0.1, 0.2, 0.1])
    close(d["dl_dz_chain"], d["dl_dz"])


def check_softmax_sample(d, view, plan, frame):
    y = np.eye(10)[int(view.y[view.focus])]
    close(d["yhat"], view.arrays["probs"][view.focus])
    close(d["dl_dz"], d["yhat"] - y)
    close(d["engine"], d["dl_dz"], rel=1e-5)


def check_backward(d, view, plan, frame):
    sk = plan.kind
    key = sk.quantity.key
    engine = (view.sample_param_grads(plan.layer, view.focus)["weight"] if key.endswith(".weight.grad")
              else own(view, key))
    close(d["result"], engine)
    close(d["product"], engine)  # the boxed factors, multiplied out, are the step's quantity
    for got, want in zip(d["partial_products"], d["partials"]):
        close(np.ravel(got), np.ravel(want))
    boxed = d["boxed"]
    assert (boxed is None) == (frame == 0 or frame > len(d["factors"]) or len(d["factors"]) == 1)
    if boxed is not None:
        assert d["latex"].count(r"\boxed") == 1
    if "update_new" in d:
        grad = view.arrays[f"{plan.layer}.weight.grad"]
        close(d["update_grad"], grad)
        close(d["update_new"], np.asarray(d["update_old"]) - view.lr * np.asarray(grad, np.float64))


def check_summary(d, view, plan, frame):
    assert d["nodes"] and d["weights"]
    for ns in d["nodes"]:
        assert ns.value == pytest.approx(ns.engine, rel=1e-4, abs=1e-9)
    for _name, _idx, total, engine in d["weights"]:
        assert total == pytest.approx(engine, rel=1e-4, abs=1e-9)


def check_pooling_back(d, view, plan, frame):
    close(d["grad_out"], own(view, "pool1.grad_out")[0])
    close(d["grad_in"], own(view, "pool1.grad_in")[0])
    i, j = d["cell"]
    assert d["routed"] == pytest.approx(d["grad_out"][i, j])
    win = np.array(d["window_grad"])
    assert np.count_nonzero(win) <= 1 and win.sum() == pytest.approx(d["grad_out"][i, j])


def check_batch(d, view, plan, frame):
    grad = view.arrays[f"{plan.layer}.weight.grad"]
    close(d["engine_mean"], grad)
    close(d["mean"], grad, rel=1e-5)  # "average the gradient across the batch" is the update's gradient
    assert d["per_sample"].shape[0] == BATCH
    f, c, m, n = d["entry"]
    for s, total in enumerate(d["sums"]):  # sum(x ⊙ ∂L/∂z) is that sample's own entry
        assert total == pytest.approx(d["per_sample"][s, f, c, m, n], rel=1e-4, abs=1e-9)


def check_update(d, view, plan, frame):
    layer = plan.layer
    close(d["old"], view.used_params[layer]["weight"])
    close(d["grad"], view.arrays[f"{layer}.weight.grad"])
    close(d["new"], d["old"] - view.lr * d["grad"])
    close(d["engine_new"], view.arrays[f"{layer}.weight.new"])
    close(d["engine_new"], d["new"], rel=1e-5)


CHECKS = {"table_lookup": check_table_lookup, "convolution": check_convolution, "dense_example": check_dense_example,
          "dense_real": check_dense_real, "pooling": check_pooling, "sigmoid": check_sigmoid,
          "forward": check_forward, "architecture": check_table, "nine_steps": check_table,
          "softmax_example": check_softmax_example, "softmax_sample": check_softmax_sample,
          "backward": check_backward, "summary_fc": check_summary, "summary_conv": check_summary,
          "pooling_back": check_pooling_back, "batch": check_batch, "update": check_update}


def test_space_walks_every_step_of_every_chapter_and_every_number_is_the_engines(qtbot, lecture):
    ws = lecture.workspace
    seen, frames = [], 0
    while True:
        plan = lecture.plan
        assert plan.applies, (plan.id, plan.reason)
        fig = lecture.figure()
        assert lecture.stack.currentWidget() is fig
        view = ws.view()
        assert plan.phase is None or ws.phases.index(view.phase) >= ws.phases.index(plan.phase)
        CHECKS[plan.step.figure](fig.displayed(), view, plan, lecture.frame)
        assert lecture.text.paragraphs or lecture.text.formulas
        seen.append((plan.id, lecture.frame))
        frames += 1
        before = (lecture.index, lecture.frame)
        qtbot.keyClick(lecture, Qt.Key.Key_Space)
        if (lecture.index, lecture.frame) == before:
            break
    assert [c.id for c in lecture.chapters] == ["12.1", "12.2", "12.3", "12.4", "12.5"]
    assert {s for s, _ in seen} == set(lecture.step_ids())
    assert ("step-4", 3) in seen and ("step-3", 3) in seen  # every factor boxed, and the update rule
    assert ws.view().phase == "update" and ws.stepper.iteration == 1  # one iteration, stepped phase by phase
    assert render_errors() == {}  # every formula of every step typeset
    qtbot.keyClick(lecture, Qt.Key.Key_Backspace)  # back: the same iteration, nothing runs
    assert lecture.plan.id == "batch-g2" and lecture.last_ran == []


def test_the_convolution_explorer_on_an_image_file(qtbot, lecture, tmp_path):
    from PIL import Image

    a = np.zeros((40, 60), np.uint8)
    a[:, 30:] = 255  # a vertical edge
    Image.fromarray(a).save(tmp_path / "edge.png")
    lecture.go(lecture.step_ids().index("convolution"))
    fig = lecture.figure()
    fig.set_kernel("g3")
    fig.open_image(tmp_path / "edge.png")
    d = fig.displayed()
    assert d["image"].shape == (40, 60)
    np.testing.assert_allclose(d["cross_correlation"][:, [28, 29]], 4.0)  # the windows across the edge
    assert np.abs(np.delete(d["cross_correlation"], [28, 29], axis=1)).max() == 0
    with qtbot.waitSignal(fig.sigStatus) as blocker:
        fig.open_image(tmp_path / "missing.png")
    assert "missing.png" in blocker.args[0]
    fig.digit_button.click()
    assert fig.displayed()["image"].shape == (28, 28)


def test_a_step_whose_phase_cannot_run_says_so(qtbot, lecture):
    ws = lecture.workspace
    ws.spec_ok = False  # the workspace will not step (as while a run goes or the spec does not build)
    lecture.go(lecture.step_ids().index("step-9"))
    assert lecture.stack.currentWidget() is lecture.not_applicable
    assert "backward:conv1" in lecture.not_applicable.text()
    ws.spec_ok = True
    lecture.replay()
    assert lecture.stack.currentWidget() is lecture.figure()


def test_the_convolution_explorer_kernels_and_a_kernel_into_conv1(qtbot, lecture):
    lecture.go(lecture.step_ids().index("convolution"))
    fig = lecture.figure()
    view = lecture.workspace.view()
    img = np.asarray(view.x[FOCUS][0], np.float64)
    fig.padding.setChecked(True)
    fig.set_kernel("g1")
    close(fig.displayed()["cross_correlation"], img)  # g₁: the image unchanged
    fig.padding.setChecked(False)
    fig.set_kernel("g3")
    d = fig.displayed()
    close(d["cross_correlation"], -d["true_convolution"])  # g₃ flipped: the sign flips
    fig.click("conv", 5, 7)
    d = fig.displayed()
    assert d["value"] == pytest.approx(d["true_convolution"][5, 7]) and d["other_value"] == pytest.approx(
        d["cross_correlation"][5, 7])
    close(d["weights"], np.flip(KERNELS["g3"]))
    fig.set_kernel("own", np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]]))
    assert fig.displayed()["kernel"][1, 1] == -4
    fig.filter_index.set_index(3)  # shown as "filter 4": counted from 1
    with qtbot.waitSignal(lecture.sigPutKernel) as blocker:
        fig.put_button.click()
    layer, k, kernel = blocker.args
    assert (layer, k) == ("conv1", 3) and kernel.shape == (1, 5, 5) and kernel[0, 2, 2] == -4 and kernel.sum() == 0


def test_the_k5_example_is_editable(qtbot, lecture):
    lecture.go(lecture.step_ids().index("k5"))
    fig = lecture.figure()
    close(fig.displayed()["dl_dz"], [-0.5, 0, 0.1, 0.2, 0.1])
    fig.set_example([0.2, 0.2, 0.2, 0.2, 0.2], 4)
    close(fig.displayed()["dl_dz"], [0.2, 0.2, 0.2, 0.2, -0.8])
    assert "decreases the loss" in fig.remarks.text()


def test_contents_jump_replay_and_the_sample(qtbot, lecture):
    ws = lecture.workspace
    item = lecture._items[lecture.step_ids().index("step-8")]
    lecture.contents.itemClicked.emit(item, 0)
    assert lecture.plan.id == "step-8" and ws.view().phase == "backward:sig1"
    result = np.array(lecture.figure().displayed()["result"])
    lecture.replay()  # the same batch and weights: the same numbers
    assert lecture.last_ran[0] == "forward:conv1" and lecture.last_ran[-1] == "backward:sig1"
    close(lecture.figure().displayed()["result"], result, rel=0)
    with qtbot.waitSignal(lecture.sigFocusSample):
        lecture.sample.setValue(5)
    assert ws.focus == 4 and lecture.workspace.view().focus == 4
    check_backward(lecture.figure().displayed(), ws.view(), lecture.plan, lecture.frame)


def test_another_network_greys_the_steps_that_do_not_apply(qtbot, tiny):
    from core.spec import parse_spec

    spec = parse_spec({"format": "backstep.network/1", "name": "mlp", "input": {"shape": [1, 28, 28]},
                       "layers": [{"name": "fl", "type": "flatten"},
                                  {"name": "d1", "type": "dense", "out_features": 16},
                                  {"name": "t", "type": "tanh"},
                                  {"name": "d2", "type": "dense", "out_features": 10}]})
    ws = Workspace(spec, dataset=tiny, batch_size=4)
    w = LectureWorkspace(ws, EngineBridge(ws))
    qtbot.addWidget(w)
    w.show()
    missing = dict(w.not_applicable_steps())
    assert "batch-g1" in missing and "no conv 1 layer" in missing["batch-g1"]
    assert "step-7" in missing and "summary-conv" in missing and "step-4" not in missing
    w.go(w.step_ids().index("batch-g1"))
    assert w.stack.currentWidget() is w.not_applicable and "no conv 1" in w.not_applicable.text()
    w.go(w.step_ids().index("step-4"))
    check_backward(w.figure().displayed(), ws.view(), w.plan, w.frame)


def test_numbers_in_a_map_fit_their_cells_and_layers_are_counted_from_1(qtbot, lecture):
    from PySide6.QtGui import QFontMetricsF

    from desktop.lecture.array_image import ArrayImage, cell_text

    img = ArrayImage("", "W")
    qtbot.addWidget(img)
    for s, peak in ((48.0, 3.011), (40.0, 0.726), (30.0, -12.34), (26.0, 987.0)):
        f, decimals = img._fitting_font(s, 3, -abs(peak), abs(peak))  # a signed map: "−" takes room
        assert QFontMetricsF(f).horizontalAdvance(cell_text(-abs(peak), decimals)) <= s - 3 or decimals == 0
    lecture.go(lecture.step_ids().index("update-g1"))
    fig = lecture.figure()
    assert fig.filt.value() == 1 and fig.filt.index() == 0 and fig.filt.minimum() == 1
    assert fig.displayed()["filter"] == (0, 0) and "filter 1, channel 1" in fig.old.title
