"""Writes tests/fixtures/pytorch_*.safetensors and pytorch_*.expected.txt: weights of four
`torch.nn.Sequential` models and one recurrent `nn.Module` under PyTorch's own tensor names,
and those models' outputs on fixed inputs, for `tests/io_pytorch.rs`.

PyTorch itself is not needed: the forward pass of each module (Linear, Conv2d with groups,
BatchNorm1d/2d in eval mode, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d(1), Flatten, the
activations, and one-layer batch-first RNN, LSTM and GRU) is written out in numpy, following PyTorch's definitions, in float64, and the
state dict is saved with the `safetensors` package, as
`safetensors.torch.save_file(model.state_dict(), ...)` would (including BatchNorm's int64
`num_batches_tracked`).

Run once, from the repository root, in a virtual environment with numpy and safetensors:

    python scripts/make_pytorch_fixture.py
"""

from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

OUT = Path("tests/fixtures")
rng = np.random.default_rng(2024)


# Modules: each is (kind, parameters, forward) with PyTorch's parameter names.


def linear(n_in, n_out):
    # PyTorch's default init: kaiming_uniform(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    bound = 1 / np.sqrt(n_in)
    w = rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32)
    b = rng.uniform(-bound, bound, n_out).astype(np.float32)
    return {"weight": w, "bias": b}, lambda x: x @ w.astype(np.float64).T + b


def conv2d(c_in, c_out, k, stride=1, padding=0, groups=1, bias=True):
    # Grouped as PyTorch groups: output channel o reads the input channels of its group,
    # c_in / groups of them; the weight is [c_out, c_in / groups, k, k].
    per_group = c_in // groups
    bound = 1 / np.sqrt(per_group * k * k)
    w = rng.uniform(-bound, bound, (c_out, per_group, k, k)).astype(np.float32)
    b = rng.uniform(-bound, bound, c_out).astype(np.float32) if bias else np.zeros(c_out)

    def forward(x):
        n, _, h, width = x.shape
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
        oh = (h + 2 * padding - k) // stride + 1
        ow = (width + 2 * padding - k) // stride + 1
        y = np.zeros((n, c_out, oh, ow))
        outs = c_out // groups
        for g in range(groups):
            x_g = x[:, g * per_group : (g + 1) * per_group]
            w_g = w[g * outs : (g + 1) * outs].astype(np.float64)
            for i in range(oh):
                for j in range(ow):
                    patch = x_g[:, :, i * stride : i * stride + k, j * stride : j * stride + k]
                    y[:, g * outs : (g + 1) * outs, i, j] = np.einsum("nckl,ockl->no", patch, w_g)
        return y + b.reshape(1, c_out, 1, 1)

    return ({"weight": w, "bias": b} if bias else {"weight": w}), forward


def batch_norm(channels, eps=1e-5):
    # Eval mode: normalize with the running statistics.
    p = {
        "weight": rng.uniform(0.5, 1.5, channels).astype(np.float32),
        "bias": rng.uniform(-0.5, 0.5, channels).astype(np.float32),
        "running_mean": rng.uniform(-0.3, 0.3, channels).astype(np.float32),
        "running_var": rng.uniform(0.5, 2.0, channels).astype(np.float32),
        "num_batches_tracked": np.array(100, dtype=np.int64),
    }

    def forward(x):
        shape = (1, channels) + (1,) * (x.ndim - 2)
        mean, var = p["running_mean"].reshape(shape), p["running_var"].reshape(shape)
        scale, shift = p["weight"].reshape(shape), p["bias"].reshape(shape)
        return (x - mean) / np.sqrt(var.astype(np.float64) + eps) * scale + shift

    return p, forward


def pool(size, reduce):
    def forward(x):
        n, c, h, w = x.shape
        oh, ow = h // size, w // size
        x = x[:, :, : oh * size, : ow * size].reshape(n, c, oh, size, ow, size)
        return reduce(x, axis=(3, 5))

    return {}, forward


def recurrent(cell, n_in, hidden, return_sequences):
    """A one-layer, batch-first `nn.RNN`/`nn.LSTM`/`nn.GRU(n_in, hidden)`, zero initial state,
    followed by what the enclosing module keeps: `output` (every step) or `h_n[0]` (the last).

    Equations and gate order from PyTorch's documentation: LSTM i, f, g, o; GRU r, z, n with
    the reset gate applied to (W_hn h + b_hn)."""
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    # PyTorch's default init: every tensor U(-1/sqrt(hidden), 1/sqrt(hidden)).
    bound = 1 / np.sqrt(hidden)
    p = {
        "weight_ih_l0": rng.uniform(-bound, bound, (gates * hidden, n_in)).astype(np.float32),
        "weight_hh_l0": rng.uniform(-bound, bound, (gates * hidden, hidden)).astype(np.float32),
        "bias_ih_l0": rng.uniform(-bound, bound, gates * hidden).astype(np.float32),
        "bias_hh_l0": rng.uniform(-bound, bound, gates * hidden).astype(np.float32),
    }
    w_ih, w_hh, b_ih, b_hh = (p[k].astype(np.float64) for k in p)

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    def forward(x):
        batch, steps, _ = x.shape
        h = np.zeros((batch, hidden))
        c = np.zeros((batch, hidden))
        outputs = []
        for t in range(steps):
            gi = x[:, t] @ w_ih.T + b_ih
            gh = h @ w_hh.T + b_hh
            if cell == "rnn":
                h = np.tanh(gi + gh)
            elif cell == "lstm":
                i, f, g, o = np.split(gi + gh, 4, axis=1)
                c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
                h = sigmoid(o) * np.tanh(c)
            else:
                i_r, i_z, i_n = np.split(gi, 3, axis=1)
                h_r, h_z, h_n = np.split(gh, 3, axis=1)
                r, z = sigmoid(i_r + h_r), sigmoid(i_z + h_z)
                n = np.tanh(i_n + r * h_n)
                h = (1 - z) * n + z * h
            outputs.append(h)
        return np.stack(outputs, axis=1) if return_sequences else h

    return p, forward


