"""Backpropagation explained: every value and every gradient of a small network, with the numbers.

For one training point (x, y) and the squared error L = mean_k (a_k - y_k)^2, the chain rule runs
backwards from the output, layer by layer:

    dL/da   (output)  = 2(a - y) / k
    dL/dz             = dL/da · g'(z)
    dL/dW[i, j]       = a_prev[i] · dL/dz[j]        dL/db[j] = dL/dz[j]
    dL/da_prev[i]     = sum_j W[i, j] · dL/dz[j]

``explain`` computes each of these by that rule, writes the product with its actual numbers, checks every
weight's gradient against the engine's ``backward()`` and a central difference, then takes one
gradient-descent step.

    >>> e = explain()
    >>> round(e.loss, 4)
    0.3136
    >>> max(abs(c["backprop"] - c["central_difference"]) for c in e.checks) < 1e-8
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from neuronlab.engine import losses
from neuronlab.engine.network import Network, ShapeError


def default_network() -> Network:
    """The lesson's 1-2-1 network with sigmoid hidden neurons (thresholds -1 and 1, output weights 1, -1)."""
    from neuronlab.apps.lesson import network

    return network(1.0, -1.0, activation="sigmoid")


# The step ``explain`` shows by default: on the lesson's network and point it lowers the loss from 0.3136 to
# 0.0177, while 0.5 jumps past the minimum (0.2559). The lesson's backprop figure uses it too.
DEFAULT_LR = 0.2
LEARNING_RATES = (1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 1e-4, 1e-5, 1e-6)


def _n(value: float) -> str:
    text = f"{value:.4g}"
    return "0" if text == "-0" else text  # a product that rounds to zero is 0, not "-0"


def _factor(value: float) -> str:
    """A number as the second factor of a product: negatives in brackets (0.13·(-0.81), not 0.13·-0.81)."""
    text = _n(value)
    return f"({text})" if text.startswith("-") else text


def _signed_sum(terms: list[str]) -> str:
    """'a + -b + c' written as 'a - b + c'."""
    text = " + ".join(terms)
    return text.replace("+ -", "- ")


@dataclass
class Explanation:
    """Everything ``explain`` computed; ``to_dict()`` gives it as plain data (for the web page)."""

    x: list
    y: list
    layers: list = field(default_factory=list)  # per layer: activation, z, a, dL/da, dL/dz, dL/dW, dL/db, formulas
    loss: float = 0.0
    checks: list = field(default_factory=list)  # per weight: name, backprop, autograd, central_difference
    lr: float = 0.0
    lr_auto: bool = False  # True when ``lr`` was chosen: the one of LEARNING_RATES that lowers the loss most
    new_loss: float = 0.0
    new_parameters: dict = field(default_factory=dict)
    step_note: str = ""  # why the step did not lower the loss, when it did not
    curve: dict = field(default_factory=dict)  # with ``grid``: x, the first output before and after the step

    def to_dict(self) -> dict:
        def plain(v):
            if isinstance(v, np.ndarray):
                return v.tolist()
            if isinstance(v, dict):
                return {k: plain(u) for k, u in v.items()}
            if isinstance(v, list):
                return [plain(u) for u in v]
            return v

        return plain(self.__dict__)

    def print(self, console=None) -> None:
        """Print the forward values, the backward chain rule, the checks and the step as rich tables."""
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        console = console or Console()
        console.print(
            f"[bold]One training point[/bold]: x = {self.x}, target y = {self.y}; "
            f"loss L = mean (a - y)^2 = [bold]{_n(self.loss)}[/bold]"
        )
        forward = Table(title="Forward: z = sum_i w_i·a_i + b, then a = g(z)", title_justify="left")
        for column in ("layer", "neuron", "z (with numbers)", "z", "a = g(z)"):
            forward.add_column(column, justify="right" if column in ("z", "a = g(z)") else "left")
        for layer in self.layers:
            for j, name in enumerate(layer["names"]):
                forward.add_row(
                    str(layer["index"]),
                    f"{name} ({layer['activation']})",
                    escape(layer["z_text"][j]),
                    _n(layer["z"][j]),
                    _n(layer["a"][j]),
                )
        console.print(forward)
        backward = Table(title="Backward: the chain rule, from the loss to every weight", title_justify="left")
        backward.add_column("quantity")
        backward.add_column("chain-rule product, with the numbers")
        for layer in reversed(self.layers):
            for line in layer["formulas"]:
                backward.add_row(*(escape(part) for part in line))
        console.print(backward)
        checks = Table(title="Check: chain rule vs the engine's backward() vs central difference", title_justify="left")
        for column in ("parameter", "chain rule", "backward()", "central difference", "|difference|"):
            checks.add_column(column, justify="right")
        for c in self.checks:
            checks.add_row(
                escape(c["name"]),
                f"{c['backprop']:.10g}",
                f"{c['autograd']:.10g}",
                f"{c['central_difference']:.10g}",
                f"{abs(c['backprop'] - c['central_difference']):.1e}",
            )
        console.print(checks)
        console.print(
            f"[bold]One gradient-descent step[/bold] (w <- w - lr·dL/dw, lr = {self.lr:g}): "
            f"loss {_n(self.loss)} -> [bold]{_n(self.new_loss)}[/bold]"
        )
        if self.step_note:
            console.print(escape(self.step_note))


