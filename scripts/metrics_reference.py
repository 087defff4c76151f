"""Expected values of nn's metrics, computed by scikit-learn on seeded random data.

Writes Rust constants that `tests/metrics_reference.rs` compares `nn::metrics` against:
classification scores for a confusion matrix, per-class and macro precision, recall and F1
(`labels=range(CLASSES)`, `zero_division` left at its default) and top-k accuracy; binary
scores with ties for ROC AUC; an autoencoder's reconstructions, whose per-sample mean
squared errors are anomaly scores for ROC AUC; and several-output regression for MAE, RMSE
and R² (`multioutput='uniform_average'`). Values are float32, so nn sees exactly what
scikit-learn saw.

Run with scikit-learn installed (`pip install scikit-learn`), from the repository root:

    python scripts/metrics_reference.py > tests/fixtures/metrics_reference.rs
    cargo fmt
"""

import numpy as np
import sklearn
from sklearn import metrics

rng = np.random.default_rng(20261129)
CLASSES, SAMPLES = 5, 200

# Scores for 5 classes; class 4 is rare among the labels and almost never predicted.
logits = rng.normal(size=(SAMPLES, CLASSES)).astype(np.float32)
logits[:, 4] -= np.float32(2.5)
actual = rng.integers(0, CLASSES - 1, size=SAMPLES)
actual[:3] = 4
# Make the scores informative: the actual class gets a boost most of the time.
boost = (rng.random(SAMPLES) < 0.6).astype(np.float32) * np.float32(1.5)
logits[np.arange(SAMPLES), actual] += boost
scores = logits.astype(np.float32)
predicted = scores.argmax(axis=1)
labels = list(range(CLASSES))

matrix = metrics.confusion_matrix(actual, predicted, labels=labels)
precision, recall, f1, support = metrics.precision_recall_fscore_support(
    actual, predicted, labels=labels, zero_division=0.0
)
macro = metrics.precision_recall_fscore_support(
    actual, predicted, labels=labels, average="macro", zero_division=0.0
)
top_k = [
    metrics.top_k_accuracy_score(actual, scores.astype(np.float64), k=k, labels=labels)
    for k in (1, 2, 3)
]

# Binary scores rounded to two decimals, so that many tie.
binary_scores = np.round(rng.random(150), 2).astype(np.float32)
positives = rng.random(150) < 0.35 + 0.4 * binary_scores
auc = metrics.roc_auc_score(positives, binary_scores.astype(np.float64))

targets = rng.normal(size=(100, 3)).astype(np.float32)
predictions = (targets + rng.normal(scale=[0.2, 0.8, 1.5], size=(100, 3))).astype(np.float32)
t64, p64 = targets.astype(np.float64), predictions.astype(np.float64)
mae = metrics.mean_absolute_error(t64, p64)
rmse = float(np.mean(np.sqrt(np.mean((t64 - p64) ** 2, axis=0))))
r2 = metrics.r2_score(t64, p64)

# Anomaly detection: 80 samples of 4 features and their reconstructions; anomalies are
# reconstructed worse on average, but not always. The score is the per-sample mean squared
# error, summed left to right in float64 and rounded to float32, as nn computes it; samples
# 64..79 repeat rows 0..15 with the labels flipped, so some scores tie across labels.
ANOMALY_SAMPLES, FEATURES = 80, 4
originals = rng.normal(size=(ANOMALY_SAMPLES, FEATURES)).astype(np.float32)
anomalies = rng.random(ANOMALY_SAMPLES) < 0.3
noise = rng.normal(scale=np.where(anomalies, 0.9, 0.5)[:, None], size=(ANOMALY_SAMPLES, FEATURES))
reconstructions = (originals + noise).astype(np.float32)
originals[64:], reconstructions[64:] = originals[:16], reconstructions[:16]
anomalies[64:] = ~anomalies[:16]
squares = (reconstructions.astype(np.float64) - originals.astype(np.float64)) ** 2
anomaly_scores = np.array([sum(row) / FEATURES for row in squares.tolist()]).astype(np.float32)
anomaly_auc = metrics.roc_auc_score(anomalies, anomaly_scores.astype(np.float64))


def floats(values):
    return ", ".join(repr(float(v)) for v in np.ravel(values))


def floats32(values):
    """The shortest decimal that reads back as the same float32."""
    return ", ".join(np.format_float_positional(np.float32(v), unique=True) for v in np.ravel(values))


def ints(values):
    return ", ".join(str(int(v)) for v in np.ravel(values))


print(f"// Written by scripts/metrics_reference.py (scikit-learn {sklearn.__version__}, numpy {np.__version__}); do not edit.")
print(f"pub const CLASSES: usize = {CLASSES};")
print(f"pub const SCORES: [f32; {SAMPLES * CLASSES}] = [{floats32(scores)}];")
print(f"pub const ACTUAL: [usize; {SAMPLES}] = [{ints(actual)}];")
print(f"pub const CONFUSION: [u64; {CLASSES * CLASSES}] = [{ints(matrix)}];")
print(f"pub const PRECISION: [f64; {CLASSES}] = [{floats(precision)}];")
print(f"pub const RECALL: [f64; {CLASSES}] = [{floats(recall)}];")
print(f"pub const F1: [f64; {CLASSES}] = [{floats(f1)}];")
print(f"pub const SUPPORT: [u64; {CLASSES}] = [{ints(support)}];")
print(f"pub const MACRO_PRECISION_RECALL_F1: [f64; 3] = [{floats(macro[:3])}];")
print(f"pub const TOP_K_ACCURACY: [f64; 3] = [{floats(top_k)}];")
print(f"pub const BINARY_SCORES: [f32; 150] = [{floats32(binary_scores)}];")
print(f"pub const POSITIVES: [bool; 150] = [{', '.join('true' if p else 'false' for p in positives)}];")
print(f"pub const ROC_AUC: f64 = {float(auc)!r};")
print(f"pub const FEATURES: usize = {FEATURES};")
print(f"pub const ORIGINALS: [f32; {ANOMALY_SAMPLES * FEATURES}] = [{floats32(originals)}];")
print(f"pub const RECONSTRUCTIONS: [f32; {ANOMALY_SAMPLES * FEATURES}] = [{floats32(reconstructions)}];")
print(f"pub const ANOMALIES: [bool; {ANOMALY_SAMPLES}] = [{', '.join('true' if a else 'false' for a in anomalies)}];")
print(f"pub const ANOMALY_AUC: f64 = {float(anomaly_auc)!r};")
print(f"pub const TARGETS: [f32; 300] = [{floats32(targets)}];")
print(f"pub const PREDICTIONS: [f32; 300] = [{floats32(predictions)}];")
print(f"pub const MAE: f64 = {float(mae)!r};")
print(f"pub const RMSE: f64 = {rmse!r};")
print(f"pub const R2: f64 = {float(r2)!r};")
