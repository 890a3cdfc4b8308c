"""The playground's server: sessions, caps, malformed messages, closed tabs, many clients."""

import asyncio
import base64
import json
import subprocess
import sys
import threading
import time
from xml.etree import ElementTree

import numpy as np
import pytest
from starlette.testclient import TestClient

import neuronlab as nl
from neuronlab.playground import session as ps
from neuronlab.playground.server import MAX_MESSAGE_BYTES, create_app


def receive(ws, kind=None, limit=200):
    for _ in range(limit):
        message = json.loads(ws.receive_text())
        if kind is None or message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message")


@pytest.fixture
def client():
    with TestClient(create_app()) as c:
        yield c


def test_first_frame_and_training(client):
    with client.websocket_connect("/ws") as ws:
        first = receive(ws, "frame")
        assert first["step"] == 0 and first["status"] == "paused" and len(first["grid"]) == ps.GRID_1D
        assert len(first["hidden"]) == 8 and len(first["contributions"]) == 8 and first["target"]
        # the contributions plus the output bias are the output (linear output layer)
        total = np.sum(first["contributions"], axis=0) + first["output_bias"]
        np.testing.assert_allclose(total, first["output"], rtol=1e-12, atol=1e-12)
        ws.send_text(json.dumps({"type": "train"}))
        frames = [receive(ws, "frame") for _ in range(5)]
        assert frames[-1]["step"] > frames[0]["step"] > 0 and frames[-1]["status"] == "training"
        ws.send_text(json.dumps({"type": "pause"}))
        for _ in range(50):
            if receive(ws, "frame")["status"] == "paused":
                break
        ws.send_text(json.dumps({"type": "step"}))
        stepped = receive(ws, "frame")
        assert stepped["status"] == "paused"


@pytest.mark.parametrize("text, message", [
    ("not json", "not JSON"),
    ("[1, 2]", "must be a JSON object"),
    ('{"type": "fly"}', "unknown message type"),
    ('{"type": "config", "config": {"layers": [8, 8, 8, 8, 8, 8, 8, 8, 8]}}', "at most 8 hidden layers"),
    ('{"type": "config", "config": {"layers": [1000]}}', "between 1 and 64"),
    ('{"type": "config", "config": {"points": 1e9}}', "between 2 and 2000"),
    ('{"type": "config", "config": {"expr": "sin(3*x"}}', "never closed"),
    ('{"type": "config", "config": {"expr": "__import__(1)"}}', "not a known function"),
    ('{"type": "config", "config": {"lr": "fast"}}', "lr must be a number"),
    ('{"type": "config", "config": {"hack": 1}}', "unknown setting"),
    ('{"type": "config", "config": {"activation": "evil"}}', "activation must be one of"),
    ('{"type": "edit", "layer": 7, "neuron": 0, "weights": [1], "bias": 0}', "no such layer"),
    ('{"type": "edit", "layer": 0, "neuron": 0, "weights": [1e300], "bias": 0}', "within"),
    ('{"type": "approximate", "expr": "step(x)", "domain": [-1, 1], "eps": 0.1}', "continuous"),
    ('{"type": "export", "what": "pdf"}', "export what"),
])
def test_malformed_messages_get_an_error_and_change_nothing(client, text, message):
    with client.websocket_connect("/ws") as ws:
        before = receive(ws, "frame")
        ws.send_text(text)
        error = receive(ws)
        assert error["type"] == "error" and message in error["message"]
        ws.send_text(json.dumps({"type": "step"}))  # the session still works, unchanged
        after = receive(ws, "frame")
        assert after["sizes"] == before["sizes"] and after["step"] == 1


def test_oversized_message_is_refused(client):
    with client.websocket_connect("/ws") as ws:
        receive(ws, "frame")
        ws.send_text(json.dumps({"type": "config", "config": {"csv": "x" * (MAX_MESSAGE_BYTES + 10)}}))
        assert "message too large" in receive(ws, "error")["message"]
        ws.send_text(json.dumps({"type": "config", "config": {"csv": "a,b\n" + "1,2\n" * 50_500}}))
        assert "at most 200 kB" in receive(ws, "error")["message"]


