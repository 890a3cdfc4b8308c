"""The playground's "Python script" export: a script that replays a tab's run from a fresh interpreter.

The script builds the same data (the expression, the drawn points or the CSV rows embedded in it, or the
built-in set with the page's input features), the same train/test split, the same starting network (for a
CSV with the scaling ``nl.fit`` would add, standardising on the training rows), the
same optimizer and minibatch order, takes the same steps with every change made in the page while it
trained (learning rate, batch size, L1/L2, an edited neuron, weights restored after a reload) at the
step it was made, and prints the same
metrics as the page. (A run changed more often while it trained than a tab keeps, ``Session._record``,
cannot be replayed step by step: its script says so, and starts from the weights the run reached.)
Values are written with ``repr``, which Python reads back exactly, and user text (an expression, a CSV)
only ever as a string literal.
"""

from __future__ import annotations

import numpy as np

GIVEN_UP = "not replayed step by step (too many changes while it trained): the weights the run reached"


def _array(values) -> str:
    return f"np.array({np.asarray(values).tolist()!r})"


def _data_lines(s) -> list[str]:
    """Lines that leave x (n, inputs) and y (n, 1) or (n,) labels, as the session built them."""
    from neuronlab.apps.playground.session import FEATURE_CODE

    c = s.config
    if c["mode"] == "function":
        lines = [
            "# the target, sampled on the domain",
            f"f = nl.expr({c['expr']!r})",
            f"x = np.linspace({c['domain'][0]!r}, {c['domain'][1]!r}, {c['points']}).reshape(-1, 1)",
            "y = f(x[:, 0]).reshape(-1, 1)",
        ]
        if c["noise"]:
            lines.append(f"y = y + np.random.default_rng({c['seed']}).normal(0.0, {c['noise']!r}, y.shape)")
        return lines
    if c["mode"] == "points":
        return [
            "# the points drawn in the page (x, y)",
            f"points = {_array(c['drawn'])}",
            "x, y = points[:, :1], points[:, 1:]",
        ]
    if c["mode"] == "csv":
        return [
            "# the uploaded CSV, as it was",
            f"CSV = {c['csv']!r}",
            f"ds = nl.data.parse_csv(CSV, source='the uploaded CSV', task={c.get('task', 'auto')!r})",
            "x = ds.x",
            "y = ds.y.reshape(-1, 1) if ds.task == 'regression' else ds.y",
            "print(f'{len(x)} rows, {ds.task} of {ds.target_name!r} from {ds.feature_names}')",
        ]
    make = "gaussians" if c["dataset"] == "three gaussians" else c["dataset"]
    extra = ", classes=3" if c["dataset"] == "three gaussians" else ""
    features = ",\n    ".join(f"{FEATURE_CODE[name]},  # {name}" for name in c["features"])
    return [
        f"# the {c['dataset']} set, and the page's input features built from its two coordinates",
        f"d = nl.data.{make}({c['points']}, noise={c['noise']!r}, seed={c['seed']}{extra})",
        "x = d.x",
        f"x = np.column_stack([\n    {features}\n])",
        "y = d.y",
    ]


def _start_lines(s) -> list[str]:
    """Lines that leave ``net``: the network the run started from."""
    c = s.config
    origin = s.origin
    if s.events_given_up is not None:  # the network as it is now
        origin = {"weights": s.net.state_dict()}
    elif origin is None:
        return [f"net = nl.mlp({s.net.sizes!r}, activation={c['activation']!r}, seed={c['seed']})"]
    if "weights" not in origin and s.events_given_up is None:
        (a, b) = origin["domain"]
        return [
            "# the certified construction of the Approximate tab, adopted as the starting point",
            f"net = nl.approximate({origin['expr']!r}, domain=({float(a)!r}, {float(b)!r}), "
            f"eps={float(origin['eps'])!r}, activation={origin['activation']!r}, max_neurons=2000)",
        ]
    state = origin["weights"]
    layers = s.net.layers
    lines = [
        "# the network the page started from, weight by weight"
        if s.events_given_up is None
        else f"# the network the page's run reached at step {s.steps}, weight by weight (see above)",
        "net = nl.Network([",
    ]
    for i, layer in enumerate(layers):
        lines.append(
            f"    nl.Dense({layer.inputs}, {layer.neurons}, {layer.activation.name!r}, "
            f"weights={_array(state[f'{i}.W'])}, bias={_array(state[f'{i}.b'])}),"
        )
    lines.append("])")
    return lines


def _event_line(event) -> str:
    step, kind = event[0], event[1]
    if kind == "set":
        settings = event[2]
        return (
            f"    ({step}, 'set', dict(lr={settings['lr']!r}, batch={settings['batch']}, l1={settings['l1']!r}, "
            f"l2={settings['l2']!r})),"
        )
    if kind == "layer":
        layer, weights, bias = event[2:]
        return f"    ({step}, 'layer', dict(layer={layer}, weights={weights!r}, bias={bias!r})),"
    layer, neuron, weights, bias = event[2:]
    return f"    ({step}, 'edit', dict(layer={layer}, neuron={neuron}, weights={weights!r}, bias={bias!r})),"


