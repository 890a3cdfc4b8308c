"""The notebook widgets' Python side, through their traits: state in, state out."""

import json
import time

import numpy as np
import pytest

from conftest import _require

import neuronlab as nl

_require("anywidget", "the notebook widgets (the notebook extra)")
from neuronlab import widgets  # noqa: E402


def at(lesson, x: float) -> int:
    """Index of x on the lesson's grid (301 points on [-3, 3], 0.02 apart)."""
    return int(round((x + 3) / 0.02))


def test_lesson_exercise_by_hand():
    # step(x + 1) and step(x - 1), weighted 1.5 and -0.5: 0, then 1.5 between the thresholds, then 1.0
    lesson = widgets.Lesson(w11=1.5, w21=-0.5)
    assert len(lesson.x) == 301 and lesson.x[at(lesson, 0.0)] == 0.0
    for x, h1, h2, out in ((-2.0, 0, 0, 0.0), (0.0, 1, 0, 1.5), (2.0, 1, 1, 1.0)):
        i = at(lesson, x)
        assert (lesson.h1[i], lesson.h2[i], lesson.output[i]) == (h1, h2, out)
        assert lesson.c1[i] + lesson.c2[i] == out
    assert lesson.formula == "output = 1.5·h1 \u2212 0.5·h2"  # a real minus sign, not a hyphen
    assert lesson.answer == {}  # not revealed yet


def test_lesson_sliders_recompute_the_graphs():
    lesson = widgets.Lesson()
    assert lesson.output[at(lesson, 0.0)] == 1.0  # the default bump: w11 = 1, w21 = -1
    lesson.s1 = 0.5  # neuron 1 now switches on at 0.5: nothing at 0
    assert lesson.h1[at(lesson, 0.0)] == 0 and lesson.output[at(lesson, 0.0)] == 0.0
    assert lesson.output[at(lesson, 0.6)] == 1.0
    lesson.w21 = 0.5  # right of s2 = 1 both add: 1 + 0.5
    assert lesson.output[at(lesson, 2.0)] == 1.5
    lesson.activation, lesson.steepness = "sigmoid", 20.0
    assert lesson.h1[at(lesson, 0.5)] == 0.5  # a sigmoid is 1/2 at its threshold
    np.testing.assert_allclose(lesson.h2[at(lesson, 2.0)], 1 / (1 + np.exp(-20.0)), atol=1e-6)


def test_lesson_reveal_gives_the_exercise_answer_from_the_network():
    lesson = widgets.Lesson(w11=0.3, w21=0.3)
    lesson.revealed = True
    answer = lesson.answer
    x = np.asarray(lesson.x)
    np.testing.assert_allclose(answer["output"], nl.lesson.network(1.5, -0.5).predict(x)[:, 0], atol=1e-6)
    assert answer["text"] == nl.lesson.EXERCISE_ANSWER
    assert lesson.output[at(lesson, 0.0)] == 0.3  # the sliders' own graph is unchanged by the reveal


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("w11", 2.5, "w11 must be between -2 and 2"),
        ("s2", float("nan"), "s2 must be between -3 and 3"),
        ("steepness", 0.0, "steepness must be between 1 and 50"),
        ("activation", "relu", "'step' or 'sigmoid'"),
    ],
)
def test_lesson_refuses_values_its_sliders_cannot_have(name, value, message):
    lesson = widgets.Lesson()
    before = lesson.get_state()
    with pytest.raises(widgets.WidgetError, match=message):
        setattr(lesson, name, value)
    assert issubclass(widgets.WidgetError, ValueError)
    assert lesson.get_state() == before