def test_a_diverging_run_stops_with_a_message_and_keeps_finite_weights(client):
    with client.websocket_connect("/ws") as ws:
        receive(ws, "frame")
        ws.send_text(json.dumps({"type": "config", "config": {"optimizer": "sgd", "lr": 10, "activation": "relu",
                                                              "expr": "100*x", "batch": 200}}))
        receive(ws, "frame")
        ws.send_text(json.dumps({"type": "train"}))
        for _ in range(200):
            frame = receive(ws, "frame")
            if frame["status"] == "stopped":
                break
        assert frame["status"] == "stopped" and "learning rate" in frame["message"]
        assert "best weights seen" in frame["message"]
        assert np.all(np.isfinite(np.concatenate([np.ravel(w) for w in frame["weights"]], dtype=float)))
        assert np.all(np.abs(frame["output"]) < 1e3)  # the best weights, not the last finite ones (-2e154 before)


def test_adam_stuck_at_a_huge_learning_rate_gets_a_hint():
    session = ps.Session()
    session.configure({"optimizer": "adam", "lr": 10})
    for _ in range(ps.STUCK_RECORDS + 5):
        session.train_for_steps(100)
    assert session.status != "stopped" and "saturation" in session.message and "0.01" in session.message
    calm = ps.Session()  # a sensible rate gets no such hint
    for _ in range(ps.STUCK_RECORDS + 5):
        calm.train_for_steps(100)
    assert calm.message == ""


def test_datasets_features_and_classification_frames(client):
    with client.websocket_connect("/ws") as ws:
        receive(ws, "frame")
        ws.send_text(json.dumps({"type": "config", "config": {
            "mode": "dataset", "dataset": "three gaussians", "features": ["x1", "x2", "x1*x2"], "layers": [6]}}))
        frame = receive(ws, "frame")
        assert frame["task"] == "classification" and frame["classes"] == ["0", "1", "2"]
        assert len(frame["heat"]) == ps.GRID_2D**2 and len(frame["hidden_heat"]) == 6
        assert frame["sizes"] == [3, 6, 3] and "confusion" in frame["metrics"]
        assert len(frame["test_mask"]) == len(frame["points"])
        # along x2 = 0 the weighted hidden shares plus the bias are class 0's score (three classes)
        assert len(frame["slice_contributions"]) == 6 and frame["slice_label"] == "score of class 0"


def test_approximate_adopt_explain_and_export(client, tmp_path):
    with client.websocket_connect("/ws") as ws:
        receive(ws, "frame")
        ws.send_text(json.dumps({"type": "approximate", "expr": "sin(3*x)", "domain": [-1, 1], "eps": 0.05,
                                 "activation": "relu"}))
        approx = receive(ws, "approximation")
        assert approx["sup_error"] <= 0.05 and approx["neurons"] == len(approx["thresholds"])
        np.testing.assert_allclose(approx["cumulative"][-1], approx["output"], rtol=1e-9, atol=1e-9)
        ws.send_text(json.dumps({"type": "adopt"}))
        adopted = receive(ws, "frame")
        assert adopted["sizes"] == [1, approx["neurons"], 1]
        assert np.max(np.abs(np.array(adopted["output"]) - np.sin(3 * np.array(adopted["grid"])))) <= 0.05
        ws.send_text(json.dumps({"type": "explain", "x": [0.3], "y": [0.5]}))
        explanation = receive(ws, "explanation")
        assert all(abs(c["backprop"] - c["central_difference"]) < 1e-6 for c in explanation["checks"])
        exports = {}
        for what in ("model", "svg", "excalidraw", "python"):
            ws.send_text(json.dumps({"type": "export", "what": what}))
            exports[what] = receive(ws, "export")
    # each export is what it says: the adopted network as a model file, a diagram, a replaying script
    path = tmp_path / exports["model"]["filename"]
    path.write_bytes(base64.b64decode(exports["model"]["base64"]))
    model = nl.load(path)
    assert model.sizes == adopted["sizes"]
    np.testing.assert_allclose(model.predict(np.array(adopted["grid"]))[:, 0], adopted["output"], atol=1e-12)
    svg = ElementTree.fromstring(exports["svg"]["text"])
    circles = svg.findall(".//{http://www.w3.org/2000/svg}circle")
    assert exports["svg"]["filename"].endswith(".svg") and len(circles) >= 3
    drawing = json.loads(exports["excalidraw"]["text"])
    assert drawing["type"] == "excalidraw" and any(e["type"] == "arrow" for e in drawing["elements"])
    script = tmp_path / exports["python"]["filename"]
    script.write_text(exports["python"]["text"])
    assert "nl.approximate('sin(3*x)', domain=(-1.0, 1.0), eps=0.05" in script.read_text()
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.startswith("train loss "), result.stderr