def elementwise(f):
    return {}, f


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


RELU = elementwise(lambda x: np.maximum(x, 0))
RELU6 = elementwise(lambda x: np.clip(x, 0, 6))
# nn.AdaptiveAvgPool2d(1): [n, c, 1, 1].
GLOBAL_AVG_POOL = elementwise(lambda x: x.mean(axis=(2, 3), keepdims=True))
FLATTEN = elementwise(lambda x: x.reshape(x.shape[0], -1))


def sequential(modules, inputs, name):
    """Saves the state dict (`<index>.<tensor>`) and the outputs on `inputs`."""
    named(
        [(str(index), module) for index, module in enumerate(modules)], inputs, name
    )


def named(modules, inputs, name):
    """Saves the state dict (`<module name>.<tensor>`) of modules applied in turn, and the
    outputs on `inputs`."""
    state = {}
    x = inputs.astype(np.float64)
    for module, (params, forward) in modules:
        for tensor, values in params.items():
            state[f"{module}.{tensor}"] = values
        x = forward(x)
    save_file(state, OUT / f"pytorch_{name}.safetensors")
    with open(OUT / f"pytorch_{name}.expected.txt", "w") as f:
        f.write(f"# {name}: one input row, then the output row PyTorch computes for it\n")
        for row_in, row_out in zip(inputs.reshape(len(inputs), -1), x.astype(np.float32)):
            f.write("input " + " ".join(repr(float(v)) for v in row_in) + "\n")
            f.write("output " + " ".join(repr(float(v)) for v in row_out) + "\n")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    images = rng.uniform(0, 1, (4, 1, 28, 28)).astype(np.float32)

    # models/mlp.rs: dense(128), relu, dense(64), relu, dense(10), softmax.
    sequential(
        [linear(784, 128), RELU, linear(128, 64), RELU, linear(64, 10), elementwise(softmax)],
        images.reshape(4, 784),
        "mlp",
    )

    # models/cnn.rs: conv 8@3x3, relu, max-pool 2, conv 16@3x3, relu, max-pool 2, flatten,
    # dense(10), softmax.
    sequential(
        [
            conv2d(1, 8, 3),
            RELU,
            pool(2, np.max),
            conv2d(8, 16, 3),
            RELU,
            pool(2, np.max),
            FLATTEN,
            linear(400, 10),
            elementwise(softmax),
        ],
        images,
        "cnn",
    )

    # Batch norm (2-D and 1-D), padding, stride, average pooling, leaky ReLU, tanh, sigmoid.
    sequential(
        [
            conv2d(3, 4, 3, padding=1),
            batch_norm(4),
            elementwise(lambda x: np.where(x > 0, x, 0.1 * x)),
            conv2d(4, 6, 3, stride=2, padding=1),
            RELU,
            pool(2, np.mean),
            FLATTEN,
            linear(24, 8),
            batch_norm(8),
            elementwise(np.tanh),
            linear(8, 3),
            elementwise(lambda x: 1 / (1 + np.exp(-x))),
        ],
        rng.uniform(-1, 1, (4, 3, 8, 8)).astype(np.float32),
        "batch_norm",
    )

    # An nn.Module, since nn.Sequential cannot hold modules that return (output, state):
    #     lstm = nn.LSTM(3, 5, batch_first=True); rnn = nn.RNN(5, 4, batch_first=True)
    #     gru = nn.GRU(4, 3, batch_first=True); head = nn.Linear(3, 2)
    #     forward(x): y, _ = lstm(x); y, _ = rnn(y); _, h = gru(y)
    #                 return head(h[0])
    named(
        [
            ("lstm", recurrent("lstm", 3, 5, return_sequences=True)),
            ("rnn", recurrent("rnn", 5, 4, return_sequences=True)),
            ("gru", recurrent("gru", 4, 3, return_sequences=False)),
            ("head", linear(3, 2)),
        ],
        rng.uniform(-1, 1, (4, 6, 3)).astype(np.float32),
        "recurrent",
    )

    # MobileNet's blocks: depthwise convolutions (groups = in_channels; multiplier 2, and
    # one without bias), ReLU6, a pointwise convolution, global average pooling. The inputs
    # are scaled so that some values pass 6.
    sequential(
        [
            conv2d(3, 4, 3, stride=2, padding=1),
            RELU6,
            conv2d(4, 8, 3, padding=1, groups=4),
            RELU6,
            conv2d(8, 8, 3, stride=2, padding=1, groups=8, bias=False),
            conv2d(8, 6, 1),
            RELU,
            GLOBAL_AVG_POOL,
            FLATTEN,
            linear(6, 3),
        ],
        rng.uniform(-12, 12, (4, 3, 9, 9)).astype(np.float32),
        "mobile",
    )


if __name__ == "__main__":
    main()
