"""When a network outgrows one machine: take it to PyTorch, train it data-parallel, bring it back.

A neuronlab network becomes a ``torch.nn.Sequential`` (``net.to_torch()``), trains under
``DistributedDataParallel`` in two processes that talk over the gloo backend (here two local processes on
the CPU; on a cluster, the same code with one process per machine or GPU and their MASTER_ADDR), and comes
back as a neuronlab network (``nl.from_torch``) that computes the same function.

Each process (a *rank*) trains on its own half of the data (``DistributedSampler``). After every backward
pass DDP averages the gradients across the ranks, so every step is a step on both halves' batches at once
and the ranks' weights stay identical; rank 0 saves them.

Run: python examples/distributed_torch.py    (needs torch: pip install 'neuronlab[torch]')
"""

import datetime
import os
import socket
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

import neuronlab as nl

WORLD_SIZE = 2  # processes; each holds a full copy of the network and half of the data
EPOCHS, BATCH, LR = 40, 64, 0.02  # per rank: 256 points, 4 steps of 64 per epoch


def data():
    x = np.linspace(-3, 3, 512).reshape(-1, 1)
    return x, np.sin(x) + 0.3 * x


def train(rank: int, net: nl.Network, port: int, out: str) -> None:
    """One rank: join the group, train its shard under DDP, and (rank 0) save the weights to ``out``."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)  # two processes on a small machine: one thread each
    dist.init_process_group("gloo", rank=rank, world_size=WORLD_SIZE, timeout=datetime.timedelta(seconds=60))
    try:
        model = DistributedDataParallel(net.to_torch())  # broadcasts rank 0's weights to every rank
        x, y = data()
        dataset = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
        sampler = DistributedSampler(dataset, num_replicas=WORLD_SIZE, rank=rank, shuffle=True, seed=0)
        loader = DataLoader(dataset, batch_size=BATCH, sampler=sampler)
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
        for epoch in range(EPOCHS):
            sampler.set_epoch(epoch)  # a new shuffle of the shards every epoch, the same on both ranks
            total = torch.zeros(2, dtype=torch.float64)  # squared error and points, this rank's shard
            for xb, yb in loader:
                optimizer.zero_grad()
                loss = torch.nn.functional.mse_loss(model(xb), yb)
                loss.backward()  # DDP all-reduces: every rank gets the mean gradient of both ranks' batches
                optimizer.step()
                total += torch.stack([loss.detach() * len(xb), torch.tensor(float(len(xb)))])
            dist.all_reduce(total)  # summed over the ranks: the epoch's loss over all the data
            if rank == 0 and (epoch == 0 or (epoch + 1) % 10 == 0):
                print(f"epoch {epoch + 1:3d}: training loss {total[0] / total[1]:.2e} (both ranks' points)")
        # the ranks' weights are the same numbers, not just close: gather them all and compare
        mine = torch.cat([p.detach().flatten() for p in model.module.parameters()])
        everyone = [torch.empty_like(mine) for _ in range(WORLD_SIZE)]
        dist.all_gather(everyone, mine)
        if rank == 0:
            assert all(torch.equal(mine, other) for other in everyone), "the ranks' weights differ"
            torch.save(model.module.state_dict(), out)
        dist.barrier()  # leave together: a rank closing its connections while another still talks aborts gloo
    finally:
        dist.destroy_process_group()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    x, y = data()
    net = nl.mlp([1, 16, 16, 1], activation="tanh", seed=0)  # float64, no scaling: to_torch is exact
    before = float(np.mean((net.predict(x) - y) ** 2))
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "rank0.pt")
        mp.spawn(train, args=(net, free_port(), out), nprocs=WORLD_SIZE, join=True)
        module = net.to_torch()
        module.load_state_dict(torch.load(out))

    back = nl.from_torch(module)  # a neuronlab network again
    with torch.no_grad():
        torch_out = module(torch.from_numpy(x)).numpy()
    difference = np.abs(back.predict(x) - torch_out).max()
    after = float(np.mean((back.predict(x) - y) ** 2))
    print(f"back in neuronlab: {back}")
    print(f"largest difference from the torch module: {difference:.1e}")
    print(f"mean squared error on all {len(x)} points: {before:.3g} before, {after:.2e} after")
    assert difference <= 1e-12 and after < before / 10
    return 0


if __name__ == "__main__":  # spawn starts fresh interpreters that import this file: keep the work under here
    sys.exit(main())
