"""Measures the test loss (negative ELBO) that the classic MLP variational autoencoder reaches
in PyTorch on the project's MNIST subset, as the reference that `nn`'s VAE example must match.

The model: encoder Linear(784, 400), ReLU, then mean = Linear(400, 20) and
log_var = Linear(400, 20); z = mean + exp(log_var / 2) * ε with ε ~ N(0, I); decoder
Linear(20, 400), ReLU, Linear(400, 784), sigmoid. PyTorch's default initialisation.

The loss of one digit, in nats: binary cross-entropy summed over its 784 pixels, with the
[0, 1] pixels themselves as targets (not binarised), plus the KL divergence from N(0, I),
-0.5 * sum(1 + log_var - mean^2 - exp(log_var)). The cross-entropy is computed from the
decoder's pre-sigmoid output (`binary_cross_entropy_with_logits`), which is the same value,
computed stably. The training loss is the mean of that over a batch.

Training: the 8,000 digits of `data/mnist` (pixels / 255, the files' order, as
`Dataset::mnist` loads them), Adam with lr 1e-3 and default betas and eps, batches of 32,
10 epochs, reshuffled every epoch, the last partial batch kept. Each seed sets the
initialisation, the shuffling and the training noise. The mean training loss of each epoch
is printed.

Testing, on the 1,000 test digits, the mean loss per digit in two ways:
  sampled ε: ε drawn afresh, 10 draws per digit (from a generator seeded with the
             seed), averaged; the usual Monte Carlo estimate of the negative ELBO;
  ε = 0:     z = mean, the deterministic pass that `nn` runs in inference mode.
Then the mean, min and max of each over the seeds, and the median seconds per training epoch.

Torch runs on one CPU thread unless `--threads` says otherwise, as `nn`'s `fit` does by
default (`FitConfig::threads`), so that the times compare. On a machine busy with other
work, 2 threads were several times slower than 1 here. The thread count changes the order of
floating-point sums, so the results repeat exactly only at the same count.

Run from the repository root, in a virtual environment with numpy and torch
(`pip install numpy torch`; only the CPU is used, though PyPI's Linux wheel brings the
CUDA libraries, about 5 GB in all):

    python scripts/vae_reference.py [--seeds 0 1 2] [--data data/mnist]

On the project's 2-core machine, shared with other jobs (so the times vary widely from
epoch to epoch; the losses repeat exactly from run to run), this printed:

    torch 2.15.0+cu132, CPU threads: 1
    8000 training and 1000 test digits from data/mnist
    652824 parameters; Adam lr 0.001, batch 32, 10 epochs

      seed 0 epoch 1: training loss 195.96 (3.7 s)
      seed 0 epoch 2: training loss 144.70 (4.1 s)
      seed 0 epoch 3: training loss 131.76 (4.7 s)
      seed 0 epoch 4: training loss 124.91 (4.2 s)
      seed 0 epoch 5: training loss 120.65 (4.1 s)
      seed 0 epoch 6: training loss 118.02 (4.9 s)
      seed 0 epoch 7: training loss 115.91 (4.2 s)
      seed 0 epoch 8: training loss 114.30 (5.2 s)
      seed 0 epoch 9: training loss 113.20 (4.6 s)
      seed 0 epoch 10: training loss 112.35 (4.5 s)
    seed 0: test loss 114.42 (sampled ε, 10 draws), 106.50 (ε = 0) nats per digit, 4.4 s per epoch
      seed 1 epoch 1: training loss 198.60 (4.5 s)
      seed 1 epoch 2: training loss 145.49 (3.3 s)
      seed 1 epoch 3: training loss 131.36 (3.8 s)
      seed 1 epoch 4: training loss 124.47 (4.2 s)
      seed 1 epoch 5: training loss 120.70 (4.4 s)
      seed 1 epoch 6: training loss 118.05 (4.1 s)
      seed 1 epoch 7: training loss 116.03 (4.2 s)
      seed 1 epoch 8: training loss 114.39 (4.5 s)
      seed 1 epoch 9: training loss 113.24 (5.7 s)
      seed 1 epoch 10: training loss 112.20 (4.5 s)
    seed 1: test loss 114.28 (sampled ε, 10 draws), 105.65 (ε = 0) nats per digit, 4.3 s per epoch
      seed 2 epoch 1: training loss 195.99 (5.1 s)
      seed 2 epoch 2: training loss 143.81 (4.1 s)
      seed 2 epoch 3: training loss 131.20 (5.7 s)
      seed 2 epoch 4: training loss 124.22 (4.8 s)
      seed 2 epoch 5: training loss 120.38 (4.1 s)
      seed 2 epoch 6: training loss 117.60 (4.4 s)
      seed 2 epoch 7: training loss 115.88 (4.9 s)
      seed 2 epoch 8: training loss 114.21 (4.9 s)
      seed 2 epoch 9: training loss 113.16 (7.2 s)
      seed 2 epoch 10: training loss 112.10 (6.4 s)
    seed 2: test loss 114.09 (sampled ε, 10 draws), 105.45 (ε = 0) nats per digit, 4.9 s per epoch

    training loss per epoch (mean over 3 seeds): 196.85 144.66 131.44 124.53 120.58 117.89 115.94 114.30 113.20 112.22
    test loss (sampled ε): mean 114.26 nats per digit (min 114.09, max 114.42) over 3 seeds
    test loss (ε = 0): mean 105.87 nats per digit (min 105.45, max 106.50) over 3 seeds
    training time: 4.5 s per epoch (median of 30)
"""

import argparse
import statistics
import time

import torch
from torch import nn

