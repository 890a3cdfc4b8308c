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
old file (or none), never half a file. ``load`` reads and checks the header before any array, and each
array's declared shape and size against it, so a crafted file cannot make it allocate more than it says.

    net = nl.mlp([1, 4, 1], seed=0)
    net.save("model.npz")
    same = nl.load("model.npz")
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

import numpy as np

from neuronlab.engine import activations
from neuronlab.engine.network import Dense, Network, Scaling

if TYPE_CHECKING:  # an optional dependency: imported when a function needs it (_torch)
    import torch.nn

FORMAT = "neuronlab-network"
VERSION = 2
READS = (1, 2)  # version 1: the same without scaling
SCALING_ARRAYS = ("x_mean", "x_scale", "y_mean", "y_scale")


class FormatError(ValueError):
    """A file that is not a valid neuronlab network (empty, truncated, foreign or changed)."""


def open_regular(path, limit: int, error: type[ValueError] = FormatError, what: str = "file"):
    """``path`` opened for binary reading if it is a regular file of at most ``limit`` bytes; else ``error``
    saying why. A device (/dev/zero), a pipe or a socket is refused before anything is read: the file is
    opened without blocking (a plain open of a FIFO waits for a writer before any check could run) and
    checked on the open descriptor, so it cannot be swapped between the check and the read.

        >>> open_regular("/dev/zero", 100)
        Traceback (most recent call last):
        ...
        neuronlab.io.FormatError: /dev/zero is not a regular file (a device, a pipe or a socket); give a file
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"{path} is a folder; give a {what}")
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{path} is not a regular file (a device, a pipe or a socket); give a {what}")
        if info.st_size > limit:
            raise error(f"{path} is {info.st_size:,} bytes; a {what} of at most {limit:,} bytes is read")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path, limit: int, error: type[ValueError] = FormatError, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (``open_regular``), read with that bound even
    if the file grows, or says it is small and is not (as files in /proc do)."""
    with open_regular(path, limit, error, what) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise error(f"{path} holds more than {limit:,} bytes; a {what} of at most {limit:,} bytes is read")
    return data


def _checksum(dtype, layers, arrays: list[np.ndarray], scaling=None) -> str:
    described = (
        {"dtype": dtype, "layers": layers}
        if scaling is None
        else {"dtype": dtype, "layers": layers, "scaling": scaling}
    )  # version 1 had no "scaling"
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
    file is removed and ``path`` is untouched. The file gets the mode of the file it replaces, or else the
    usual mode for a new file (0666 less the umask), not the temporary file's private 0600.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    """The process's umask (read by setting it and putting it back: POSIX has no other way before 3.13)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


MAX_HEADER_BYTES = 1 << 20
MAX_LOAD_BYTES = 1 << 30  # weights of all layers together: 1 GiB (128 million float64)
MAX_LAYERS = 1000
MAX_FILE_BYTES = (
    MAX_LOAD_BYTES + MAX_HEADER_BYTES + (MAX_LAYERS + 4) * 2 * (4096 + 1024)
)  # weights, header, per-array room
_NPY_HEADER_ROOM = 4096  # a member's .npy header and padding, beyond its data


def load(path) -> Network:
    """Read a network written by ``save``; anything else raises ``FormatError`` saying why.

    The header is read and checked first; every array's declared shape and size (in the zip directory and
    in its own .npy header) is checked against it before its data is read, and all of them together are
    capped at ``MAX_LOAD_BYTES``, so a crafted file cannot make ``load`` allocate or inflate more.
    """
    path = Path(path)
    with open_regular(path, MAX_FILE_BYTES, FormatError, "neuronlab network file") as f:
        return _load_from(f, path)