def test_widgets_send_the_pages_own_drawing_code_once_per_kernel():
    from importlib import resources

    static_dir = resources.files("neuronlab.apps.playground") / "static"
    shown = [widgets.Lesson(), widgets.Lesson(w11=0.5), widgets.Approximation("x", eps=0.5)]
    shared = widgets._drawing()
    for name in ("widget-views.js", "draw.js", "pair.js"):  # pair.js: the page's Lesson tab draws with it too
        assert shared.modules[name] == (static_dir / name).read_text(encoding="utf-8")
    code = sum(len(text) for text in shared.modules.values())
    assert code > 20_000
    for widget in shown:  # each names the one shared model, and carries none of the code itself
        state = widget.get_state()
        assert state["_drawing"] == f"anywidget:{shared.model_id}" and "_modules" not in state
        assert "export function" not in json.dumps({k: v for k, v in state.items() if k != "_esm"})
    assert widgets.Lesson._esm == (static_dir / "widgets.js").read_text(encoding="utf-8")
    assert len(widgets.Lesson._esm) < 4000  # each widget's own module: a saved notebook keeps one per widget
    assert shown[0].get_state()["_view"] == "lesson"


def sine_trainer(sizes=(1, 8, 1), **options):
    x = np.linspace(-1, 1, 50)
    net = nl.mlp(list(sizes), seed=0)
    return net, widgets.Trainer(net, x, np.sin(3 * x), **options)


def test_trainer_trains_the_network_in_the_users_variable():
    net, trainer = sine_trainer(epochs=60, validation=0)  # no held-out points: no early stopping
    before = net.predict(np.linspace(-1, 1, 5)).copy()
    assert (trainer.status, trainer.epoch, trainer.epochs) == ("ready", 0, 60)
    trainer.train()
    assert trainer.net is net and not np.allclose(net.predict(np.linspace(-1, 1, 5)), before)
    assert (trainer.status, trainer.epoch) == ("done", 60)
    assert [e for e, _ in trainer.loss] == list(range(1, 61))
    assert trainer.loss[-1][1] < trainer.loss[0][1]
    grid = np.asarray(trainer.grid)
    np.testing.assert_allclose(trainer.output, net.predict(grid)[:, 0], atol=1e-5)
    # the hidden neurons' weighted curves add up, with the bias, to the (linear) output
    np.testing.assert_allclose(np.sum(trainer.parts, axis=0) + trainer.bias, trainer.output, atol=1e-4)
    assert len(trainer.parts) == trainer.neurons == 8


def test_trainer_steps_and_buttons():
    net, trainer = sine_trainer(optimizer="adam", epochs=50)
    trainer.step()
    assert trainer.epoch == 1 and trainer.status == "paused"
    trainer._message(trainer, {"action": "step"}, [])  # the step button
    trainer.step(3)
    assert trainer.epoch == 5
    trainer._message(trainer, {"action": "bogus"}, [])  # unknown actions are ignored
    trainer._message(trainer, "not a dict", [])
    assert trainer.epoch == 5


def test_trainer_start_runs_in_the_background_and_pause_stops_it():
    net, trainer = sine_trainer(optimizer="adam", epochs=200_000)
    trainer.start()
    trainer.pause()
    assert trainer.status == "paused" and 1 <= trainer.epoch < 200_000
    paused_at = trainer.epoch
    assert trainer.epoch == len(trainer.losses)
    trainer._message(trainer, {"action": "start"}, [])
    trainer._message(trainer, {"action": "pause"}, [])
    trainer.wait()
    assert trainer.status == "paused" and trainer.epoch > paused_at


