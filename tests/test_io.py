import json
import os

import numpy as np
import pytest

import neuronlab as nl
from neuronlab import io as nio


def trained_net(dtype="float64"):
    net = nl.mlp([2, 5, 3, 1], activation="gelu", output_activation="sigmoid", seed=0, dtype=dtype)
    x = np.random.default_rng(0).normal(size=(20, 2))
    nl.fit(net, x, x[:, :1] > 0, epochs=5, progress=False)
    return net


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_is_bit_for_bit(tmp_path, dtype):
    net = trained_net(dtype)
    net.save(tmp_path / "model.npz")
    same = nl.load(tmp_path / "model.npz")
    assert same.describe() == net.describe() and same.dtype == np.dtype(dtype)
    for p, q in zip(net.parameters(), same.parameters()):
        assert p.data.tobytes() == q.data.tobytes()
    x = np.random.default_rng(1).normal(size=(4, 2))
    assert same.predict(x).tobytes() == net.predict(x).tobytes()


def test_crash_mid_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    old = nl.mlp([1, 2, 1], seed=0)
    old.save(path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(nio.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        nl.mlp([1, 9, 1], seed=1).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]  # no temporary file left behind


def test_nan_weights_are_not_saved(tmp_path):
    net = nl.mlp([1, 2, 1], seed=0)
    net.layers[0].W.data[0, 0] = np.nan
    with pytest.raises(nl.FormatError, match="NaN"):
        net.save(tmp_path / "bad.npz")
    assert not (tmp_path / "bad.npz").exists()


def rewrite(path, change):
    """Load the archive's arrays, let `change` edit them (and the header dict), write them back."""
    with np.load(path) as archive:
        arrays = {k: archive[k] for k in archive.files}
    header = json.loads(arrays["header"].tobytes())
    change(arrays, header)
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(path, **arrays)


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "truncated or damaged"),
        (lambda p: p.write_text("W0,b0\n1,2\n"), "not a neuronlab network file"),
        (lambda p: np.savez(p, a=np.ones(3)), "not a neuronlab network .no header"),
        (lambda p: rewrite(p, lambda a, h: a["W0"].__setitem__((0, 0), 42.0)), "checksum"),
        (lambda p: rewrite(p, lambda a, h: h.update(version=99)), "format version 99"),
        (lambda p: rewrite(p, lambda a, h: h.update(format="other")), "not a neuronlab network"),
        (lambda p: rewrite(p, lambda a, h: a.pop("b1")), "holds arrays"),
        (lambda p: rewrite(p, lambda a, h: h["layers"][0].update(activation="relu")), "checksum"),
        (lambda p: rewrite(p, lambda a, h: h.pop("sha256")), "checksum"),
    ],
)
def test_damaged_files_are_refused_with_the_reason(tmp_path, damage, message):
    path = tmp_path / "model.npz"
    trained_net().save(path)
    damage(path)
    with pytest.raises(nl.FormatError, match=message):
        nl.load(path)


def test_object_arrays_are_never_unpickled(tmp_path):
    path = tmp_path / "model.npz"
    np.savez(path, header=np.array([{"format": "neuronlab-network"}], dtype=object))
    with pytest.raises(nl.FormatError):
        nl.load(path)


def test_torch_round_trip(torch):
    net = nl.mlp([3, 4, 4, 4, 4, 4, 4, 2], activation="tanh", seed=0)
    for layer, name in zip(net.layers, ["sigmoid", "relu", "leaky_relu", "softplus", "silu", "sin", "linear"]):
        layer.activation = nl.activations.get(name)
    module = net.to_torch()
    x = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_allclose(module(torch.tensor(x)).detach().numpy(), net.predict(x), rtol=1e-12)
    back = nl.from_torch(module)
    assert back.describe() == net.describe()
    assert all(np.array_equal(p.data, q.data) for p, q in zip(net.parameters(), back.parameters()))


def test_from_torch_reads_float32_modules_and_refuses_unknown_ones(torch):
    module = torch.nn.Sequential(torch.nn.Linear(2, 3).float(), torch.nn.GELU(), torch.nn.Linear(3, 1).float())
    net = nl.from_torch(module)
    assert net.dtype == np.float32 and net.describe() == "2 -> 3 gelu -> 1 linear"
    with pytest.raises(ValueError, match="ELU has no neuronlab equivalent"):
        nl.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ELU()))
    step = nl.Network([nl.Dense(1, 2, "step", weights=[[1.0, 1.0]], bias=[0.0, -1.0]), nl.Dense(2, 1)])
    x = np.array([[-0.5], [0.5], [1.5]])
    np.testing.assert_array_equal(step.to_torch()(torch.tensor(x)).detach().numpy(), step.predict(x))
    assert nl.from_torch(step.to_torch()).describe() == step.describe()


