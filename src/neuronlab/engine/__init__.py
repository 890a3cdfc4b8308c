"""The engine: the numbers a network is made of and computes (tensors with autograd, activations, losses,
neurons, layers and networks, and the fused fast path of forward and backward passes)."""