def test_trainer_caps_the_curves_it_sends_and_refuses_what_it_cannot_draw():
    net, trainer = sine_trainer((1, widgets.MAX_CURVES + 6, 1), epochs=2, optimizer="adam")
    assert len(trainer.parts) == widgets.MAX_CURVES and trainer.neurons == widgets.MAX_CURVES + 6
    with pytest.raises(widgets.WidgetError, match="one-input, one-output"):
        widgets.Trainer(nl.mlp([2, 3, 1]), np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(widgets.WidgetError, match="sets fit's callback itself"):
        widgets.Trainer(nl.mlp([1, 3, 1]), np.zeros(4), np.zeros(4), callback=print)
    with pytest.raises(nl.DataError, match="must match"):
        widgets.Trainer(nl.mlp([1, 3, 1]), np.zeros(4), np.zeros(3))


def test_trainer_shows_a_diverged_run_as_its_status():
    net, trainer = sine_trainer(optimizer="sgd", lr=1e6, epochs=50)
    with pytest.raises(nl.TrainingDiverged):
        trainer.train()
    assert trainer.status.startswith("error: training diverged")
    assert all(np.isfinite(p.data).all() for p in net.parameters())


def test_approximation_neuron_by_neuron():
    shown = widgets.Approximation("sin(3*x)", (-1, 1), eps=0.05, activation="relu")
    net = shown.net
    assert shown.neurons == net.certificate.neurons and shown.shown == shown.neurons
    assert shown.within and shown.max_error <= 0.05
    x = np.asarray(shown.x)
    np.testing.assert_allclose(shown.partial, net.predict(x)[:, 0], atol=1e-5)
    shown.shown = 0
    assert set(shown.partial) == {round(float(net.layers[-1].b.data[0]), 6)} and shown.current == []
    assert not shown.within
    shown.shown = 2
    two = np.asarray(shown.partial)
    shown.shown = 3
    np.testing.assert_allclose(np.asarray(shown.partial) - two, shown.current, atol=1e-5)
    with pytest.raises(widgets.WidgetError, match="from 0 to"):
        shown.shown = shown.neurons + 1
    with pytest.raises(nl.ApproximationError):
        widgets.Approximation("sin(3*x)", (-1, 1), eps=-1)


def test_trainer_with_a_squashing_output_sends_the_sum_it_squashes():
    x = np.linspace(-1, 1, 30)
    net = nl.mlp([1, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    trainer = widgets.Trainer(net, x, (x > 0).astype(float), epochs=5)
    assert trainer.output_activation == "sigmoid"
    total = np.sum(trainer.parts, axis=0) + trainer.bias
    np.testing.assert_allclose(trainer.weighted_sum, total, atol=1e-5)
    np.testing.assert_allclose(trainer.output, 1 / (1 + np.exp(-total)), atol=1e-5)
    assert sine_trainer(epochs=1)[1].weighted_sum == []  # a linear output is the sum itself


def test_trainer_trains_the_textbook_sigmoid_output_under_binary_cross_entropy():
    """The loss takes the output neuron's weighted sum: the classes are learnt (a double squash stalled near
    ln 2 = 0.69), and the output drawn is the probability sigmoid(sum)."""
    x = np.linspace(-1, 1, 40)
    y = (np.abs(x) < 0.5).astype(float)  # a bump: needs two hidden neurons
    net = nl.mlp([1, 4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    trainer = widgets.Trainer(net, x, y, loss="binary_cross_entropy", optimizer="lbfgs", epochs=200, l2=1e-4)
    trainer.train()
    assert trainer.losses[-1] < 0.1
    probabilities = net.predict(x)[:, 0]
    assert np.all((probabilities > 0.5) == (y == 1))
    np.testing.assert_allclose(trainer.output, 1 / (1 + np.exp(-np.asarray(trainer.weighted_sum))), atol=1e-5)


def noisy_trainer(**options):
    x = np.linspace(-1, 1, 60)
    net = nl.mlp([1, 32, 1], seed=0)
    return net, widgets.Trainer(net, x, np.sin(3 * x), noise=0.4, **options)


def test_trainer_stops_early_on_its_held_out_points_and_keeps_the_best_weights():
    net, trainer = noisy_trainer(optimizer="adam", lr=0.05, epochs=3000, patience=40)
    assert sum(trainer.points["held_out"]) == 12  # 20 % of 60, the same points throughout
    trainer.train()
    best = int(np.argmin(trainer.val_losses)) + 1
    assert trainer.status == "done" and trainer.best_epoch == best
    assert trainer.epoch == best + 40 < 3000 and len(trainer.val_losses) == trainer.epoch
    assert trainer.stop_reason == (
        f"stopped early at epoch {best + 40}: the loss on the 12 held-out points has not "
        f"improved for 40 epochs since epoch {best} ({min(trainer.val_losses):.4g}); "
        f"the weights of epoch {best} are restored"
    )
    assert trainer._validation_loss() == pytest.approx(min(trainer.val_losses), rel=1e-12)  # the best weights
    assert [e for e, _ in trainer.val_loss] == [e for e, _ in trainer.loss]
    assert trainer.val_loss[-1][1] == pytest.approx(trainer.val_losses[-1], rel=1e-5)
    held = np.array(trainer.points["held_out"])  # trained on the others only
    assert trainer.histories[0].n_train == 48 and held.sum() == 12


def test_trainer_says_it_stopped_at_its_last_epoch():
    net, trainer = sine_trainer(epochs=30, validation=0)
    trainer.train()
    assert trainer.stop_reason == "stopped: reached the last of its 30 epochs" and trainer.val_loss == []
    with pytest.raises(widgets.WidgetError, match="leaves no points"):
        sine_trainer(validation=0.001)


def test_trainer_settings_learning_rate_noise_width_activation():
    net, trainer = noisy_trainer(optimizer="adam", epochs=500)
    assert (trainer.lr, trainer.uses_lr, trainer.width, trainer.activation) == (0.01, True, 32, "tanh")
    trainer.lr = 0.05
    trainer.step()
    assert trainer.histories[-1].lr == 0.05
    # noise: the same normal draws, scaled; the points sent follow
    clean = np.sin(3 * trainer.x)
    first = (np.array(trainer.points["y"]) - clean) / 0.4
    trainer.noise = 0.2
    np.testing.assert_allclose((np.array(trainer.points["y"]) - clean) / 0.2, first, atol=1e-4)
    np.testing.assert_allclose(trainer.y, clean + 0.2 * trainer._noise_draws)
    # width and activation: a new network of the same depth and seed, its training from the start
    trainer.width = 5
    assert trainer.net is not net and trainer.net.sizes == [1, 5, 1] and net.sizes == [1, 32, 1]
    assert (trainer.epoch, trainer.status, len(trainer.parts), trainer.loss) == (0, "ready", 5, [])
    trainer.activation = "relu"
    assert trainer.net.layers[0].activation.name == "relu" and trainer.net.sizes == [1, 5, 1]
    np.testing.assert_allclose(trainer.net.layers[0].W.data, nl.mlp([1, 5, 1], "relu", seed=0).layers[0].W.data)
    for name, value, message in [
        ("activation", "step", "one backprop can train"),
        ("width", 0, "from 1 to"),
        ("lr", -1.0, "lr must be between"),
        ("noise", float("nan"), "noise must be"),
    ]:
        before = trainer.get_state()
        with pytest.raises(widgets.WidgetError, match=message):
            setattr(trainer, name, value)
        assert trainer.get_state() == before
    assert "step" not in trainer.activations and "relu" in trainer.activations
    lbfgs = widgets.Trainer(nl.mlp([1, 3, 1]), np.zeros(5), np.zeros(5), optimizer="lbfgs")
    assert not lbfgs.uses_lr and "lr" not in lbfgs.fit_options
    auto = widgets.Trainer(
        nl.mlp([1, 3, 1], seed=0), x := np.linspace(-1, 1, 30), np.sin(3 * x), optimizer="auto", validation=0, epochs=5
    )
    auto.lr = 0.5  # no effect: auto keeps choosing by itself (a learning rate would make it choose Adam)
    auto.step()
    assert "lr" not in auto.fit_options and auto.histories[0].lr != 0.5


def test_trainer_reinitialises_in_place_and_speed_paces_the_epochs():
    net, trainer = sine_trainer(optimizer="adam", epochs=100)
    trainer.step(5)
    trainer._message(trainer, {"action": "reinitialise"}, [])  # the re-initialise button
    assert trainer.net is net and (trainer.epoch, trainer.status, trainer.loss) == (0, "ready", [])
    np.testing.assert_allclose(net.layers[0].W.data, nl.mlp([1, 8, 1], seed=1).layers[0].W.data)
    trainer.speed = 40  # at most 40 epochs a second: 12 epochs take at least 0.3 s
    started = time.perf_counter()
    trainer.step(12)
    assert time.perf_counter() - started >= 11 / 40 and trainer.epoch == 12
    trainer.speed = 0
    started = time.perf_counter()
    trainer.step(12)
    assert time.perf_counter() - started < 0.25


def test_trainer_takes_a_new_learning_rate_while_it_trains():
    net, trainer = sine_trainer(optimizer="adam", epochs=100_000, validation=0, speed=200)
    trainer.start()
    time.sleep(0.2)
    trainer.lr = 0.002
    time.sleep(0.2)
    trainer.pause()
    assert [h.lr for h in trainer.histories][-1] == 0.002 and trainer.histories[0].lr == 0.01
    assert trainer.epoch == sum(h.epochs for h in trainer.histories)


def test_viewers_without_a_kernel_get_a_picture_and_a_sentence():
    """GitHub and nbviewer show the PNG; a text view the sentence, never <... object at 0x...>."""
    import base64
    import io

    from PIL import Image

    x = np.linspace(-1, 1, 40)
    trainer = widgets.Trainer(nl.mlp([1, 4, 1], seed=0), x, np.sin(3 * x), epochs=20, validation=0)
    trainer.train()
    cases = [
        (widgets.Lesson(w21=0.5), "neuronlab lesson widget: output = 1.0·h1 + 0.5·h2 (step neurons"),
        (trainer, "neuronlab Trainer widget: a 1-4-1 tanh network, done at epoch 20 of 20, training loss "),
        (widgets.Approximation("x", eps=0.5), "neuronlab Approximation widget: x on [-1, 1]: "),
    ]
    for widget, text in cases:
        data, metadata = widget._repr_mimebundle_()
        assert data["text/plain"].startswith(text) and " at 0x" not in data["text/plain"]
        assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.model_id
        image = Image.open(io.BytesIO(base64.b64decode(data["image/png"]))).convert("RGB")
        assert image.size == (720, 208) and len(data["image/png"]) < 20_000
        pixels = np.asarray(image).reshape(-1, 3).astype(int)
        red = np.abs(pixels - [214, 39, 40]).max(axis=1) < 40  # the network's curve, in the page's red
        assert red.sum() > 300
    assert trainer._repr_mimebundle_()[0]["text/plain"].endswith("stopped: reached the last of its 20 epochs")


@pytest.mark.slow
def test_a_saved_notebook_carries_the_drawing_code_once_not_once_per_widget():
    """Executed as Jupyter's tools save it (nbclient keeps the widgets' state): three widgets, one copy of the
    drawing code; each widget adds only its small module (widgets.js) and its numbers."""
    nbformat = _require("nbformat", "writing notebooks")
    from notebook_runner import run

    cells = [
        "import numpy as np, neuronlab as nl",
        "nl.widgets.Lesson()",
        "nl.widgets.Lesson(w11=0.5)",
        "nl.widgets.Approximation('sin(3*x)', eps=0.1)",
    ]
    notebook = run(cells)
    state = notebook.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    text = json.dumps(state)
    shared = widgets._drawing().modules
    assert text.count(json.dumps(shared["draw.js"])[1:200]) == 1  # draw.js, once
    views = [s["state"] for s in state.values() if s["state"].get("_view") in ("lesson", "approximation")]
    assert len(views) == 3 and all(len(json.dumps(v["_esm"])) < 4000 for v in views)
    more = run(cells + ["nl.widgets.Lesson(w11=-0.5)"])  # one widget more: its numbers and its small module only
    added = len(nbformat.writes(more).encode()) - len(nbformat.writes(notebook).encode())
    assert added < 45_000 < sum(len(t) for t in shared.values())  # (81 kB when each carried the code)
