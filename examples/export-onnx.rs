//! Exports eight networks to ONNX, with `nn`'s outputs on fixed inputs, for
//! `scripts/check_onnx.py` to compare against ONNX Runtime:
//!
//! | file | network |
//! |---|---|
//! | `mlp.onnx` | the benchmark MLP (`models/mlp.rs`), trained 1 epoch on MNIST |
//! | `cnn.onnx` | the benchmark CNN (`models/cnn.rs`), trained 1 epoch on MNIST |
//! | `mixed.onnx` | batch norm, leaky ReLU, stride, `same` padding, average pooling, dropout, tanh and sigmoid, trained briefly on noise |
//! | `lstm.onnx` | 28 rows of a digit → `lstm(16)` → `dense(10)`, trained 1 epoch on MNIST |
//! | `stacked.onnx` | `gru(8, return_sequences = true)` → dropout → `rnn(6)` → `dense(3)`, trained briefly on noise |
//! | `mobile.onnx` | depthwise convolutions (`same` at stride 2, a multiplier, no bias), ReLU6, a pointwise convolution and global average pooling, trained briefly on noise |
//! | `global_max.onnx` | a convolution, then global max pooling into a dense layer, trained briefly on noise |
//! | `sequence.onnx` | `lstm(5, return_sequences = true)` → tanh → flatten → `dense(3)`, sigmoid, trained briefly on noise |
//! | `residual.onnx` | two residual joins (`Add`), one through a strided 1×1 projection, with batch norm, trained 1 epoch on 2,000 digits |
//! | `vae.onnx` | the variational autoencoder of `07-mnist-vae` (inference decodes the mean: `sample` is an `Identity`), trained 1 epoch |
//! | `heads.onnx` | a `concat` of two branches and two outputs (two ONNX outputs), trained briefly on noise |
//!
//! Each `<name>.onnx` comes with `<name>.expected.txt`: an `input` line and the `output`
//! line `nn` computes for it, per sample.
//!
//! `cargo run --release --example export-onnx [OUT_DIR]` (default `target/onnx`).

use nn::data::MnistSplit;
use nn::optim::ClipGlobalNorm;
use nn::{Adam, Dataset, FitConfig, Model, Network, Rng};
use std::fmt::Write as _;
use std::path::Path;

include!("../models/mlp.rs");

include!("../models/cnn.rs");

nn::network! {
    /// Every other layer kind the export maps.
    pub struct Mixed {
        input: [3, 8, 8],
        conv2d(4, kernel = 3, padding = 1), batch_norm, leaky_relu(0.1),
        conv2d(6, kernel = 3, stride = 2, padding = same), relu,
        avg_pool2d(2),
        dropout(0.3),
        flatten,
        dense(8), batch_norm, tanh,
        dense(3), sigmoid,
    }
}

nn::network! {
    /// MobileNet's blocks: depthwise, then pointwise, with ReLU6.
    pub struct Mobile {
        input: [3, 9, 8],
        conv2d(4, kernel = 3, stride = 2, padding = same), relu6,
        depthwise_conv2d(kernel = 3, stride = 2, padding = same, depth_multiplier = 2, bias = false), relu6,
        conv2d(6, kernel = 1), relu6,
        depthwise_conv2d(kernel = (3, 2), padding = 1), relu,
        global_avg_pool2d,
        dense(3), sigmoid,
    }
}

nn::network! {
    /// Global max pooling into a dense head.
    pub struct GlobalMax {
        input: [2, 7, 5],
        conv2d(4, kernel = 3), tanh,
        global_max_pool2d,
        dense(3), sigmoid,
    }
}

nn::network! {
    /// Reads a digit top to bottom, one row per step; the last state classifies.
    pub struct DigitReader {
        input: [28 steps, 28],
        lstm(16),
        dense(10), softmax,
    }
}

nn::network! {
    /// Stacked cells: every step's GRU state feeds an Elman RNN, whose last state is read.
    pub struct Stacked {
        input: [12 steps, 5],
        gru(8, return_sequences = true), dropout(0.2),
        rnn(6),
        dense(3),
    }
}