def _load_from(f, path) -> Network:
    start = f.read(4)
    f.seek(0)
    if not start:
        raise FormatError(f"{path} is empty")
    if not start.startswith(b"PK"):
        raise FormatError(f"{path} is not a neuronlab network file (not an .npz archive)")
    try:
        with zipfile.ZipFile(f) as archive:
            members = {info.filename: info for info in archive.infolist()}
            if "header.npy" not in members:
                raise FormatError(f"{path} is an .npz archive but not a neuronlab network (no header)")
            raw_header = _read_member(archive, members["header.npy"], None, np.dtype(np.uint8), path)
            try:
                header = json.loads(raw_header.tobytes().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise FormatError(f"{path} has an unreadable header") from None
            except RecursionError:  # lists in lists, hundreds of thousands deep: no header of ours nests so
                raise FormatError(f"{path} has a header nested too deep to be a neuronlab network") from None
            declared = _declared_arrays(header, path)
            found = sorted(name[:-4] if name.endswith(".npy") else name for name in members if name != "header.npy")
            if found != sorted(declared):
                raise FormatError(f"{path} holds arrays {found}, expected {sorted(declared)}")
            contents = {
                name: _read_member(archive, members[f"{name}.npy"], shape, np.dtype(header["dtype"]), path)
                for name, shape in declared.items()
            }
    except FormatError:
        raise
    except (
        ValueError,
        OSError,
        EOFError,
        KeyError,
        zipfile.BadZipFile,
        zlib.error,
        OverflowError,
        MemoryError,
        NotImplementedError,
    ) as err:
        raise FormatError(f"{path} is truncated or damaged ({type(err).__name__})") from None
    return _network_from(header, contents, path)


def _size(n: object) -> TypeGuard[int]:
    """A layer's inputs or neurons as a header may give them: a positive whole number (not True), not absurdly large."""
    return isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_LOAD_BYTES


def _declared_arrays(header, path) -> dict[str, tuple[int, ...]]:
    """The arrays the header promises, name -> shape, after checking the header itself (before any array).

    Add a name here for any array a later format version lists in its header; ``load`` checks each one's
    shape and size against it before reading it.
    """
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise FormatError(
            f"{path} is not a neuronlab network (format {header.get('format')!r})"
            if isinstance(header, dict)
            else f"{path} has a malformed header"
        )
    version = header.get("version")
    if version not in READS:
        raise FormatError(f"{path} has format version {version!r}; this neuronlab reads versions 1 and {VERSION}")
    scaled = header.get("scaling", False) if version >= 2 else None
    if scaled not in (True, False, None):
        raise FormatError(f"{path} has a malformed header (scaling {scaled!r})")
    dtype, layers = header.get("dtype"), header.get("layers")
    if dtype not in ("float64", "float32"):
        raise FormatError(f"{path} names an unsupported dtype {dtype!r}")
    if not isinstance(layers, list) or not layers or len(layers) > MAX_LAYERS:
        raise FormatError(
            f"{path} lists no layers"
            if not layers or not isinstance(layers, list)
            else f"{path} lists {len(layers):,} layers; at most {MAX_LAYERS:,}"
        )
    shapes: dict[str, tuple[int, ...]] = {}
    total = 0
    for i, spec in enumerate(layers):
        inputs, neurons = (spec.get("inputs"), spec.get("neurons")) if isinstance(spec, dict) else (None, None)
        if not (_size(inputs) and _size(neurons)):
            raise FormatError(f"{path}: layer {i + 1} is malformed (inputs and neurons must be positive whole numbers)")
        shapes[f"W{i}"], shapes[f"b{i}"] = (inputs, neurons), (neurons,)
        total += (inputs + 1) * neurons * np.dtype(dtype).itemsize
        if total > MAX_LOAD_BYTES:
            raise FormatError(f"{path} declares more than {MAX_LOAD_BYTES >> 20:,} MB of weights; refusing to load it")
    if scaled:  # version 2: the inputs' and outputs' standardisation, one number per input / output
        inputs, outputs = layers[0]["inputs"], layers[-1]["neurons"]
        shapes.update({"x_mean": (inputs,), "x_scale": (inputs,), "y_mean": (outputs,), "y_scale": (outputs,)})
    return shapes


def _read_member(archive, info, shape, dtype, path) -> np.ndarray:
    """One .npy member, its zip and .npy headers checked against ``shape`` (None: the header, capped) and
    ``dtype`` before its data is read."""
    if shape is None:
        limit = MAX_HEADER_BYTES
    else:
        limit = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if info.file_size > limit + _NPY_HEADER_ROOM or (shape is not None and info.file_size < limit):
        raise FormatError(f"{path}: {info.filename} is {info.file_size:,} bytes, not what the header declares")
    with archive.open(info) as f:
        version = np.lib.format.read_magic(f)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}.get(
            version
        )
        if read_header is None:
            raise FormatError(f"{path}: {info.filename} has an unknown .npy version {version}")
        found_shape, fortran, found_dtype = read_header(f)
        if (
            found_dtype != dtype
            or len(found_shape) != (1 if shape is None else len(shape))
            or (shape is not None and tuple(found_shape) != tuple(shape))
        ):
            raise FormatError(
                f"{path}: {info.filename} holds {found_dtype} {found_shape}, not what the header declares"
            )
        count = int(np.prod(found_shape, dtype=object))
        if count * dtype.itemsize > limit:
            raise FormatError(f"{path}: {info.filename} is larger than the header declares")
        data = f.read(count * dtype.itemsize)
    if len(data) != count * dtype.itemsize:
        raise FormatError(f"{path}: {info.filename} is truncated")
    return np.frombuffer(data, dtype=dtype).reshape(found_shape, order="F" if fortran else "C").copy()


