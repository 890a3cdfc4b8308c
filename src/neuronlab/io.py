"""Saving and loading networks, and converting them to and from PyTorch.

File format (version 2): a NumPy ``.npz`` archive (a zip of ``.npy`` arrays, no pickled code) holding

- ``header``: UTF-8 JSON as bytes: ``{"format": "neuronlab-network", "version": 2, "dtype": "float64",
  "layers": [{"inputs": 1, "neurons": 16, "activation": "tanh"}, ...], "scaling": false, "sha256": "..."}``
- ``W0, b0, W1, b1, ...``: each layer's weights (inputs, neurons) and biases (neurons,).
- with ``"scaling": true``, the network's ``Scaling``: ``x_mean, x_scale`` (inputs,), ``y_mean, y_scale``
  (outputs,).

``sha256`` is taken over the JSON of ``{"dtype", "layers"}`` (sorted keys; version 2 adds ``"scaling"``)
followed by the arrays' bytes in order, so a changed or damaged file is caught. Version 1 (no scaling) is
still read.
Files are written to a temporary file beside the target and renamed over it: a crash mid-save leaves the
old file (or none), never half a file.

    net = nl.mlp([1, 4, 1], seed=0)
    net.save("model.npz")
    same = nl.load("model.npz")
"""

from __future__ import annotations

import hashlib
import io as _io
import json
import os
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from . import activations
from .network import Dense, Network, Scaling

FORMAT = "neuronlab-network"
VERSION = 2
READS = (1, 2)  # version 1: the same without scaling
SCALING_ARRAYS = ("x_mean", "x_scale", "y_mean", "y_scale")


class FormatError(ValueError):
    """A file that is not a valid neuronlab network (empty, truncated, foreign or changed)."""


def _checksum(dtype, layers, arrays: list[np.ndarray], scaling=None) -> str:
    described = {"dtype": dtype, "layers": layers} if scaling is None else \
        {"dtype": dtype, "layers": layers, "scaling": scaling}  # version 1 had no "scaling"
    digest = hashlib.sha256(json.dumps(described, sort_keys=True).encode())
    for a in arrays:
        digest.update(np.ascontiguousarray(a).tobytes())
    return digest.hexdigest()