nn::network! {
    /// Every step's LSTM state, flattened.
    pub struct Sequence {
        input: [10 steps, 4],
        lstm(5, return_sequences = true), tanh,
        flatten,
        dense(3), sigmoid,
    }
}

nn::network! {
    /// Residual joins, one through a strided 1×1 projection.
    pub struct Residual {
        input: [1, 28, 28],
        conv2d(8, kernel = 3, padding = 1), batch_norm, relu as stem,
        conv2d(8, kernel = 3, padding = 1), batch_norm as residual,
        add(stem, residual), relu as block,
        conv2d(12, kernel = 3, stride = 2, padding = 1), batch_norm as main,
        block -> conv2d(12, kernel = 1, stride = 2) as projection,
        add(main, projection), relu,
        global_avg_pool2d,
        dense(10), softmax,
    }
}

nn::network! {
    /// The variational autoencoder of `07-mnist-vae`.
    pub struct Vae {
        input: [784],
        dense(400), relu as hidden,
        hidden -> dense(20) as mean,
        hidden -> dense(20) as log_var,
        sample(mean, log_var),
        dense(400), relu,
        dense(784), sigmoid,
        loss: 784 * binary_cross_entropy + kl(mean, log_var),
    }
}

nn::network! {
    /// Two branches joined by `concat`, and two outputs.
    pub struct Heads {
        input: [6],
        dense(8), tanh as trunk,
        trunk -> dense(4) as left,
        trunk -> dense(3), relu as right,
        concat(left, right), dense(5), tanh as joined,
        joined -> dense(3), softmax as classes,
        joined -> dense(2) as score,
        outputs: [classes, score],
        loss: cross_entropy(classes) + 0.5 * mse(score),
    }
}

/// `samples` rows of `width` uniform values in ±1 and `outputs` targets in (0, 1), seeded.
fn noise_dataset(seed: u64, samples: usize, width: usize, outputs: usize) -> Dataset {
    let mut rng = Rng::new(seed);
    let inputs = (0..samples * width).map(|_| rng.uniform(1.0)).collect();
    let targets = (0..samples * outputs)
        .map(|_| rng.uniform(0.5) + 0.5)
        .collect();
    Dataset::new(inputs, targets, width, outputs).expect("consistent sizes")
}