def _network_from(header, contents: dict, path) -> Network:
    dtype, layers = header["dtype"], header["layers"]
    scaled = header.get("scaling", False) if header["version"] >= 2 else None
    arrays = [contents[f"{kind}{i}"] for i in range(len(layers)) for kind in "Wb"]
    arrays += [contents[name] for name in SCALING_ARRAYS] if scaled else []
    if header.get("sha256") != _checksum(dtype, layers, arrays, scaled):
        raise FormatError(f"{path}: the weights or layers do not match the header's checksum (changed or damaged)")
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
            x_mean, x_scale, y_mean, y_scale = values = [contents[name] for name in SCALING_ARRAYS]
            if any(v.ndim != 1 or v.dtype != dtype for v in values):
                raise FormatError(f"{path}: the scaling arrays do not match the header")
            scaling = Scaling(x_mean, x_scale, y_mean, y_scale, dtype=dtype)
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


_TORCH_MODULES: dict[str, Callable[[], torch.nn.Module]] = {}  # activation name -> a module's maker


def _torch_modules():
    """torch.nn modules for activations torch lacks as modules (step, sin), made once."""
    if not _TORCH_MODULES:
        _torch()  # a clear ImportError when PyTorch is missing
        import torch  # here, not through _torch(): the type checker needs the module to know the base classes

        class Step(torch.nn.Module):
            """Heaviside step: 1 where z >= 0, else 0."""

            def forward(self, z):
                return (z >= 0).to(z.dtype)

        class Sin(torch.nn.Module):
            def forward(self, z):
                return torch.sin(z)

        nn = torch.nn
        _TORCH_MODULES.update(
            {
                "step": Step,
                "sin": Sin,
                "sigmoid": nn.Sigmoid,
                "tanh": nn.Tanh,
                "relu": nn.ReLU,
                "leaky_relu": lambda: nn.LeakyReLU(activations.LEAKY_SLOPE),
                "softplus": nn.Softplus,
                "gelu": nn.GELU,
                "silu": nn.SiLU,
            }
        )
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
    by_type = {
        nn.Sigmoid: "sigmoid",
        nn.Tanh: "tanh",
        nn.ReLU: "relu",
        nn.Softplus: "softplus",
        nn.GELU: "gelu",
        nn.SiLU: "silu",
        nn.Identity: "linear",
        factories["step"]: "step",
        factories["sin"]: "sin",
    }
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
        bias = (
            linear.bias.detach().cpu().numpy()
            if linear.bias is not None
            else np.zeros(linear.out_features, dtype=weight.dtype)
        )
        layers.append(
            Dense(
                linear.in_features,
                linear.out_features,
                name,
                weights=weight.T.copy(),
                bias=bias.copy(),
                dtype=weight.dtype,
            )
        )
    if not layers:
        raise ValueError("the module holds no Linear layers")
    return Network(layers)