def save(net: Network, path) -> None:
    """Write ``net`` to ``path`` atomically (see the module doc for the format)."""
    if not isinstance(net, Network):
        raise TypeError(f"save needs a neuronlab Network, got {type(net).__name__}")
    path = Path(path)
    arrays = {}
    for i, layer in enumerate(net.layers):
        arrays[f"W{i}"], arrays[f"b{i}"] = layer.W.data, layer.b.data
    if net.scaling is not None:
        arrays.update({name: getattr(net.scaling, name) for name in SCALING_ARRAYS})
    if not all(np.all(np.isfinite(a)) for a in arrays.values()):
        raise FormatError("the network has NaN or infinite weights; refusing to save them")
    layers = [{"inputs": l.inputs, "neurons": l.neurons, "activation": l.activation.name} for l in net.layers]
    header = {
        "format": FORMAT,
        "version": VERSION,
        "dtype": str(net.dtype),
        "layers": layers,
        "scaling": net.scaling is not None,
        "sha256": _checksum(str(net.dtype), layers, list(arrays.values()), net.scaling is not None),
    }
    arrays["header"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    atomic_write(path, lambda f: np.savez(f, **arrays))


def atomic_write(path, write) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it over ``path``.

    Readers see the old file or the complete new one, never a partial one; on any error the temporary
    file is removed and ``path`` is untouched.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path) -> Network:
    """Read a network written by ``save``; anything else raises ``FormatError`` saying why."""
    path = Path(path)
    raw = path.read_bytes()  # FileNotFoundError / IsADirectoryError speak for themselves
    if not raw:
        raise FormatError(f"{path} is empty")
    if not raw.startswith(b"PK"):
        raise FormatError(f"{path} is not a neuronlab network file (not an .npz archive)")
    try:
        with np.load(_io.BytesIO(raw), allow_pickle=False) as archive:
            if "header" not in archive.files:
                raise FormatError(f"{path} is an .npz archive but not a neuronlab network (no header)")
            header_bytes = archive["header"]
            contents = {name: archive[name] for name in archive.files if name != "header"}
    except FormatError:
        raise
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as err:
        raise FormatError(f"{path} is truncated or damaged ({err})") from None
    try:
        header = json.loads(header_bytes.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FormatError(f"{path} has an unreadable header") from None
    return _network_from(header, contents, path)


def _network_from(header, contents: dict, path) -> Network:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise FormatError(f"{path} is not a neuronlab network (format {header.get('format')!r})"
                          if isinstance(header, dict) else f"{path} has a malformed header")
    version = header.get("version")
    if version not in READS:
        raise FormatError(f"{path} has format version {version!r}; this neuronlab reads versions 1 and {VERSION}")
    scaled = header.get("scaling", False) if version >= 2 else None
    if scaled not in (True, False, None):
        raise FormatError(f"{path} has a malformed header (scaling {scaled!r})")
    dtype, layers = header.get("dtype"), header.get("layers")
    if dtype not in ("float64", "float32"):
        raise FormatError(f"{path} names an unsupported dtype {dtype!r}")
    if not isinstance(layers, list) or not layers:
        raise FormatError(f"{path} lists no layers")
    expected = {f"{kind}{i}" for i in range(len(layers)) for kind in "Wb"} | (set(SCALING_ARRAYS) if scaled else set())
    if set(contents) != expected:
        raise FormatError(f"{path} holds arrays {sorted(contents)}, expected {sorted(expected)}")
    arrays = [contents[f"{kind}{i}"] for i in range(len(layers)) for kind in "Wb"]
    arrays += [contents[name] for name in SCALING_ARRAYS] if scaled else []
    if header.get("sha256") != _checksum(dtype, layers, arrays, scaled):
        raise FormatError(f"{path}: the weights or layers do not match the header's checksum "
                          "(changed or damaged)")
    built = []
    for i, spec in enumerate(layers):
        try:
            inputs, neurons, act = int(spec["inputs"]), int(spec["neurons"]), spec["activation"]
            activations.get(act)
        except (KeyError, TypeError, ValueError) as err:
            raise FormatError(f"{path}: layer {i + 1} is malformed ({err})") from None
        W, b = contents[f"W{i}"], contents[f"b{i}"]
        if W.shape != (inputs, neurons) or b.shape != (neurons,) or W.dtype != dtype or b.dtype != dtype:
            raise FormatError(f"{path}: layer {i + 1}'s arrays do not match its header")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise FormatError(f"{path}: layer {i + 1} has NaN or infinite weights")
        built.append(Dense(inputs, neurons, act, weights=W, bias=b, dtype=dtype))
    try:
        scaling = None
        if scaled:
            values = [contents[name] for name in SCALING_ARRAYS]
            if any(v.ndim != 1 or v.dtype != dtype for v in values):
                raise FormatError(f"{path}: the scaling arrays do not match the header")
            scaling = Scaling(*values, dtype=dtype)
        return Network(built, scaling=scaling)
    except FormatError:
        raise
    except ValueError as err:
        raise FormatError(f"{path}: {err}") from None


# ---------------------------------------------------------------- PyTorch

def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError(
            "this needs PyTorch, which is not installed: pip install 'neuronlab[torch]' "
            "(or pip install torch==2.13.0 for the CPU build)"
        ) from None
    return torch


_TORCH_MODULES = {}


def _torch_modules():
    """torch.nn modules for activations torch lacks as modules (step, sin), made once."""
    if not _TORCH_MODULES:
        torch = _torch()

        class Step(torch.nn.Module):
            """Heaviside step: 1 where z >= 0, else 0."""

            def forward(self, z):
                return (z >= 0).to(z.dtype)

        class Sin(torch.nn.Module):
            def forward(self, z):
                return torch.sin(z)

        nn = torch.nn
        _TORCH_MODULES.update({
            "step": Step, "sin": Sin, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
            "leaky_relu": lambda: nn.LeakyReLU(activations.LEAKY_SLOPE), "softplus": nn.Softplus,
            "gelu": nn.GELU, "silu": nn.SiLU,
        })
    return _TORCH_MODULES


def to_torch(net: Network):
    """An equivalent ``torch.nn.Sequential``: a ``Linear`` per layer, each followed by its activation.

    A network's ``scaling`` is folded into the first and last ``Linear`` layers (``net.folded()``), so the
    module takes raw inputs and gives raw outputs, as ``predict`` does.
    """
    torch = _torch()
    net = net.folded()
    modules, factories = [], _torch_modules()
    dtype = torch.float64 if net.dtype == np.float64 else torch.float32
    for layer in net.layers:
        linear = torch.nn.Linear(layer.inputs, layer.neurons, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.W.data.T.copy()))  # torch stores (out, in)
            linear.bias.copy_(torch.from_numpy(layer.b.data.copy()))
        modules.append(linear)
        if layer.activation.name != "linear":
            modules.append(factories[layer.activation.name]())
    return torch.nn.Sequential(*modules)


def from_torch(module) -> Network:
    """A neuronlab ``Network`` from a ``torch.nn.Sequential`` of ``Linear`` layers and activations."""
    torch = _torch()
    nn = torch.nn
    factories = _torch_modules()
    by_type = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu", nn.Softplus: "softplus",
               nn.GELU: "gelu", nn.SiLU: "silu", nn.Identity: "linear",
               factories["step"]: "step", factories["sin"]: "sin"}
    children = list(module.children()) if isinstance(module, nn.Sequential) else [module]
    layers, i = [], 0
    while i < len(children):
        linear = children[i]
        if not isinstance(linear, nn.Linear):
            raise ValueError(f"expected a Linear layer at position {i}, found {type(linear).__name__}")
        name, i = "linear", i + 1
        if i < len(children) and not isinstance(children[i], nn.Linear):
            act = children[i]
            if isinstance(act, nn.LeakyReLU) and act.negative_slope == activations.LEAKY_SLOPE:
                name = "leaky_relu"
            elif isinstance(act, nn.GELU) and act.approximate != "none":
                raise ValueError("only the exact GELU (approximate='none') has a neuronlab equivalent")
            elif isinstance(act, nn.Softplus) and (act.beta != 1 or act.threshold != 20):
                raise ValueError("only Softplus with beta=1 has a neuronlab equivalent")
            elif type(act) in by_type:
                name = by_type[type(act)]
            else:
                raise ValueError(f"{type(act).__name__} has no neuronlab equivalent at position {i}")
            i += 1
        weight = linear.weight.detach().cpu().numpy()
        if weight.dtype not in (np.float64, np.float32):
            raise ValueError(f"weights of type {weight.dtype} are not supported (use float32 or float64)")
        bias = (linear.bias.detach().cpu().numpy() if linear.bias is not None
                else np.zeros(linear.out_features, dtype=weight.dtype))
        layers.append(Dense(linear.in_features, linear.out_features, name, weights=weight.T.copy(),
                            bias=bias.copy(), dtype=weight.dtype))
    if not layers:
        raise ValueError("the module holds no Linear layers")
    return Network(layers)