/// Writes `<name>.onnx` and `<name>.expected.txt` for `inputs` (rows of `INPUT_LEN`).
fn export<N: Network>(model: &N, name: &str, inputs: &[f32], dir: &Path) -> std::io::Result<()> {
    nn::io::save_onnx(model, dir.join(format!("{name}.onnx"))).map_err(std::io::Error::other)?;
    let mut text = String::new();
    let mut output = vec![0.0; N::OUTPUT_LEN];
    for input in inputs.chunks_exact(N::INPUT_LEN) {
        model.forward_sample(input, &mut output);
        for (label, row) in [("input", input), ("output", &output[..])] {
            text += label;
            for value in row {
                write!(text, " {value:?}").expect("writing to a String");
            }
            text += "\n";
        }
    }
    std::fs::write(dir.join(format!("{name}.expected.txt")), text)?;
    println!("wrote {}", dir.join(format!("{name}.onnx")).display());
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| format!("{root}/target/onnx"));
    let out = Path::new(&out);
    std::fs::create_dir_all(out)?;

    let train = Dataset::mnist(format!("{root}/data/mnist"), MnistSplit::Train)?;
    let test = Dataset::mnist(format!("{root}/data/mnist"), MnistSplit::Test)?;
    let digits = &test.inputs[..8 * 784];
    let config = FitConfig::new(1, 32).seed(42).quiet();

    let mut mlp = Mlp::new_boxed(42);
    mlp.fit(&train, None, &mut Adam::new(1e-3), &config)?;
    export(&*mlp, "mlp", digits, out)?;

    let mut cnn = Cnn::new_boxed(42);
    cnn.fit(&train, None, &mut Adam::new(1e-3), &config)?;
    export(&*cnn, "cnn", digits, out)?;

    // Noise in, noise out: enough to move every weight and the running statistics.
    let mut rng = Rng::new(3);
    let noise: Vec<f32> = (0..64 * 192).map(|_| rng.uniform(1.0)).collect();
    let targets: Vec<f32> = (0..64 * 3).map(|_| rng.uniform(0.5) + 0.5).collect();
    let noise_data = Dataset::new(noise.clone(), targets, 192, 3)?;
    let mut mixed = Mixed::new_boxed(42);
    mixed.fit(
        &noise_data,
        None,
        &mut Adam::new(1e-2),
        &FitConfig::new(3, 16).quiet(),
    )?;
    export(&*mixed, "mixed", &noise[..8 * 192], out)?;

    let data = noise_dataset(7, 64, Mobile::INPUT_LEN, 3);
    let mut mobile = Mobile::new_boxed(42);
    mobile.fit(
        &data,
        None,
        &mut Adam::new(1e-2),
        &FitConfig::new(3, 16).quiet(),
    )?;
    export(
        &*mobile,
        "mobile",
        &data.inputs[..8 * Mobile::INPUT_LEN],
        out,
    )?;

    let data = noise_dataset(8, 64, GlobalMax::INPUT_LEN, 3);
    let mut global_max = GlobalMax::new_boxed(42);
    global_max.fit(
        &data,
        None,
        &mut Adam::new(1e-2),
        &FitConfig::new(3, 16).quiet(),
    )?;
    export(
        &*global_max,
        "global_max",
        &data.inputs[..8 * GlobalMax::INPUT_LEN],
        out,
    )?;

    let mut lstm = DigitReader::new_boxed(42);
    lstm.fit(
        &train,
        None,
        &mut ClipGlobalNorm::new(Adam::new(2e-3), 5.0),
        &config,
    )?;
    export(&*lstm, "lstm", digits, out)?;

    let recurrent_config = FitConfig::new(3, 16).seed(42).quiet();
    let data = noise_dataset(5, 64, Stacked::INPUT_LEN, 3);
    let mut stacked = Stacked::new_boxed(42);
    stacked.fit(&data, None, &mut Adam::new(1e-2), &recurrent_config)?;
    export(
        &*stacked,
        "stacked",
        &data.inputs[..8 * Stacked::INPUT_LEN],
        out,
    )?;

    let data = noise_dataset(6, 64, Sequence::INPUT_LEN, 3);
    let mut sequence = Sequence::new_boxed(42);
    sequence.fit(&data, None, &mut Adam::new(1e-2), &recurrent_config)?;
    export(
        &*sequence,
        "sequence",
        &data.inputs[..8 * Sequence::INPUT_LEN],
        out,
    )?;

    let (subset, _) = train.split(0.75, 1)?;
    let mut residual = Residual::new_boxed(42);
    residual.fit(&subset, None, &mut Adam::new(1e-3), &config)?;
    export(&*residual, "residual", digits, out)?;

    let autoencoding = Dataset::new(train.inputs.clone(), train.inputs.clone(), 784, 784)?;
    let mut vae = Vae::new_boxed(42);
    vae.fit(&autoencoding, None, &mut Adam::new(1e-3), &config)?;
    export(&*vae, "vae", digits, out)?;

    // Targets: three class probabilities, then two scores.
    let mut rng = Rng::new(9);
    let inputs: Vec<f32> = (0..64 * 6).map(|_| rng.uniform(1.0)).collect();
    let targets: Vec<f32> = (0..64)
        .flat_map(|_| {
            let class = rng.below(3);
            let mut row = [0.0f32; 5];
            row[class] = 1.0;
            row[3] = rng.uniform(1.0);
            row[4] = rng.uniform(1.0);
            row
        })
        .collect();
    let data = Dataset::new(inputs.clone(), targets, 6, 5)?;
    let mut heads = Heads::new_boxed(42);
    heads.fit(&data, None, &mut Adam::new(1e-2), &recurrent_config)?;
    export(&*heads, "heads", &inputs[..8 * 6], out)?;
    Ok(())
}
