"""#14, sessions: load_session validates the whole file (naming the field) and validate_against
what needs the dataset; a bad session never reaches the stepper."""

import shutil

import numpy as np
import pytest

from core.datasets import load_dataset
from core.network import Network
from core.session import SessionError, load_session, restore, save_session, validate_against
from core.spec import load_spec
from core.stepper import Stepper
from tests.fixtures.bad_sessions import BAD_SESSIONS, rewrite


@pytest.fixture(scope="module")
def good_session(tmp_path_factory):
    from tests.conftest import LECTURE

    data = load_dataset("mnist-5k")
    st = Stepper(Network(load_spec(LECTURE), seed=1), data, batch_size=8, optimizer="momentum", seed=1)
    st.run(3)
    path = tmp_path_factory.mktemp("good") / "good.bstep"
    save_session(path, st, st.net.spec, "mnist-5k", {"focus": 2, "watches": ["mean(x)"], "breakpoints": []})
    return path


def _open(path):
    """What a window does: load, then everything that needs the dataset, before replacing anything."""
    s = load_session(path)
    data = load_dataset(s.dataset)
    validate_against(s, data)
    st = Stepper(Network(s.spec, dtype=np.dtype(s.dtype)), data)
    restore(s, st)
    return st


def test_the_good_session_opens(good_session):
    st = _open(good_session)
    assert st.iteration == 3 and st.optimizer.name == "momentum"


@pytest.mark.parametrize("name,mutate,field", BAD_SESSIONS, ids=[b[0] for b in BAD_SESSIONS])
def test_each_bad_session_is_refused_naming_the_field(good_session, tmp_path, name, mutate, field):
    path = rewrite(shutil.copy(good_session, tmp_path / "bad.bstep"), mutate, tmp_path)
    with pytest.raises(Exception) as info:
        _open(path)
    from core.errors import BackstepError

    assert isinstance(info.value, BackstepError), repr(info.value)
    message = str(info.value)
    assert "\n" not in message and field in message, message
    assert str(path) in message or "data.fifo" in message, message


def test_adam_state_round_trips_and_a_stray_buffer_is_refused(tmp_path):
    from tests.conftest import LECTURE, tiny_dataset

    data = tiny_dataset()
    st = Stepper(Network(load_spec(LECTURE)), data, batch_size=8, optimizer="adam")
    st.run(2)
    path = tmp_path / "adam.bstep"
    save_session(path, st, st.net.spec, "x", {})
    s = load_session(path)
    assert s.state["optimizer"]["name"] == "adam" and "state.fc1.weight.m" in s.state["optimizer"]["state"]

    def stray(meta, arrays, tmp):
        arrays["opt.state.fc9.weight.m"] = np.zeros(3, np.float32)

    rewrite(path, stray, tmp_path)
    with pytest.raises(SessionError, match="opt.state.fc9.weight.m"):
        load_session(path)