def test_missing_torch_names_the_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch":
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(ImportError, match=r"neuronlab\[torch\]"):
        nl.mlp([1, 2, 1]).to_torch()


def _crafted(path, layers, arrays, compressed=False):
    """An archive with a hand-written header (checksum and all) and the given arrays."""
    header = {"format": "neuronlab-network", "version": 1, "dtype": "float64", "layers": layers, "sha256": "0" * 64}
    (np.savez_compressed if compressed else np.savez)(
        path, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8), **arrays
    )


@pytest.mark.parametrize(
    "layers, arrays, compressed, message",
    [
        # a zip bomb: 400 MB of zeros in a few hundred kB, where the header promises a 1x2 layer
        (
            [{"inputs": 1, "neurons": 2, "activation": "tanh"}, {"inputs": 2, "neurons": 1, "activation": "linear"}],
            {"W0": np.zeros((1, 50_000_000)), "b0": np.zeros(2), "W1": np.zeros((2, 1)), "b1": np.zeros(1)},
            True,
            "not what the header declares",
        ),
        # the header promises 800 MB of weights that the file does not hold: refused before allocating them
        (
            [{"inputs": 10_000, "neurons": 10_000, "activation": "tanh"}],
            {"W0": np.zeros((1, 2)), "b0": np.zeros(2)},
            False,
            "not what the header declares",
        ),
        (
            [{"inputs": 10**30, "neurons": 10**30, "activation": "tanh"}],
            {"W0": np.zeros((1, 2)), "b0": np.zeros(2)},
            False,
            "layer 1 is malformed",
        ),
        (
            [{"inputs": 100_000, "neurons": 100_000, "activation": "tanh"}],
            {"W0": np.zeros((1, 2)), "b0": np.zeros(2)},
            False,
            "more than 1,024 MB",
        ),
        (
            [{"inputs": "1", "neurons": 2.5, "activation": "tanh"}],
            {"W0": np.zeros((1, 2)), "b0": np.zeros(2)},
            False,
            "layer 1 is malformed",
        ),
        (
            [{"inputs": 1, "neurons": 2, "activation": "tanh"}],
            {"W0": np.zeros((2, 1)), "b0": np.zeros(2)},
            False,
            "holds float64 \\(2, 1\\)",
        ),
    ],
)
def test_crafted_files_are_refused_before_their_arrays_are_read(tmp_path, layers, arrays, compressed, message):
    import tracemalloc

    path = tmp_path / "crafted.npz"
    _crafted(path, layers, arrays, compressed)
    del arrays
    tracemalloc.start()
    try:
        with pytest.raises(nl.FormatError, match=message):
            nl.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024**2  # nothing near what the file claims was allocated


def test_the_cli_reports_a_crafted_file_in_one_line(tmp_path, capsys):
    from neuronlab import cli

    path = tmp_path / "crafted.npz"
    _crafted(
        path, [{"inputs": 10**30, "neurons": 1, "activation": "tanh"}], {"W0": np.zeros((1, 1)), "b0": np.zeros(1)}
    )
    assert cli.main(["draw", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "malformed" in err and "Traceback" not in err


def test_written_files_follow_the_umask_or_the_replaced_file(tmp_path):
    old = os.umask(0o022)
    try:
        net = nl.mlp([1, 2, 1], seed=0)
        net.save(tmp_path / "model.npz")
        assert (tmp_path / "model.npz").stat().st_mode & 0o777 == 0o644
        os.umask(0o077)
        net.save(tmp_path / "private.npz")
        assert (tmp_path / "private.npz").stat().st_mode & 0o777 == 0o600
        os.chmod(tmp_path / "model.npz", 0o640)  # replacing a file keeps its mode
        net.save(tmp_path / "model.npz")
        assert (tmp_path / "model.npz").stat().st_mode & 0o777 == 0o640
        os.umask(0o002)
        nio.atomic_write(tmp_path / "page.svg", lambda f: f.write(b"<svg/>"))
        assert (tmp_path / "page.svg").stat().st_mode & 0o777 == 0o664
    finally:
        os.umask(old)


def scaled_net(dtype="float64"):
    """A regression fit on raw columns of very different sizes: fit adds a Scaling to the network."""
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(1000.0, 200.0, 80), rng.normal(0.0, 0.01, 80)])
    y = 50.0 + 3.0 * (x[:, :1] - 1000.0) / 200.0 + np.sin(100 * x[:, 1:])
    net = nl.mlp([2, 6, 1], activation="tanh", seed=0, dtype=dtype)
    nl.fit(net, x, y, epochs=20, progress=False)
    return net, x


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_keeps_the_scaling(tmp_path, dtype):
    net, x = scaled_net(dtype)
    assert net.scaling is not None and net.scaling.scales_outputs
    net.save(tmp_path / "model.npz")
    same = nl.load(tmp_path / "model.npz")
    for name in nio.SCALING_ARRAYS:
        assert getattr(same.scaling, name).tobytes() == getattr(net.scaling, name).tobytes()
    assert same.predict(x).tobytes() == net.predict(x).tobytes()
    header = json.loads(np.load(tmp_path / "model.npz")["header"].tobytes())
    assert header["version"] == 2 and header["scaling"] is True


