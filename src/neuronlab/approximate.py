"""Universal approximation, made concrete: build a network that stays within eps of a function, and prove it.

The theorem says one hidden layer of enough neurons with a non-linear activation can approximate any
continuous function on an interval to any accuracy. ``approximate`` builds such a network for a target
and an error bound you choose, using as few neurons as its construction allows, and returns it with a
``Certificate``: the construction, the neuron count, the sup error measured on a check grid ten times
denser than the samples the construction used (in 2-D: the samples and the midpoints between them), and
the analytic bound with its assumptions.

    >>> net = approximate("sin(3*x)", domain=(-3, 3), eps=0.01, activation="relu")
    >>> net.certificate.sup_error <= 0.01
    True

How the samples are taken: f is evaluated on a uniform grid, and every interval across which f changes by
more than eps/20 is halved until none does. An interval that keeps a jump larger than eps down to a width
of 1e-12 of the domain is a discontinuity, which the theorem does not cover.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from neuronlab.expr import expr as _parse
from neuronlab.engine.network import Dense, Network

MAX_NEURONS = 10_000
MAX_SAMPLES = 4_000_000
REFINE = 1 / 20  # sample until f changes by at most eps/20 between neighbouring samples
START_SAMPLES = 1025
CHECK_DENSITY = 10  # the check grid puts 9 more points into every sampling interval


class ApproximationError(ValueError):
    """A target, domain or eps that cannot be approximated as asked (the message says why)."""


@dataclass
class Certificate:
    """What ``approximate`` built and the evidence that it is within ``eps`` everywhere on the domain."""

    construction: str
    activation: str
    neurons: int
    eps: float
    sup_error: float  # measured on the check grid
    mean_error: float
    check_points: int
    grid_points: int  # samples the construction was built from
    domain: tuple
    bound: float | None = None  # analytic bound (under ``assumptions``)
    assumptions: str = ""
    uniform_neurons: int | None = None  # what equal-width pieces would need for the same eps
    uniform_exceeds: bool = False  # True: equal pieces need more than uniform_neurons (the search stopped there)
    interpolation_neurons: int | None = None  # relu: adaptive knots interpolating the target
    alternatives: dict | None = None  # hidden neurons the other 1-D constructions need for the same eps
    steepness: str = ""
    seconds: float = 0.0

    @property
    def savings(self) -> str:
        if not self.uniform_neurons:
            return ""
        more = "more than " if self.uniform_exceeds else ""
        return (
            f"adaptive pieces use {self.neurons} neurons where equal pieces need {more}{self.uniform_neurons} "
            f"({more}{self.uniform_neurons / max(self.neurons, 1):.1f}x as many)"
        )

    def summary(self) -> str:
        lines = [
            f"construction: {self.construction}",
            f"hidden neurons: {self.neurons} ({self.activation})",
            f"measured sup |error|: {self.sup_error:.4g} <= eps = {self.eps:g} on {self.check_points:,} check "
            f"points ({self.grid_points:,} samples used to build; mean |error| {self.mean_error:.3g})",
        ]
        if self.bound is not None:
            lines.append(f"analytic bound: {self.bound:.4g}, assuming {self.assumptions}")
        if self.steepness:
            lines.append(f"steepness: {self.steepness}")
        if self.savings:
            lines.append(self.savings)
        if self.interpolation_neurons:
            lines.append(f"interpolating the target at adaptive knots would need {self.interpolation_neurons} neurons")
        if self.alternatives:
            lines.append(
                "for the same eps: "
                + ", ".join(f"{name} needs {count:,} neurons" for name, count in self.alternatives.items())
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# ---------------------------------------------------------------- sampling


def _target(f):
    if isinstance(f, str):
        parsed = _parse(f)
        return parsed, parsed.text
    if callable(f):
        return f, getattr(f, "text", getattr(f, "__name__", "f"))
    raise ApproximationError(f"the target must be an expression or a callable on arrays, got {type(f).__name__}")


def _evaluate(f, *arrays) -> np.ndarray:
    try:
        with np.errstate(all="ignore"):
            values = f(*arrays)
    except ApproximationError:
        raise
    except Exception as err:  # a user's callable may fail in any way; say so without a traceback
        raise ApproximationError(f"the target failed on an array input: {type(err).__name__}: {err}") from None
    values = np.asarray(values, dtype=np.float64)
    if values.shape == ():
        values = np.full(arrays[0].shape, float(values))
    if values.shape != arrays[0].shape:
        raise ApproximationError(
            f"the target returned shape {values.shape} for inputs of shape {arrays[0].shape}; "
            "it must work elementwise on arrays"
        )
    bad = ~np.isfinite(values)
    if bad.any():
        where = ", ".join(f"{a[bad][0]:.6g}" for a in arrays)
        raise ApproximationError(f"the target is {values[bad][0]} at ({where}); it must be finite on the whole domain")
    return values


MIN_DOMAIN_SPACINGS = 10**6  # a domain spans at least this many floating-point numbers: samples stay distinct
ESTIMATE_LIMIT = 10**9  # estimate_neurons says "more than this" rather than print a 300-digit count


def _check_domain(domain) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in domain)
    except (TypeError, ValueError):
        raise ApproximationError(f"domain must be two numbers (a, b), got {domain!r}") from None
    if not (math.isfinite(a) and math.isfinite(b)) or not a < b:
        raise ApproximationError(f"the domain must be a non-empty interval a < b, got ({a:g}, {b:g})")
    if b - a < MIN_DOMAIN_SPACINGS * np.spacing(max(abs(a), abs(b))):  # its samples would not be distinct numbers
        raise ApproximationError(
            f"the domain ({a:.17g}, {b:.17g}) is too narrow to sample in floating point: its "
            f"width must be at least {MIN_DOMAIN_SPACINGS:,} times the spacing of numbers there "
            f"({np.spacing(max(abs(a), abs(b))):.3g}); widen it"
        )
    return a, b


class TooManySamples(ApproximationError):
    """Sampling stopped at its cap; ``x`` and ``y`` hold the samples taken so far."""

    def __init__(self, message, x, y):
        super().__init__(message)
        self.x, self.y = x, y


def sample(
    f, a: float, b: float, eps: float, max_samples: int = MAX_SAMPLES, progress=None
) -> tuple[np.ndarray, np.ndarray]:
    """Samples of f on [a, b], refined until f changes by at most eps/20 between neighbours."""
    x = np.linspace(a, b, START_SAMPLES)
    y = _evaluate(f, x)
    tol, finest = eps * REFINE, (b - a) * 1e-12
    while True:
        _report(progress, "sampling", len(x))
        jumps = np.abs(np.diff(y))
        bad = np.flatnonzero(jumps > tol)
        widths = x[bad + 1] - x[bad]
        tiny = widths <= finest
        if tiny.any():
            k = bad[tiny][np.argmax(jumps[bad[tiny]])]
            if jumps[k] > eps:
                raise ApproximationError(
                    f"the target jumps by {jumps[k]:.4g} (more than eps) at x = {x[k]:.10g}, still at a resolution of "
                    f"{widths[tiny].max():.1e}: it looks discontinuous there, and the universal approximation "
                    "theorem covers continuous functions"
                )
            bad = bad[~tiny]
        if not bad.size:
            return x, y
        if len(x) + bad.size > max_samples:
            raise TooManySamples(
                f"reaching eps = {eps:g} needs more than {max_samples:,} samples of the target (it varies too much "
                "at this resolution); try a larger eps or a smaller domain",
                x,
                y,
            )
        middle = (x[bad] + x[bad + 1]) / 2
        x = np.insert(x, bad + 1, middle)
        y = np.insert(y, bad + 1, _evaluate(f, middle))


def _check_grid(x: np.ndarray, density: int = CHECK_DENSITY) -> np.ndarray:
    """``density`` times as many points: every sampling interval split into that many equal parts."""
    steps = np.linspace(0.0, 1.0, density, endpoint=False)
    inner = (x[:-1, None] + np.diff(x)[:, None] * steps[None, :]).ravel()
    return np.append(inner, x[-1])


# ---------------------------------------------------------------- greedy pieces


def _last_feasible(start: int, n: int, feasible_prefix) -> int:
    """The last index e >= start such that ``feasible_prefix(start, stop)`` holds up to e.

    ``feasible_prefix(start, stop)`` returns a boolean array for indices start..stop-1 that, once False,
    stays False. Windows double, so the search costs about twice the piece's length.
    """
    width = 64
    while True:
        stop = min(n, start + width)
        ok = feasible_prefix(start, stop)
        if not ok.all():
            return start + int(np.argmin(ok)) - 1
        if stop == n:
            return n - 1
        width *= 2


def staircase_pieces(y: np.ndarray, eps: float, progress=None) -> list[tuple[int, int]]:
    """Greedy pieces (first, last sample index) on which the target's range is at most 2·eps.

    Greedy is optimal here: no staircase with that error on these samples has fewer pieces.
    """

    def feasible(start, stop):
        seg = y[start:stop]
        return np.maximum.accumulate(seg) - np.minimum.accumulate(seg) <= 2 * eps

    pieces, start, n = [], 0, len(y)
    while start < n:
        end = _last_feasible(start, n, feasible)
        pieces.append((start, end))
        start = end + 1
        _report(progress, "building", len(pieces) - 1)
    return pieces


def _slope_bounds(x, y, start, stop, t, v, eps):
    """Running bounds on the slope of a line through (t, v) that stays within eps of y[start+1:stop]."""
    dx = x[start + 1 : stop] - t
    lo = np.maximum.accumulate((y[start + 1 : stop] - eps - v) / dx)
    hi = np.minimum.accumulate((y[start + 1 : stop] + eps - v) / dx)
    return lo, hi


def corridor_knots(x: np.ndarray, y: np.ndarray, eps: float, interpolate: bool = False, progress=None):
    """Knots (t_i, v_i) of a continuous piecewise-linear function within eps of the samples.

    From each knot, the next piece extends as far as some line through the knot stays within eps of every
    sample (the feasible slopes narrow to an interval, and the piece ends when it empties). The line's
    slope is the middle of that interval, so knots need not lie on the target: this best fit needs about
    1/sqrt(2) as many pieces as ``interpolate=True``, which forces every knot onto the target.
    """
    n = len(x)
    knots_t, knots_v = [x[0]], [y[0]]
    start = 0
    while start < n - 1:
        t, v = knots_t[-1], knots_v[-1]

        def feasible(first, stop, t=t, v=v):
            if stop <= first + 1:
                return np.ones(stop - first, bool)
            lo, hi = _slope_bounds(x, y, first, stop, t, v, eps)
            if interpolate:  # the line through (t, v) and (x_e, y_e) must fit the samples before e
                slope = (y[first + 1 : stop] - v) / (x[first + 1 : stop] - t)
                prior_lo = np.concatenate([[-np.inf], lo[:-1]])
                prior_hi = np.concatenate([[np.inf], hi[:-1]])
                ok = (slope >= prior_lo - 1e-12 * np.abs(prior_lo)) & (slope <= prior_hi + 1e-12 * np.abs(prior_hi))
                ok = np.logical_and.accumulate(ok)
            else:
                ok = lo <= hi
            return np.concatenate([[True], ok])

        end = max(_last_feasible(start, n, feasible), start + 1)
        if interpolate:
            v_end = y[end]
        else:
            lo, hi = _slope_bounds(x, y, start, end + 1, t, v, eps)
            v_end = v + (lo[-1] + hi[-1]) / 2 * (x[end] - t) if lo[-1] <= hi[-1] else y[end]
        knots_t.append(x[end])
        knots_v.append(v_end)
        start = end
        _report(progress, "building", len(knots_t) - 1)
    return np.array(knots_t), np.array(knots_v)


def exact_kinks(x: np.ndarray, y: np.ndarray):
    """Knots reproducing a piecewise-linear target exactly, or None if the samples are not piecewise linear.

    A kink shows as a change of slope at one sample (the kink is on it) or at two neighbouring samples (the
    kink lies between them, where the two lines meet).
    """
    slopes = np.diff(y) / np.diff(x)
    scale = 1.0 + np.abs(slopes).max()
    changed = np.flatnonzero(np.abs(np.diff(slopes)) > 1e-9 * scale) + 1  # sample indices
    if changed.size > len(x) // 8:
        return None
    knots_t, knots_v = [x[0]], [y[0]]
    k = 0
    while k < changed.size:
        i = changed[k]
        if k + 1 < changed.size and changed[k + 1] == i + 1:
            if k + 2 < changed.size and changed[k + 2] == i + 2:
                return None  # slope keeps changing: curved, not piecewise linear
            before, after = slopes[i - 1], slopes[i + 1]
            if before == after:
                return None
            # meet point of y_i + before·(t - x_i) and y_{i+1} + after·(t - x_{i+1})
            t = (y[i + 1] - y[i] + before * x[i] - after * x[i + 1]) / (before - after)
            knots_t.append(t)
            knots_v.append(y[i] + before * (t - x[i]))
            k += 2
        else:
            knots_t.append(x[i])
            knots_v.append(y[i])
            k += 1
    knots_t.append(x[-1])
    knots_v.append(y[-1])
    return np.array(knots_t), np.array(knots_v)


# ---------------------------------------------------------------- networks from pieces


def relu_network(knots_t: np.ndarray, knots_v: np.ndarray) -> Network:
    """One ReLU per piece: v_0 + s_0·relu(x - t_0) + sum_i (s_i - s_(i-1))·relu(x - t_i).

    The first neuron carries the first slope (relu(x - a) = x - a on the domain); each later one turns the
    slope at a kink. Neurons whose slope change is exactly 0 are left out.
    """
    slopes = np.diff(knots_v) / np.diff(knots_t)
    changes = np.concatenate([[slopes[0]], np.diff(slopes)])
    keep = changes != 0
    if not keep.any():  # a constant: keep one neuron with weight 0 so the network has a hidden layer
        keep[0] = True
    t = knots_t[:-1][keep]
    hidden = Dense(1, len(t), "relu", weights=np.ones((1, len(t))), bias=-t)
    output = Dense(len(t), 1, "linear", weights=changes[keep].reshape(-1, 1), bias=[knots_v[0]])
    return Network([hidden, output])


def step_network(x, pieces, levels, activation="step", tail=0.0):
    """The staircase: output bias = first level, one neuron per jump, jumping half way between samples.

    For sigmoid/tanh each jump is a steep sigmoid; see ``_steepness``.
    """
    jumps = np.diff(levels)
    thresholds = np.array([(x[end] + x[end + 1]) / 2 for _, end in pieces[:-1]])
    gaps = np.array([x[end + 1] - x[end] for _, end in pieces[:-1]])
    keep = jumps != 0
    jumps, thresholds, gaps = jumps[keep], thresholds[keep], gaps[keep]
    if not jumps.size:  # a constant
        jumps, thresholds, gaps = np.zeros(1), np.array([x[0]]), np.array([1.0])
    bias = levels[0]
    steepness = None
    if activation == "step":
        w = np.ones(len(jumps))
        out_w = jumps
    else:
        steepness = _steepness(gaps, np.abs(jumps).sum(), tail)
        if activation == "sigmoid":
            w, out_w = steepness, jumps
        else:  # tanh(u) = 2·sigmoid(2u) - 1, so J·sigmoid(k z) = J/2·tanh(k z / 2) + J/2
            w, out_w = steepness / 2, jumps / 2
            bias = bias + jumps.sum() / 2
    hidden = Dense(1, len(jumps), activation, weights=w.reshape(1, -1), bias=-w * thresholds)
    output = Dense(len(jumps), 1, "linear", weights=out_w.reshape(-1, 1), bias=[bias])
    return Network([hidden, output]), steepness


def _steepness(gaps: np.ndarray, total_jump: float, tail: float) -> np.ndarray:
    """Per-neuron steepness k_i = (2 / h_i)·ln(sum|J| / tail).

    Half a sampling interval h_i from its threshold, sigmoid(k_i·h_i/2) is within e^(-k_i·h_i/2) =
    tail / sum|J| of the step, so all the sigmoids' tails together add at most ``tail`` to the error;
    inside the interval the output moves between two neighbouring levels, both within the staircase's error.
    """
    ratio = max(total_jump / tail, 1.0 + 1e-12)
    return (2.0 / gaps) * math.log(ratio)


# ---------------------------------------------------------------- uniform comparisons


def _minimal_n(works, low: int, cap: int) -> int | None:
    """The smallest n in [low, cap] for which works(n) holds (doubling, then bisection); None if none.

    Assumes works(n) rarely fails once it holds (true enough for equal pieces, and only used to report).
    """
    n = max(1, low)
    while not works(n):
        if n >= cap:
            return None
        low, n = n, min(cap, 2 * n)
    high = n
    while low + 1 < high:
        middle = (low + high) // 2
        if works(middle):
            high = middle
        else:
            low = middle
    return high if works(high) else n


def _uniform_staircase(x, y, a, b, eps, low, cap):
    def works(n):
        edges = np.searchsorted(x, np.linspace(a, b, n + 1)[:-1], side="left")
        edges = np.unique(edges)
        return np.all(np.maximum.reduceat(y, edges) - np.minimum.reduceat(y, edges) <= 2 * eps)

    pieces = _minimal_n(works, low, cap)
    return (cap - 1, True) if pieces is None else (pieces - 1, False)


def _uniform_relu(f, x, y, a, b, eps, low, cap):
    def works(n):
        knots = np.linspace(a, b, n + 1)
        return np.max(np.abs(np.interp(x, knots, _evaluate(f, knots)) - y)) <= eps

    pieces = _minimal_n(works, low, cap)
    return (cap, True) if pieces is None else (pieces, False)


def predict(net: Network, x: np.ndarray, rows: int = 4_000_000) -> np.ndarray:
    """``net.predict(x)[:, 0]`` in chunks, so wide networks on dense check grids fit in memory."""
    chunk = max(1, rows // max(max(layer.neurons for layer in net.layers), 1))
    return np.concatenate([net.predict(x[k : k + chunk])[:, 0] for k in range(0, len(x), chunk)])


# ---------------------------------------------------------------- the front door

STAIRCASE_SHARE = 0.94  # of eps, for the staircase's own error (samples are within eps/20 of each other)
TAIL_SHARE = 0.02  # of eps, for the sigmoid tails
UNIFORM_SEARCH = 50  # equal pieces are searched up to this many times the adaptive count


def approximate(
    f, domain=(-1.0, 1.0), eps: float = 0.01, activation: str = "relu", max_neurons: int = MAX_NEURONS, progress=None
) -> Network:
    """A one-hidden-layer network within ``eps`` of ``f`` everywhere on ``domain``, with a ``.certificate``.

    Args:
        f: an expression (``"sin(3*x)"``) or a callable on arrays; ``f(x, y)`` for a 2-D domain.
        domain: ``(a, b)``, or ``((a, b), (c, d))`` for a function of two variables.
        eps: the largest error allowed anywhere on the domain.
        activation: ``"relu"``, ``"step"``, ``"sigmoid"`` or ``"tanh"``.
        max_neurons: refuse (with the count needed) constructions larger than this.
        progress: optional ``progress(stage, count)``, called now and then while building (1-D only):
            ("sampling", samples so far), ("building", neurons so far), ("checking", check points),
            ("comparing with equal pieces", neurons).

    Constructions (one input):
        step: a staircase. Pieces grow from the left for as long as the target's range on them stays within
            2·eps', so they are wide where f is flat and narrow where it moves; each piece's level is the middle
            of its range, each jump one step neuron, and the output bias the first level.
        sigmoid, tanh: the same staircase with each step a steep sigmoid (or tanh); the steepness of each is
            chosen from its sampling interval so that all the sigmoids' tails add at most 2% of eps.
        relu: a continuous piecewise-linear fit, one ReLU per piece. Each piece extends as far as some line
            through its first knot stays within eps' of the target, and takes the middle slope; knots need not
            lie on the target, which saves about 1 - 1/sqrt(2) of the pieces interpolation needs.
            Piecewise-linear targets are detected and reproduced exactly, one ReLU per kink plus one for the
            first slope.

    Two inputs: see ``approximate_2d``.
    """
    started = time.perf_counter()
    try:
        eps = float(eps)
    except (TypeError, ValueError):
        raise ApproximationError(f"eps must be a number, got {eps!r}") from None
    if not (math.isfinite(eps) and eps > 0):
        raise ApproximationError(f"eps must be a positive number, got {eps:g}")
    if activation not in ("relu", "step", "sigmoid", "tanh"):
        raise ApproximationError(f"activation must be relu, step, sigmoid or tanh, got {activation!r}")
    if isinstance(max_neurons, bool) or int(max_neurons) < 1:
        raise ApproximationError(f"max_neurons must be at least 1, got {max_neurons!r}")
    if _is_2d(domain):
        return approximate_2d(f, domain, eps, activation, max_neurons)
    target, text = _target(f)
    a, b = _check_domain(domain)
    try:
        x, y = sample(target, a, b, eps, progress=progress)
    except TooManySamples as err:  # the samples so far already show a lower bound on the neurons needed
        eps_c = eps * STAIRCASE_SHARE
        at_least = (
            len(corridor_knots(err.x, err.y, eps_c)[0]) - 1
            if activation == "relu"
            else len(staircase_pieces(err.y, eps_c)) - 1
        )
        if at_least > max_neurons:
            raise _too_many(activation, at_least, max_neurons, eps, "at least ") from None
        raise
    check_x = _check_grid(x)
    check_y = _evaluate(target, check_x)
    omega = float(np.abs(np.diff(y)).max())  # largest change of f between neighbouring samples

    share = STAIRCASE_SHARE - TAIL_SHARE if activation in ("sigmoid", "tanh") else STAIRCASE_SHARE
    for attempt in range(6):
        eps_c = min(eps * share, eps - omega) * 0.8**attempt
        if activation == "relu":
            net, details = _build_relu(target, x, y, a, b, eps_c, eps, max_neurons, progress)
        else:
            net, details = _build_staircase(x, y, a, b, eps_c, eps, activation, max_neurons, progress)
        _report(progress, "checking", len(check_x))
        errors = np.abs(predict(net, check_x.reshape(-1, 1)) - check_y)
        if errors.max() <= eps:
            break
    else:
        raise ApproximationError(f"could not certify eps = {eps:g} for {text} (measured {errors.max():.4g})")
    tail = eps * TAIL_SHARE if activation in ("sigmoid", "tanh") else 0.0
    exact = details.pop("exact", False)
    eps_s = eps * STAIRCASE_SHARE
    details["alternatives"] = {
        "step": len(staircase_pieces(y, min(eps_s, eps - omega))) - 1,
        "relu": len(corridor_knots(x, y, min(eps_s, eps - omega))[0]) - 1,
    }
    uniform = details.pop("uniform")
    details["uniform_neurons"], details["uniform_exceeds"] = uniform
    net.certificate = Certificate(
        activation=activation,
        neurons=net.layers[0].neurons,
        eps=eps,
        sup_error=float(errors.max()),
        mean_error=float(errors.mean()),
        check_points=len(check_x),
        grid_points=len(x),
        domain=(a, b),
        bound=(0.0 if exact else eps_c) + omega + tail,
        assumptions=(
            "f is monotone between neighbouring samples (they are at most "
            f"{omega:.3g} apart in value); the bound is the construction's error on the samples, plus "
            "that largest change" + (", plus the sigmoid tails" if tail else "")
        ),
        seconds=time.perf_counter() - started,
        **details,
    )
    return net


def _report(progress, stage: str, count: int) -> None:
    if progress is not None:
        progress(stage, count)


def estimate_neurons(f, domain, eps: float, activation: str = "relu", points: int = 20001) -> int:
    """About how many hidden neurons ``approximate`` will need in 1-D, in milliseconds (before building).

    From f on a uniform grid: a staircase needs about (total variation) / (2·eps') pieces; a ReLU fit
    about the integral of sqrt(|f''| / eps') / 4 (a line stays within eps' of a parabola of curvature
    f'' over a width 4·sqrt(eps'/|f''|)). Detail finer than the grid is missed, so this is a guide, not a bound.
    """
    target, _ = _target(f)
    a, b = _check_domain(domain)
    x = np.linspace(a, b, points)
    y = _evaluate(target, x)
    eps_c = float(eps) * STAIRCASE_SHARE
    with np.errstate(over="ignore", invalid="ignore"):  # a count beyond floats is reported, not computed
        if activation == "relu":
            # sum over the grid of sqrt(|f''| / eps') · h / 4, with |f''| = |second difference| / h^2: h cancels
            estimate = float(np.sum(np.sqrt(np.abs(np.diff(y, 2)) / eps_c)) / 4) + 1
        else:
            estimate = max(1.0, float(np.abs(np.diff(y)).sum() / (2 * eps_c)))
    if not estimate <= ESTIMATE_LIMIT:  # also NaN and infinity
        raise ApproximationError(
            f"eps = {float(eps):g} would need more than {ESTIMATE_LIMIT:,} {activation} neurons "
            f"on [{a:g}, {b:g}]: choose a larger eps or a smaller domain"
        )
    return int(math.ceil(estimate))


def _is_2d(domain) -> bool:
    try:
        return len(domain) == 2 and all(np.ndim(part) == 1 and len(part) == 2 for part in domain)
    except TypeError:
        return False


def _too_many(kind: str, count: int, cap: int, eps: float, qualifier: str = "") -> ApproximationError:
    return ApproximationError(
        f"the {kind} construction needs {qualifier}{count:,} hidden neurons for eps = {eps:g}, "
        f"more than the cap of {cap:,}; raise max_neurons or choose a larger eps"
    )


def _build_staircase(x, y, a, b, eps_c, eps, activation, cap, progress=None):
    tail = eps * TAIL_SHARE
    pieces = staircase_pieces(y, eps_c, progress)
    levels = np.array([(y[s : e + 1].max() + y[s : e + 1].min()) / 2 for s, e in pieces])
    if len(pieces) - 1 > cap:
        raise _too_many(activation, len(pieces) - 1, cap, eps)
    net, steepness = step_network(x, pieces, levels, activation, tail)
    _report(progress, "comparing with equal pieces", len(pieces) - 1)
    uniform = _uniform_staircase(x, y, a, b, eps_c, len(pieces), UNIFORM_SEARCH * max(len(pieces), 50))
    kind = {"step": "step neurons", "sigmoid": "steep sigmoid neurons", "tanh": "steep tanh neurons"}[activation]
    details = {
        "construction": f"staircase of {kind}: {len(pieces)} adaptive pieces whose target range is at most "
        f"2·{eps_c:.3g}, levels at their middles, one neuron per jump",
        "uniform": uniform,
    }
    if steepness is not None:
        details["steepness"] = (
            f"k_i = (2/h_i)·ln(sum|J|/{tail:.3g}) per neuron, from {steepness.min():.3g} to "
            f"{steepness.max():.3g}: beyond half a sampling interval h_i from its threshold each "
            f"sigmoid is within tail·|J_i|/sum|J| of the step, so the tails add at most "
            f"{tail:.3g}"
        )
    return net, details


def _build_relu(f, x, y, a, b, eps_c, eps, cap, progress=None):
    candidates = []
    exact = exact_kinks(x, y)
    if exact is not None:
        net = relu_network(*exact)
        if np.max(np.abs(net.predict(x)[:, 0] - y)) <= 1e-9 * (1 + np.abs(y).max()):
            candidates.append(
                (
                    net,
                    "exact piecewise-linear: the target's kinks found in the samples, one ReLU "
                    "per kink plus one for the first slope",
                    True,
                )
            )
    t, v = corridor_knots(x, y, eps_c, progress=progress)
    candidates.append(
        (
            relu_network(t, v),
            f"continuous piecewise-linear best fit: {len(t) - 1} adaptive pieces, "
            f"each the middle line through its first knot within {eps_c:.3g} of the "
            "target, one ReLU per piece",
            False,
        )
    )
    net, construction, is_exact = min(candidates, key=lambda c: c[0].layers[0].neurons)
    count = net.layers[0].neurons
    if count > cap:
        raise _too_many("relu", count, cap, eps)
    _report(progress, "comparing with equal pieces", count)
    interpolated = len(corridor_knots(x, y, eps_c, interpolate=True)[0]) - 1
    uniform = _uniform_relu(f, x, y, a, b, eps_c, count, UNIFORM_SEARCH * max(count, 50))
    return net, {
        "construction": construction,
        "uniform": uniform,
        "interpolation_neurons": interpolated,
        "exact": is_exact,
    }


# ---------------------------------------------------------------- two inputs: towers

MAX_SAMPLES_2D = 257  # per direction; the check grid has (2n - 1)^2 points

REFINE_2D = 1 / 4


def approximate_2d(f, domain, eps: float, activation: str = "step", max_neurons: int = MAX_NEURONS) -> Network:
    """Nielsen-style towers for f(x, y), in the two-hidden-layer form, within ``eps`` on the rectangle.

    The rectangle is split into cells, quadtree fashion: a cell is halved in both directions while the
    target's range on its samples exceeds 2·eps'. Layer 1 has one step neuron per distinct cut line, in x and
    in y; layer 2 one step neuron per cell that fires when x and y are both inside it (a tower:
    step(bump_x + bump_y - 1.5), where bump_x = step(x - left) - step(x - right)); the linear output adds each
    cell's level (the middle of the target's range on it). Only the step activation is built in 2-D.
    """
    started = time.perf_counter()
    if activation != "step":
        raise ApproximationError("the 2-D construction (towers) is built from step neurons; use activation='step'")
    target, text = _target(f)
    (a, b), (c, d) = (_check_domain(part) for part in domain)
    n = 33
    while True:
        xs, ys = np.linspace(a, b, n), np.linspace(c, d, n)
        grid_x, grid_y = np.meshgrid(xs, ys)
        z = _evaluate(target, grid_x, grid_y)
        omega = max(np.abs(np.diff(z, axis=0)).max(), np.abs(np.diff(z, axis=1)).max())
        if omega <= eps * REFINE_2D:
            break
        if n >= MAX_SAMPLES_2D:
            if omega > 2 * eps:
                raise ApproximationError(
                    f"the target jumps by {omega:.4g} between neighbouring samples even on a {n}x{n} grid: it looks "
                    "discontinuous, and the universal approximation theorem covers continuous functions"
                )
            if omega > eps / 2:
                raise ApproximationError(
                    f"the target changes by {omega:.4g} between neighbouring samples on a {n}x{n} grid, the finest "
                    f"the 2-D construction uses; eps = {eps:g} needs finer: try eps >= {2 * omega:.3g}"
                )
            break
        n = 2 * n - 1
    eps_c = min(eps * (1 - REFINE_2D) * 0.96, eps - omega)
    for attempt in range(5):
        cells = _quadtree(z, eps_c * 0.8**attempt)
        net, cuts = _tower_network(xs, ys, z, cells)
        hidden = net.layers[0].neurons + net.layers[1].neurons
        if hidden > max_neurons:
            raise _too_many("tower", hidden, max_neurons, eps)
        cx, cy = np.meshgrid(_check_grid(xs, 2), _check_grid(ys, 2))  # samples and the midpoints between
        truth = _evaluate(target, cx, cy).ravel()
        points = np.column_stack([cx.ravel(), cy.ravel()])
        errors = np.abs(predict(net, points) - truth)
        if errors.max() <= eps:
            break
    else:
        raise ApproximationError(f"could not certify eps = {eps:g} for {text} (measured {errors.max():.4g})")
    uniform = _uniform_towers(z, eps_c * 0.8**attempt, hidden)
    net.certificate = Certificate(
        construction=(
            f"Nielsen towers, two-hidden-layer form: {cuts[0]} x-cuts and {cuts[1]} y-cuts (layer 1, "
            f"step), {len(cells)} adaptive cells (layer 2, one AND-of-bumps step neuron each), linear "
            "output adding each cell's level"
        ),
        activation="step",
        neurons=hidden,
        eps=eps,
        sup_error=float(errors.max()),
        mean_error=float(errors.mean()),
        check_points=len(points),
        grid_points=z.size,
        domain=((a, b), (c, d)),
        bound=eps_c * 0.8**attempt + omega,
        assumptions=(
            f"f is monotone between neighbouring samples along x and y (at most {omega:.3g} apart); the "
            "bound is each cell's half-range plus that largest change"
        ),
        uniform_neurons=uniform,
        seconds=time.perf_counter() - started,
    )
    return net


def _quadtree(z: np.ndarray, eps: float) -> list[tuple[int, int, int, int]]:
    """Cells (row0, row1, col0, col1) of sample indices, inclusive, whose target range is at most 2·eps."""
    leaves, todo = [], [(0, z.shape[0] - 1, 0, z.shape[1] - 1)]
    while todo:
        r0, r1, c0, c1 = todo.pop()
        block = z[r0 : r1 + 1, c0 : c1 + 1]
        if block.max() - block.min() <= 2 * eps or (r0 == r1 and c0 == c1):
            leaves.append((r0, r1, c0, c1))
            continue
        rows = [(r0, r1)] if r0 == r1 else [(r0, (r0 + r1) // 2), ((r0 + r1) // 2 + 1, r1)]
        cols = [(c0, c1)] if c0 == c1 else [(c0, (c0 + c1) // 2), ((c0 + c1) // 2 + 1, c1)]
        todo.extend((ra, rb, ca, cb) for ra, rb in rows for ca, cb in cols)
    return leaves


def _tower_network(xs, ys, z, cells):
    def cut(values, index):  # half way between sample index-1 and index
        return (values[index - 1] + values[index]) / 2

    x_cuts = sorted({c for _, _, c0, c1 in cells for c in (c0, c1 + 1) if 0 < c < len(xs)})
    y_cuts = sorted({r for r0, r1, _, _ in cells for r in (r0, r1 + 1) if 0 < r < len(ys)})
    x_index = {c: i for i, c in enumerate(x_cuts)}
    y_index = {r: len(x_cuts) + i for i, r in enumerate(y_cuts)}
    n1 = len(x_cuts) + len(y_cuts)
    w1 = np.zeros((2, max(n1, 1)))
    b1 = np.zeros(max(n1, 1))
    for c, i in x_index.items():
        w1[0, i], b1[i] = 1.0, -cut(xs, c)
    for r, i in y_index.items():
        w1[1, i], b1[i] = 1.0, -cut(ys, r)
    w2 = np.zeros((max(n1, 1), len(cells)))
    b2 = np.full(len(cells), -1.5)
    levels = np.empty(len(cells))
    for k, (r0, r1, c0, c1) in enumerate(cells):
        block = z[r0 : r1 + 1, c0 : c1 + 1]
        levels[k] = (block.max() + block.min()) / 2
        # bump_x = step(x - left) - step(x - right); at a domain edge the step is 1 (left) or 0 (right)
        for sign, index, table in (
            (1.0, c0, x_index),
            (-1.0, c1 + 1, x_index),
            (1.0, r0, y_index),
            (-1.0, r1 + 1, y_index),
        ):
            if index in table:
                w2[table[index], k] += sign
            elif sign > 0:
                b2[k] += 1.0
    layer1 = Dense(2, max(n1, 1), "step", weights=w1, bias=b1)
    layer2 = Dense(max(n1, 1), len(cells), "step", weights=w2, bias=b2)
    output = Dense(len(cells), 1, "linear", weights=levels.reshape(-1, 1), bias=[0.0])
    return Network([layer1, layer2, output]), (len(x_cuts), len(y_cuts))


def _uniform_towers(z: np.ndarray, eps: float, low: int) -> int | None:
    """Hidden neurons equal cells would need: 2(n-1) cuts plus n^2 cells, for the smallest n that works."""
    rows, cols = z.shape

    def works(n):
        r_edges = np.unique(np.linspace(0, rows, n + 1).astype(int)[:-1])
        c_edges = np.unique(np.linspace(0, cols, n + 1).astype(int)[:-1])
        high = np.maximum.reduceat(np.maximum.reduceat(z, r_edges, axis=0), c_edges, axis=1)
        low_ = np.minimum.reduceat(np.minimum.reduceat(z, r_edges, axis=0), c_edges, axis=1)
        return np.all(high - low_ <= 2 * eps)

    n = _minimal_n(works, 1, max(rows, cols))
    return None if n is None else 2 * (n - 1) + n * n


# ---------------------------------------------------------------- built vs learned


@dataclass
class Comparison:
    """The certified construction and the same architecture trained by backprop, side by side."""

    target: str
    domain: tuple
    activation: str
    neurons: int
    rows: list  # dicts: name, sup_error, mean_error, seconds, network

    def table(self) -> str:
        lines = [
            f"{self.target} on [{self.domain[0]:g}, {self.domain[1]:g}], 1-{self.neurons}-1 {self.activation}:",
            f"{'':44s} {'sup |error|':>12s} {'mean |error|':>13s} {'seconds':>8s}",
        ]
        for row in self.rows:
            lines.append(f"{row['name']:44s} {row['sup_error']:12.4g} {row['mean_error']:13.4g} {row['seconds']:8.2f}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def construct_with(f, domain, neurons: int, activation: str = "relu") -> Network:
    """The certified construction with at most ``neurons`` hidden neurons and the smallest eps that allows."""
    target, _ = _target(f)
    a, b = _check_domain(domain)
    span = float(np.ptp(_evaluate(target, np.linspace(a, b, 4097)))) or 1.0
    low, high, best = math.log(span * 1e-6), math.log(span), None
    for _ in range(30):  # bisection on log eps
        middle = (low + high) / 2
        try:
            net = approximate(target, (a, b), math.exp(middle), activation, max_neurons=neurons)
        except ApproximationError:
            low = middle
            continue
        best, high = net, middle
    if best is None:
        best = approximate(target, (a, b), span, activation, max_neurons=max(neurons, 1))
    return best


def compare(
    f,
    domain=(-1.0, 1.0),
    neurons: int = 16,
    activation: str = "relu",
    epochs: int = 3000,
    seed: int = 0,
    points: int = 512,
) -> Comparison:
    """Built vs learned: the construction with ``neurons`` neurons, and the same network trained by backprop
    from a random start and from the construction, with sup and mean errors on a dense grid and times."""
    from neuronlab.engine.network import mlp
    from neuronlab.training.train import fit

    if activation == "step":
        raise ApproximationError(
            "step networks cannot be trained by backprop (zero gradient almost everywhere); "
            "compare with relu, sigmoid or tanh"
        )
    target, text = _target(f)
    a, b = _check_domain(domain)
    started = time.perf_counter()
    built = construct_with(target, (a, b), int(neurons), activation)
    built_seconds = time.perf_counter() - started
    assert built.certificate is not None, "construct_with returns what approximate built, and that is certified"
    n = built.layers[0].neurons
    x = np.linspace(a, b, points)
    y = _evaluate(target, x)
    dense = np.linspace(a, b, 20001)
    truth = _evaluate(target, dense)

    def row(name, net, seconds):
        errors = np.abs(predict(net, dense.reshape(-1, 1)) - truth)
        return {
            "name": name,
            "sup_error": float(errors.max()),
            "mean_error": float(errors.mean()),
            "seconds": seconds,
            "network": net,
        }

    rows = [row(f"built (certified, eps {built.certificate.eps:.3g})", built, built_seconds)]
    random_start = mlp([1, n, 1], activation=activation, seed=seed)
    history = fit(random_start, x, y, epochs=epochs, progress=False, seed=seed)
    rows.append(row(f"learned from random start ({history.epochs} epochs)", random_start, history.time))
    from_built = built.copy()
    history = fit(
        from_built, x, y, epochs=epochs, progress=False, seed=seed, lr=1e-3, scale=False
    )  # the construction's weights are in raw units: standardising would undo it
    rows.append(row(f"learned from the construction ({history.epochs} ep.)", from_built, history.time))
    return Comparison(text, (a, b), activation, n, rows)