def test_an_internal_error_while_training_is_shown_not_swallowed(client, monkeypatch):
    """A RuntimeError inside training used to pause the tab silently, as if the socket had closed."""
    def broken(self, seconds):
        raise RuntimeError("some internal failure")

    monkeypatch.setattr(ps.Session, "train_for", broken)
    with client.websocket_connect("/ws") as ws:
        receive(ws, "frame")
        ws.send_text(json.dumps({"type": "train"}))
        for _ in range(20):
            frame = receive(ws, "frame")
            if frame["status"] != "training":
                break
        assert frame["status"] == "stopped"
        assert "internal error (RuntimeError)" in frame["message"] and "some internal" not in frame["message"]


def test_closing_a_tab_mid_training_frees_its_session(client):
    app = client.app
    with client.websocket_connect("/ws") as ws:
        receive(ws, "frame")
        ws.send_text(json.dumps({"type": "train"}))
        receive(ws, "frame")
        assert len(app.state.connections) == 1
    for _ in range(100):
        if not app.state.connections:
            break
        time.sleep(0.02)
    assert not app.state.connections
    with client.websocket_connect("/ws") as ws:  # the server carries on
        assert receive(ws, "frame")["step"] == 0


def test_twenty_concurrent_clients_stay_responsive(live_server):
    import httpx2 as httpx
    import websockets

    url = live_server.replace("http", "ws") + "/ws"

    async def one_client(index):
        async with websockets.connect(url, max_size=2**24) as ws:
            json.loads(await ws.recv())
            await ws.send(json.dumps({"type": "config", "config": {"seed": index, "layers": [4 + index % 5]}}))
            await ws.send(json.dumps({"type": "train"}))
            steps, started = [], time.perf_counter()
            while time.perf_counter() - started < 3.0:
                message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                if message["type"] == "frame":
                    steps.append(message["step"])
            return steps

    async def main():
        tasks = [asyncio.create_task(one_client(i)) for i in range(20)]
        await asyncio.sleep(1.5)
        started = time.perf_counter()
        async with httpx.AsyncClient() as http:
            page = await http.get(live_server + "/", timeout=10)
        latency = time.perf_counter() - started
        return await asyncio.gather(*tasks), page.status_code, latency

    # a thread of its own: the browser tests' playwright keeps an event loop running in this one
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(result=asyncio.run(main())))
    worker.start()
    worker.join(timeout=60)
    results, status, latency = outcome["result"]
    assert status == 200 and latency < 2.0  # the page still loads while 20 tabs train
    for steps in results:
        assert len(steps) >= 5 and steps[-1] > 0 and steps == sorted(steps)


def test_lesson_facts_and_explain_on_the_current_data(client):
    from neuronlab import lesson

    with client.websocket_connect("/ws") as ws:
        receive(ws, "frame")
        ws.send_text(json.dumps({"type": "lesson"}))
        facts = receive(ws, "lesson")
        assert facts["neurons_needed"] == lesson.neurons_needed()
        assert facts["descent"]["critical_lr"] == pytest.approx(lesson.critical_learning_rate())
        assert facts["descent"]["target"] == lesson.descent_target().tolist()
        # after a 2-D set, explain without x and y takes the first training point; no lr: one that lowers the loss
        ws.send_text(json.dumps({"type": "config", "config": {"mode": "dataset", "dataset": "xor"}}))
        receive(ws, "frame")
        ws.send_text(json.dumps({"type": "explain"}))
        explanation = receive(ws, "explanation")
        assert len(explanation["x"]) == 2 and explanation["lr_auto"] and explanation["new_loss"] < explanation["loss"]
        ws.send_text(json.dumps({"type": "explain", "lr": "fast"}))
        assert "could not convert" in receive(ws, "error")["message"]  # a bad rate: an error, the session goes on