from mnist_idx import load_mnist

PIXELS = 784
HIDDEN = 400
LATENT = 20
EPOCHS = 10
BATCH_SIZE = 32
LEARNING_RATE = 1e-3
TEST_DRAWS = 10
EVAL_BATCH_SIZE = 250


class Vae(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(PIXELS, HIDDEN), nn.ReLU())
        self.mean = nn.Linear(HIDDEN, LATENT)
        self.log_var = nn.Linear(HIDDEN, LATENT)
        self.decoder = nn.Sequential(nn.Linear(LATENT, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, PIXELS))

    def forward(self, x, eps):
        """Pre-sigmoid reconstruction, mean and log variance, with the given noise `eps`."""
        hidden = self.encoder(x)
        mean, log_var = self.mean(hidden), self.log_var(hidden)
        z = mean + torch.exp(log_var / 2) * eps
        return self.decoder(z), mean, log_var


def loss_per_digit(x, reconstruction_logits, mean, log_var):
    """Negative ELBO of each digit in nats: summed pixel cross-entropy plus KL, shape [batch]."""
    cross_entropy = nn.functional.binary_cross_entropy_with_logits(
        reconstruction_logits, x, reduction="none"
    ).sum(dim=1)
    kl = -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(dim=1)
    return cross_entropy + kl


def train_epoch(model, optimizer, images, generator):
    """One pass over the shuffled training digits; returns the mean training loss per digit."""
    model.train()
    order = torch.randperm(len(images), generator=generator)
    total_loss = 0.0
    for start in range(0, len(images), BATCH_SIZE):
        x = images[order[start : start + BATCH_SIZE]]
        eps = torch.randn(len(x), LATENT)
        loss = loss_per_digit(x, *model(x, eps)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(x)
    return total_loss / len(images)


@torch.no_grad()
def test_losses(model, images, seed):
    """Mean loss per digit on `images`: with sampled ε (TEST_DRAWS per digit) and with ε = 0."""
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    sampled_total, zero_total = 0.0, 0.0
    for start in range(0, len(images), EVAL_BATCH_SIZE):
        x = images[start : start + EVAL_BATCH_SIZE]
        for _ in range(TEST_DRAWS):
            eps = torch.randn(len(x), LATENT, generator=generator)
            sampled_total += loss_per_digit(x, *model(x, eps)).sum().item()
        zero_total += loss_per_digit(x, *model(x, torch.zeros(len(x), LATENT))).sum().item()
    return sampled_total / (TEST_DRAWS * len(images)), zero_total / len(images)


def run_seed(seed, train_images, test_images):
    """Trains a fresh VAE with this seed; returns both test losses, epoch losses and times."""
    torch.manual_seed(seed)
    model = Vae()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    generator = torch.Generator().manual_seed(seed)
    epoch_losses, epoch_seconds = [], []
    for epoch in range(1, EPOCHS + 1):
        started = time.perf_counter()
        epoch_losses.append(train_epoch(model, optimizer, train_images, generator))
        epoch_seconds.append(time.perf_counter() - started)
        print(f"  seed {seed} epoch {epoch}: training loss {epoch_losses[-1]:.2f} ({epoch_seconds[-1]:.1f} s)")
    sampled, zero = test_losses(model, test_images, seed)
    print(
        f"seed {seed}: test loss {sampled:.2f} (sampled ε, {TEST_DRAWS} draws), "
        f"{zero:.2f} (ε = 0) nats per digit, {statistics.median(epoch_seconds):.1f} s per epoch"
    )
    return sampled, zero, epoch_losses, epoch_seconds


def count_of_seeds(count):
    return f"{count} seed" if count == 1 else f"{count} seeds"


def summary(values):
    return f"mean {statistics.mean(values):.2f} nats per digit (min {min(values):.2f}, max {max(values):.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--data", default="data/mnist", help="directory of the MNIST IDX files")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for torch (default 1, as nn's fit)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    train_images = torch.from_numpy(load_mnist(args.data, "train")[0]).reshape(-1, PIXELS)
    test_images = torch.from_numpy(load_mnist(args.data, "test")[0]).reshape(-1, PIXELS)
    print(f"torch {torch.__version__}, CPU threads: {torch.get_num_threads()}")
    print(f"{len(train_images)} training and {len(test_images)} test digits from {args.data}")
    parameters = sum(p.numel() for p in Vae().parameters())
    print(f"{parameters} parameters; Adam lr {LEARNING_RATE}, batch {BATCH_SIZE}, {EPOCHS} epochs\n")

    sampled, zero, losses_by_seed, all_epoch_seconds = [], [], [], []
    for seed in args.seeds:
        seed_sampled, seed_zero, epoch_losses, epoch_seconds = run_seed(seed, train_images, test_images)
        sampled.append(seed_sampled)
        zero.append(seed_zero)
        losses_by_seed.append(epoch_losses)
        all_epoch_seconds.extend(epoch_seconds)

    mean_by_epoch = [statistics.mean(losses) for losses in zip(*losses_by_seed)]
    print(
        f"\ntraining loss per epoch (mean over {count_of_seeds(len(args.seeds))}): "
        + " ".join(f"{loss:.2f}" for loss in mean_by_epoch)
    )
    print(f"test loss (sampled ε): {summary(sampled)} over {count_of_seeds(len(sampled))}")
    print(f"test loss (ε = 0): {summary(zero)} over {count_of_seeds(len(zero))}")
    print(
        f"training time: {statistics.median(all_epoch_seconds):.1f} s per epoch "
        f"(median of {len(all_epoch_seconds)})"
    )


if __name__ == "__main__":
    main()