def test_a_changed_scaling_is_caught(tmp_path):
    net, _ = scaled_net()
    net.save(tmp_path / "model.npz")
    with np.load(tmp_path / "model.npz") as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["y_mean"] = arrays["y_mean"] + 1.0
    np.savez(tmp_path / "changed.npz", **arrays)
    with pytest.raises(nl.FormatError, match="checksum"):
        nl.load(tmp_path / "changed.npz")
    del arrays["y_scale"]
    np.savez(tmp_path / "missing.npz", **arrays)
    with pytest.raises(nl.FormatError, match="holds arrays"):
        nl.load(tmp_path / "missing.npz")


def test_version_1_files_still_load(tmp_path):
    """A file written by the first format (no scaling, checksum over dtype and layers only)."""
    import hashlib

    W0, b0, W1, b1 = np.array([[1.0, 1.0]]), np.array([0.0, -1.0]), np.array([[1.0], [-1.0]]), np.array([0.0])
    layers = [{"inputs": 1, "neurons": 2, "activation": "step"}, {"inputs": 2, "neurons": 1, "activation": "linear"}]
    digest = hashlib.sha256(json.dumps({"dtype": "float64", "layers": layers}, sort_keys=True).encode())
    for a in (W0, b0, W1, b1):
        digest.update(a.tobytes())
    header = {
        "format": "neuronlab-network",
        "version": 1,
        "dtype": "float64",
        "layers": layers,
        "sha256": digest.hexdigest(),
    }
    np.savez(
        tmp_path / "v1.npz", header=np.frombuffer(json.dumps(header).encode(), np.uint8), W0=W0, b0=b0, W1=W1, b1=b1
    )
    net = nl.load(tmp_path / "v1.npz")
    assert net.scaling is None
    np.testing.assert_array_equal(net.predict(np.array([-0.5, 0.5, 1.5]))[:, 0], [0.0, 1.0, 0.0])  # the bump


def test_to_torch_folds_the_scaling_in(torch):
    net, x = scaled_net()
    module = net.to_torch()
    np.testing.assert_allclose(module(torch.tensor(x)).detach().numpy(), net.predict(x), rtol=1e-10)
    back = nl.from_torch(module)
    assert back.scaling is None
    np.testing.assert_allclose(back.predict(x), net.predict(x), rtol=1e-10)


def test_a_header_nested_half_a_million_deep_is_a_format_error(tmp_path):
    """json.loads raised RecursionError out of nl.load (and a traceback out of the CLI)."""
    import io as stdio
    import zipfile

    path = tmp_path / "deep.npz"
    header = np.frombuffer(b"[" * 500_000 + b"]" * 500_000, dtype=np.uint8)
    buffer = stdio.BytesIO()
    np.lib.format.write_array(buffer, header)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("header.npy", buffer.getvalue())
    with pytest.raises(nl.io.FormatError, match="nested too deep"):
        nl.load(path)


def test_a_model_file_larger_than_any_network_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(nl.io, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.npz"
    nl.mlp([1, 64, 1], seed=0).save(path)
    with pytest.raises(nl.io.FormatError, match="at most 1,000 bytes"):
        nl.load(path)