def script(s) -> str:
    """The script for session ``s`` (see the module's docstring)."""
    from neuronlab.apps.playground.session import MAX_EVENT_CHARS

    c = {**s.config, **s.start_settings}  # live changes are replayed as events
    n_test = len(s.x_test)
    loss = s.loss_name
    optimizer = (
        f"nl.optim.Adam(net.parameters(), lr={c['lr']!r})"
        if c["optimizer"] == "adam"
        else f"nl.optim.SGD(net.parameters(), lr={c['lr']!r}, momentum=0.9)"
    )
    held_out = (
        f"# {n_test} of the {len(s.x)} points held out for testing, chosen by the seed"
        if n_test
        else "# every point is used for training (the seed only sets their order)"
    )
    if s.net.scaling is None:
        scaling, trained, x_fit, y_fit = [], "net", "x_train", "y_train"
    else:
        targets = "y_train" if s.net.scaling.scales_outputs else "None"  # class scores are not scaled
        what = "inputs and the target" if s.net.scaling.scales_outputs else "inputs"
        scaling = [
            f"# the {what} standardised on the training rows, as nl.fit(scale=True) does; the scaling",
            "# is part of the network: net.predict takes and gives the CSV's own units",
            f"net = nl.Network(net.layers, scaling=nl.Scaling.of(x_train, {targets}, net.outputs))",
            "layers = net.without_scaling()  # the same layers, no scaling around them: they train on the standardised rows",
            "x_fit = net.scaling.inputs(x_train)",
            "y_fit = net.scaling.targets(y_train) if net.scaling.scales_outputs else y_train",
        ]
        trained, x_fit, y_fit = "layers", "x_fit", "y_fit"
    lines = [
        '"""Replay a neuronlab playground run: the same data, split, network, optimizer and steps.',
        "",
        'Written by the page\'s "Python script" export; run it with python. It ends by printing the metrics',
        'the page showed."""',
        *(
            [
                "# This run was changed in the page more often while it trained (weights restored or edited, settings",
                f"# changed) than the export keeps ({MAX_EVENT_CHARS:,} characters of changes; given up at step "
                f"{s.events_given_up}),",
                "# so it cannot be replayed step by step: the network below is the one the run reached, weight by",
                "# weight, and the metrics printed at the end are of those weights.",
            ]
            if s.events_given_up is not None
            else []
        ),
        "import numpy as np",
        "",
        "import neuronlab as nl",
        "from neuronlab.training.train import Diverged, Scores, Stepper",
        *([f"print({GIVEN_UP!r})"] if s.events_given_up is not None else []),
        "",
        *_data_lines(s),
        "",
        held_out,
        f"order = np.random.default_rng({c['seed']}).permutation(len(x))",
        f"test, train = order[:{n_test}], order[{n_test}:]",
        "x_train, y_train, x_test, y_test = x[train], y[train], x[test], y[test]",
        "",
        *_start_lines(s),
        *scaling,
        f"optimizer = {optimizer}",
        "# minibatch steps, shuffled by the seed, exactly as the page takes them",
        f"stepper = Stepper({trained}, optimizer, {x_fit}, {y_fit}, {loss!r}, batch={c['batch']}, l1={c['l1']!r}, "
        f"l2={c['l2']!r}, rng=np.random.default_rng({c['seed']}))",
        "",
    ]
    if s.events:
        lines += [
            "# what was changed in the page while it trained, at the step it was changed",
            "changes = [",
            *(_event_line(e) for e in s.events),
            "]",
        ]
    else:
        lines.append("changes = []  # nothing was changed in the page while it trained")
    lines += [
        f"steps = {s.steps if s.events_given_up is None else 0}",
        "",
        "",
        "def apply(kind, change):",
        "    if kind == 'set':",
        "        optimizer.lr = change['lr']",
        "        stepper.batch = min(change['batch'], len(x_train))",
        "        stepper.l1, stepper.l2 = change['l1'], change['l2']",
        "    elif kind == 'layer':  # a whole layer's weights (as the layers hold them), as a reloaded page put them back",
        "        layer = net.layers[change['layer']]",
        "        layer.W.data[...] = change['weights']",
        "        layer.b.data[...] = change['bias']",
        "    else:  # a neuron's incoming weights and bias, typed into the page's editor",
        "        layer = net.layers[change['layer']]",
        "        layer.W.data[:, change['neuron']] = change['weights']",
        "        layer.b.data[change['neuron']] = change['bias']",
        "",
        "",
        "with np.errstate(over='ignore', invalid='ignore'):",
        "    try:",
        "        for at, kind, change in changes + [(steps, 'end', None)]:",
        "            while stepper.steps < at:",
        "                stepper.step()",
        "            if kind != 'end':",
        "                apply(kind, change)",
        *(
            ["        stepper.step()  # the step at which the page's run diverged"]
            if s.diverged_at == s.steps and s.events_given_up is None
            else []
        ),
        "    except Diverged as err:",
        "        print(f'training stopped at step {stepper.steps}: {err.what}; the last good weights are kept')",
        "",
        f"task = {s.task!r}",
        "for name, xs, ys in (('train', x_train, y_train), ('test', x_test, y_test)):",
        "    if len(xs):",
        f"        loss = float(nl.losses.get({loss!r})(net(xs), ys).data)",
        f"        scores = Scores.of(task, {loss!r}, net.predict(xs), ys)",
        "        print(name, f'loss {loss:.6g}', ', '.join(f'{k} {v:.6g}' for k, v in scores.items()))",
    ]
    return "\n".join(lines) + "\n"
