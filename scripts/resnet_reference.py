"""Measures the test accuracy that a small residual network reaches in PyTorch on the
project's MNIST subset, as the reference that `nn`'s residual example must match.

The network: input [1, 28, 28]; a stem Conv2d(1, 16, 3, padding=1), BatchNorm2d, ReLU; a
residual block of two 3x3 convolutions with 16 channels (conv, BN, ReLU, conv, BN, add the
stem's output, ReLU); a downsampling residual block (Conv2d(16, 32, 3, stride=2, padding=1),
BN, ReLU, Conv2d(32, 32, 3, padding=1), BN, plus the block's input through a 1x1 stride-2
projection convolution with bias and no BN; add; ReLU) giving [32, 14, 14]; global average
pooling; Linear(32, 10); cross-entropy on the logits. Every convolution has a bias, BatchNorm
keeps PyTorch's defaults (eps 1e-5, momentum 0.1), and all weights get PyTorch's default
initialisation.

Training: the 8,000 digits of `data/mnist` (pixels / 255, the files' order, as
`Dataset::mnist` loads them), Adam with lr 1e-3 and default betas and eps, batches of 32,
5 epochs, reshuffled every epoch, the last partial batch kept. Testing: the 1,000 test
digits with `model.eval()` (BatchNorm on its running statistics). Each seed sets the
initialisation and the shuffling; one line per seed, then the mean, min and max accuracy and
the median seconds per training epoch.

Torch runs on one CPU thread unless `--threads` says otherwise, as `nn`'s `fit` does by
default (`FitConfig::threads`), so that the times compare. On a machine busy with other
work, 2 threads were several times slower than 1 here. The thread count changes the order of
floating-point sums, so the results repeat exactly only at the same count.

Run from the repository root, in a virtual environment with numpy and torch
(`pip install numpy torch`; only the CPU is used, though PyPI's Linux wheel brings the
CUDA libraries, about 5 GB in all):

    python scripts/resnet_reference.py [--seeds 0 1 2 3 4] [--data data/mnist]

On the project's 2-core machine, shared with other jobs (so the times vary widely from
epoch to epoch; the losses and accuracies repeat exactly from run to run), this printed:

    torch 2.15.0+cu132, CPU threads: 1
    8000 training and 1000 test digits from data/mnist
    19786 parameters; Adam lr 0.001, batch 32, 5 epochs

      seed 0 epoch 1: training loss 1.5510 (14.0 s)
      seed 0 epoch 2: training loss 0.6435 (14.5 s)
      seed 0 epoch 3: training loss 0.3713 (14.8 s)
      seed 0 epoch 4: training loss 0.2725 (15.4 s)
      seed 0 epoch 5: training loss 0.2147 (17.6 s)
    seed 0: test accuracy 93.40% (loss 0.2646), 14.8 s per epoch
      seed 1 epoch 1: training loss 1.6470 (16.9 s)
      seed 1 epoch 2: training loss 0.6784 (14.3 s)
      seed 1 epoch 3: training loss 0.3706 (16.5 s)
      seed 1 epoch 4: training loss 0.2639 (24.3 s)
      seed 1 epoch 5: training loss 0.2054 (21.2 s)
    seed 1: test accuracy 95.40% (loss 0.1952), 16.9 s per epoch
      seed 2 epoch 1: training loss 1.5372 (19.8 s)
      seed 2 epoch 2: training loss 0.6550 (21.8 s)
      seed 2 epoch 3: training loss 0.3773 (14.9 s)
      seed 2 epoch 4: training loss 0.2697 (21.8 s)
      seed 2 epoch 5: training loss 0.2090 (24.8 s)
    seed 2: test accuracy 94.90% (loss 0.1952), 21.8 s per epoch
      seed 3 epoch 1: training loss 1.5709 (24.6 s)
      seed 3 epoch 2: training loss 0.6448 (20.7 s)
      seed 3 epoch 3: training loss 0.3644 (24.7 s)
      seed 3 epoch 4: training loss 0.2607 (21.1 s)
      seed 3 epoch 5: training loss 0.2112 (22.5 s)
    seed 3: test accuracy 90.90% (loss 0.2894), 22.5 s per epoch
      seed 4 epoch 1: training loss 1.5863 (22.2 s)
      seed 4 epoch 2: training loss 0.7165 (23.0 s)
      seed 4 epoch 3: training loss 0.4080 (19.3 s)
      seed 4 epoch 4: training loss 0.2884 (13.2 s)
      seed 4 epoch 5: training loss 0.2297 (12.6 s)
    seed 4: test accuracy 95.50% (loss 0.2071), 19.3 s per epoch

    test accuracy: mean 94.02% (min 90.90%, max 95.50%) over 5 seeds
    training time: 19.8 s per epoch (median of 25)
"""