def _names(net: Network, layer_index: int) -> list[str]:
    count = net.layers[layer_index].neurons
    if layer_index == len(net.layers) - 1:
        # "out", not "y": y is the target (the loss compares out with y)
        return ["out"] if count == 1 else [f"out{j + 1}" for j in range(count)]
    prefix = "h" if len(net.layers) == 2 else f"h{layer_index + 1}_"
    return [f"{prefix}{j + 1}" for j in range(count)]


def explain(
    net: Network | None = None, x=0.5, y=1.0, lr: float | None = DEFAULT_LR, h: float = 1e-6, grid=None
) -> Explanation:
    """Explain one backpropagation step of ``net`` (default: the lesson's 1-2-1 sigmoid network) on (x, y).

    Args:
        net: a small network (it is not changed; the step is taken on a copy). A network with a
            ``scaling`` (as ``fit`` leaves it) is explained as ``net.folded()``: the same function with the
            scaling folded into its first and last layers, so every number is in raw units.
        x: one input sample (a number, or one number per input).
        y: its target (one number per output).
        lr: the learning rate of the gradient-descent step shown at the end (``DEFAULT_LR``, 0.2, unless
            given); ``None`` picks the one of ``LEARNING_RATES`` whose step lowers the loss most (``lr_auto`` is then True).
        h: the central-difference step.
        grid: inputs (one-input networks) at which to record the first output before and after the step.
    """
    net = default_network() if net is None else net
    if net.scaling is not None:
        net = net.folded()
    if net.n_parameters() > 200:
        raise ShapeError(f"explain is for small networks (at most 200 parameters); this one has {net.n_parameters()}")
    x = np.atleast_1d(np.asarray(x, dtype=np.float64)).reshape(1, -1)
    y = np.atleast_1d(np.asarray(y, dtype=np.float64)).reshape(1, -1)
    x = net.as_input(x).astype(np.float64)
    if y.shape != (1, net.outputs):
        raise ShapeError(f"y needs {net.outputs} number(s), one per output; got {y.size}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite numbers")
    if lr is not None and not (np.isfinite(lr) and 0 < lr <= 100):
        raise ValueError(f"the learning rate must be a number in (0, 100], got {lr}")
    values = net.layer_values(x)
    k = net.outputs
    result = Explanation(x=x[0].tolist(), y=y[0].tolist(), lr=0.0 if lr is None else float(lr))
    result.loss = float(np.mean((values[-1][1] - y) ** 2))

    previous_names = ["x"] if net.inputs == 1 else [f"x{i + 1}" for i in range(net.inputs)]
    inputs = [x[0]] + [a[0] for _, a in values[:-1]]
    for l, (layer, (z, a)) in enumerate(zip(net.layers, values)):
        names = _names(net, l)
        z_text = []
        for j in range(layer.neurons):
            terms = [f"{_n(layer.W.data[i, j])}·{_factor(inputs[l][i])}" for i in range(layer.inputs)]
            z_text.append(_signed_sum(terms + [_n(layer.b.data[j])]))
        result.layers.append(
            {
                "index": l + 1,
                "activation": layer.activation.name,
                "names": names,
                "input_names": previous_names,
                "z": z[0],
                "a": a[0],
                "z_text": z_text,
            }
        )
        previous_names = names

    # backward, by the chain rule written out
    dL_da = 2.0 * (values[-1][1][0] - y[0]) / k
    next_dz: np.ndarray | None = None  # dL/dz of the layer after this one (the output layer has none)
    for l in range(len(net.layers) - 1, -1, -1):
        layer, info = net.layers[l], result.layers[l]
        z, a = values[l][0][0], values[l][1][0]
        slope = layer.activation.derivative(z, a)
        dL_dz = dL_da * slope
        dL_dW = np.outer(inputs[l], dL_dz)
        formulas = []
        for j, name in enumerate(info["names"]):
            if next_dz is None:  # the output layer
                formulas.append((f"dL/d{name}", f"2·(a - y)/{k} = 2·({_n(a[j])} - {_n(y[0, j])})/{k} = {_n(dL_da[j])}"))
            else:
                parts = " + ".join(
                    f"{_n(net.layers[l + 1].W.data[j, m])}·{_factor(next_dz[m])}"
                    for m in range(net.layers[l + 1].neurons)
                )
                formulas.append((f"dL/d{name}", f"sum_m w·dL/dz_m = {parts} = {_n(dL_da[j])}"))
            g_text = layer.activation.slope
            formulas.append(
                (
                    f"dL/dz({name})",
                    f"dL/d{name} · g'(z) [{g_text}] = {_n(dL_da[j])} · {_factor(slope[j])} = {_n(dL_dz[j])}",
                )
            )
            for i, source in enumerate(info["input_names"]):
                formulas.append(
                    (
                        f"dL/dW{l + 1}[{source}->{name}]",
                        f"{source} · dL/dz({name}) = {_n(inputs[l][i])} · {_factor(dL_dz[j])} = {_n(dL_dW[i, j])}",
                    )
                )
            formulas.append((f"dL/db{l + 1}[{name}]", f"dL/dz({name}) = {_n(dL_dz[j])}"))
        info.update(dL_da=dL_da, dL_dz=dL_dz, dL_dW=dL_dW, dL_db=dL_dz.copy(), formulas=formulas)
        next_dz = dL_dz
        dL_da = layer.W.data @ dL_dz

    # checks: the engine's backward() and central differences
    work = net.copy()
    work.zero_grad()
    losses.mse(work(x), y).backward()

    def loss_of(candidate: Network) -> float:
        return float(np.mean((candidate.predict(x) - y) ** 2))

    for l, layer in enumerate(work.layers):
        info = result.layers[l]
        for kind, param, grad in (("W", layer.W, info["dL_dW"]), ("b", layer.b, info["dL_db"])):
            autograd = param.grad
            assert autograd is not None, "backward() above fills every parameter's gradient"
            for index in np.ndindex(param.shape):
                old = param.data[index]
                param.data[index] = old + h
                up = loss_of(work)
                param.data[index] = old - h
                down = loss_of(work)
                param.data[index] = old
                if kind == "W":
                    name = f"W{l + 1}[{info['input_names'][index[0]]}->{info['names'][index[1]]}]"
                else:
                    name = f"b{l + 1}[{info['names'][index[0]]}]"
                result.checks.append(
                    {
                        "name": name,
                        "backprop": float(grad[index]),
                        "autograd": float(autograd[index]),
                        "central_difference": (up - down) / (2 * h),
                    }
                )

    # one gradient-descent step: w <- w - lr·dL/dw
    def stepped(rate: float) -> Network:
        moved = work.copy()
        for l, layer in enumerate(moved.layers):
            layer.W.data -= rate * result.layers[l]["dL_dW"]
            layer.b.data -= rate * result.layers[l]["dL_db"]
        return moved

    if lr is None:
        result.lr_auto = True
        with np.errstate(over="ignore", invalid="ignore"):
            tried = {rate: loss_of(stepped(rate)) for rate in LEARNING_RATES}
        best = min(LEARNING_RATES, key=lambda rate: tried[rate] if np.isfinite(tried[rate]) else np.inf)
        result.lr = best if tried[best] < result.loss else LEARNING_RATES[1]
    moved = stepped(result.lr)
    for l, layer in enumerate(moved.layers):
        result.new_parameters[f"W{l + 1}"] = layer.W.data.copy()
        result.new_parameters[f"b{l + 1}"] = layer.b.data.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        result.new_loss = loss_of(moved)
    result.step_note = _step_note(result)
    if grid is not None and net.inputs == 1:
        grid = np.asarray(grid, dtype=np.float64).reshape(-1)
        with np.errstate(over="ignore", invalid="ignore"):
            result.curve = {"x": grid, "before": net.predict(grid)[:, 0], "after": moved.predict(grid)[:, 0]}
    return result


def _step_note(result: Explanation) -> str:
    """Why the step did not lower the loss (empty when it did)."""
    gradient = max(abs(c["backprop"]) for c in result.checks) if result.checks else 0.0
    if gradient == 0.0:
        return (
            "every gradient is 0 (the loss is already 0, or the neurons are flat here, like step neurons): "
            "the step changes nothing"
        )
    if not np.isfinite(result.new_loss) or result.new_loss > result.loss:
        return (
            f"the loss rose: the learning rate {result.lr:g} is too large for this point, so the step "
            "lr·dL/dw jumps past the minimum along the gradient; a smaller learning rate lowers it"
        )
    if result.new_loss == result.loss:
        return "the loss did not change: the step is too small to show in these digits"
    return ""