def test_binary_frames_carry_the_same_numbers_as_json_frames():
    session = ps.Session()
    session.configure({"mode": "dataset", "dataset": "xor", "layers": [8, 4], "points": 100})
    session.train_for_steps(5)
    plain = session.frame(full=True)
    message = session.frame_bytes(full=True)
    decoded = ps.decode_frame(message)
    assert len(message) < len(json.dumps(plain)) / 2  # float32 numbers instead of decimal text
    for key in ("heat", "hidden_heat", "slice_contributions", "points", "predicted"):
        np.testing.assert_allclose(decoded[key], plain[key], rtol=1e-6, atol=1e-6)
    for got, want in zip(decoded["weights"], plain["weights"]):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    assert decoded["sizes"] == plain["sizes"] and decoded["config"] == plain["config"]
    assert decoded["test_mask"] == plain["test_mask"] and decoded["history"] == plain["history"]


def test_the_page_gets_binary_frames_when_it_asks(client):
    with client.websocket_connect("/ws?frames=binary") as ws:
        first = ps.decode_frame(ws.receive_bytes())
        assert first["type"] == "frame" and first["grid"].dtype == np.float32 and len(first["grid"]) == ps.GRID_1D
        np.testing.assert_allclose(np.sum(first["contributions"], axis=0) + first["output_bias"], first["output"],
                                   atol=1e-5)
        ws.send_text(json.dumps({"type": "nonsense"}))
        assert json.loads(ws.receive_text())["type"] == "error"  # errors stay JSON


def test_metrics_are_measured_a_few_times_a_second_while_training():
    session = ps.Session()
    session.status = "training"
    calls = []
    original = session._metrics
    session._metrics = lambda *a: calls.append(1) or original(*a)
    for _ in range(20):
        session.frame()
    assert 1 <= len(calls) <= 2  # not on every frame (20 frames take far less than 2 x 0.25 s)
    before = len(calls)
    session.status = "paused"
    session.frame()
    assert len(calls) == before + 1  # a paused frame is measured at once


def test_restoring_a_layer_checks_its_shape_and_numbers(client):
    session = ps.Session()
    W = np.arange(8.0).reshape(1, 8) / 10
    session.set_layer(0, W.tolist(), [0.5] * 8)
    np.testing.assert_array_equal(session.net.layers[0].W.data, W)
    before = session.net.layers[1].W.data.copy()
    for layer, weights, bias, reason in [(1, [[1.0]], [0.0], "8 x 1 weights"), (5, [[1.0]], [0.0], "no such layer"),
                                         (1, [[float("nan")]] * 8, [0.0], "finite"), (1, [[1e9]] * 8, [0.0], "10000")]:
        with pytest.raises(ps.RequestError, match=reason):
            session.set_layer(layer, weights, bias)
    np.testing.assert_array_equal(session.net.layers[1].W.data, before)  # a refused restore changes nothing
    with client.websocket_connect("/ws") as ws:
        receive(ws, "frame")
        ws.send_text(json.dumps({"type": "restore", "layer": 0, "weights": W.tolist(), "bias": [0.5] * 8}))
        frame = receive(ws, "frame")
        np.testing.assert_allclose(frame["weights"][0], W)
        ws.send_text(json.dumps({"type": "restore", "layer": 0, "weights": [[1, 2]], "bias": [0]}))
        assert "weights" in receive(ws, "error")["message"]


def test_training_frames_send_the_drawn_neurons_and_the_whole_network_once_a_second():
    session = ps.Session()
    session.configure({"layers": [64, 64]})
    session.status = "training"
    first, second = session.frame(), session.frame()
    assert first["weights_complete"] and np.shape(first["weights"][1]) == (64, 64)
    assert not second["weights_complete"]
    assert np.shape(second["weights"][0]) == (1, ps.DRAWN_NEURONS) and np.shape(second["weights"][1]) == (64, ps.DRAWN_NEURONS)
    assert np.shape(second["weights"][2]) == (64, 1)  # the output layer whole: the superposition's weights
    np.testing.assert_array_equal(second["weights"][1], np.array(first["weights"][1])[:, :ps.DRAWN_NEURONS])
    session.status = "paused"
    assert session.frame()["weights_complete"]  # a paused frame is whole