import argparse
import statistics
import time

import torch
from torch import nn

from mnist_idx import load_mnist

EPOCHS = 5
BATCH_SIZE = 32
LEARNING_RATE = 1e-3
EVAL_BATCH_SIZE = 256


class ResidualBlock(nn.Module):
    """conv3x3 → BN → ReLU → conv3x3 → BN, plus the input (through a 1x1 projection when
    the channels or the stride change), then ReLU."""

    def __init__(self, in_channels, out_channels, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride=stride)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        branch = torch.relu(self.bn1(self.conv1(x)))
        branch = self.bn2(self.conv2(branch))
        return torch.relu(branch + self.shortcut(x))


class SmallResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.block1 = ResidualBlock(16, 16, stride=1)
        self.block2 = ResidualBlock(16, 32, stride=2)
        self.classifier = nn.Linear(32, 10)

    def forward(self, x):
        x = self.block2(self.block1(self.stem(x)))
        return self.classifier(x.mean(dim=(2, 3)))


def train_epoch(model, optimizer, images, labels, generator):
    """One pass over the shuffled training digits; returns the mean training loss."""
    model.train()
    order = torch.randperm(len(images), generator=generator)
    total_loss = 0.0
    for start in range(0, len(images), BATCH_SIZE):
        batch = order[start : start + BATCH_SIZE]
        loss = nn.functional.cross_entropy(model(images[batch]), labels[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(batch)
    return total_loss / len(images)


@torch.no_grad()
def evaluate(model, images, labels):
    """Accuracy and mean cross-entropy on the given digits, in eval mode."""
    model.eval()
    correct, total_loss = 0, 0.0
    for start in range(0, len(images), EVAL_BATCH_SIZE):
        logits = model(images[start : start + EVAL_BATCH_SIZE])
        batch_labels = labels[start : start + EVAL_BATCH_SIZE]
        total_loss += nn.functional.cross_entropy(logits, batch_labels, reduction="sum").item()
        correct += (logits.argmax(dim=1) == batch_labels).sum().item()
    return correct / len(images), total_loss / len(images)


def run_seed(seed, train, test):
    """Trains a fresh network with this seed; returns test accuracy and epoch times."""
    torch.manual_seed(seed)
    model = SmallResNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    generator = torch.Generator().manual_seed(seed)
    epoch_seconds = []
    for epoch in range(1, EPOCHS + 1):
        started = time.perf_counter()
        train_loss = train_epoch(model, optimizer, *train, generator)
        epoch_seconds.append(time.perf_counter() - started)
        print(f"  seed {seed} epoch {epoch}: training loss {train_loss:.4f} ({epoch_seconds[-1]:.1f} s)")
    accuracy, test_loss = evaluate(model, *test)
    print(
        f"seed {seed}: test accuracy {100 * accuracy:.2f}% (loss {test_loss:.4f}), "
        f"{statistics.median(epoch_seconds):.1f} s per epoch"
    )
    return accuracy, epoch_seconds


def count_of_seeds(count):
    return f"{count} seed" if count == 1 else f"{count} seeds"


def as_tensors(images, labels):
    return torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--data", default="data/mnist", help="directory of the MNIST IDX files")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for torch (default 1, as nn's fit)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    train = as_tensors(*load_mnist(args.data, "train"))
    test = as_tensors(*load_mnist(args.data, "test"))
    print(f"torch {torch.__version__}, CPU threads: {torch.get_num_threads()}")
    print(f"{len(train[0])} training and {len(test[0])} test digits from {args.data}")
    parameters = sum(p.numel() for p in SmallResNet().parameters())
    print(f"{parameters} parameters; Adam lr {LEARNING_RATE}, batch {BATCH_SIZE}, {EPOCHS} epochs\n")

    accuracies, all_epoch_seconds = [], []
    for seed in args.seeds:
        accuracy, epoch_seconds = run_seed(seed, train, test)
        accuracies.append(accuracy)
        all_epoch_seconds.extend(epoch_seconds)

    percent = [100 * a for a in accuracies]
    print(
        f"\ntest accuracy: mean {statistics.mean(percent):.2f}% "
        f"(min {min(percent):.2f}%, max {max(percent):.2f}%) over {count_of_seeds(len(percent))}"
    )
    print(
        f"training time: {statistics.median(all_epoch_seconds):.1f} s per epoch "
        f"(median of {len(all_epoch_seconds)})"
    )


if __name__ == "__main__":
    main()
