//! The classic variational autoencoder on MNIST digits (Kingma and Welling's MLP model):
//! 784 → 400 → a mean and a log-variance of 20 → a sample → 400 → 784, sigmoid output,
//! trained on binary cross-entropy summed over the pixels plus the KL divergence from
//! N(0, I). Adam 1e-3, batch 32, 10 epochs.
//!
//! Prints the negative ELBO on the test digits, in nats per digit, estimated with 10 drawn
//! samples per digit, and the same loss with ε = 0 (the mean of the code, as inference runs
//! it). Writes `vae-samples.png` (64 digits decoded from z ~ N(0, I)) and
//! `vae-reconstructions.png` (test digits beside their reconstructions).
//!
//! Run with `cargo run --release --example 07-mnist-vae [DATA_DIR] [OUT_DIR] [EPOCHS]`
//! (defaults: `data/mnist`, the current directory, 10). `scripts/vae_reference.py` trains
//! the same model in PyTorch on the same digits.

use image::{GrayImage, Luma};
use nn::data::MnistSplit;
use nn::{Adam, Dataset, FitConfig, Model, Network, Rng};
use std::path::{Path, PathBuf};

nn::network! {
    /// The variational autoencoder: the decoder's layers are named so that [`Decoder`]
    /// can take their weights by name.
    pub struct Vae {
        input: [784],
        dense(400), relu as hidden,
        hidden -> dense(20) as mean,
        hidden -> dense(20) as log_var,
        sample(mean, log_var),
        dense(400) as decoder_hidden, relu,
        dense(784) as decoder_logits, sigmoid,
        loss: 784 * binary_cross_entropy + kl(mean, log_var),
    }
}

nn::network! {
    /// The decoder alone: a code of 20 values to a digit.
    pub struct Decoder {
        input: [20],
        dense(400) as decoder_hidden, relu,
        dense(784) as decoder_logits, sigmoid,
    }
}

const LATENT: usize = 20;
const PIXELS: usize = 784;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist").to_string());
    let out_dir = PathBuf::from(args.next().unwrap_or_else(|| ".".to_string()));
    let epochs: usize = match args.next() {
        Some(text) => text
            .parse()
            .map_err(|_| format!("EPOCHS must be a whole number, found `{text}`"))?,
        None => 10,
    };
    // An autoencoder's targets are its inputs.
    let autoencode = |split| -> Result<Dataset, Box<dyn std::error::Error>> {
        let digits = Dataset::mnist(&dir, split)?;
        Ok(Dataset::new(
            digits.inputs.clone(),
            digits.inputs,
            PIXELS,
            PIXELS,
        )?)
    };
    let (train, test) = (
        autoencode(MnistSplit::Train)?,
        autoencode(MnistSplit::Test)?,
    );
    println!(
        "{} training and {} test digits from {dir}\n",
        train.len(),
        test.len()
    );
    print!("{}", Vae::SUMMARY);

    let mut model = Vae::new_boxed(42);
    let config = FitConfig::new(epochs, 32).seed(42);
    let history = model.fit(&train, None, &mut Adam::new(1e-3), &config)?;
    print!("\n{history}");

    // The negative ELBO per digit, averaged over 10 seeded draws of ε per digit.
    let sampled = model.sampled_loss(&test, 250, 10, 7)?;
    let at_mean = model.evaluate(&test, 250)?.loss;
    println!("\ntest loss: {sampled:.2} nats per digit (ε = 0: {at_mean:.2})");

    let decoder = decoder_of(&model);
    let samples = decode_random_codes(&decoder, 64, 7);
    let samples_path = out_dir.join("vae-samples.png");
    save_grid(&samples, 8, &samples_path)?;
    let reconstructions_path = out_dir.join("vae-reconstructions.png");
    save_grid(
        &beside_reconstructions(&model, &test, 32)?,
        8,
        &reconstructions_path,
    )?;
    println!(
        "wrote {} and {}",
        samples_path.display(),
        reconstructions_path.display()
    );
    Ok(())
}

/// The decoder with the trained model's decoder weights, taken by tensor name.
fn decoder_of(model: &Vae) -> Decoder {
    let mut decoder = Decoder::zeroed();
    for tensor in <Decoder as Network>::TENSORS {
        let Some(source) = <Vae as Network>::TENSORS
            .iter()
            .find(|t| t.name == tensor.name)
        else {
            unreachable!("the decoder's layers carry the same names in both networks");
        };
        let values = &model.parameters()[source.offset..source.offset + source.len()];
        decoder.parameters_mut()[tensor.offset..tensor.offset + tensor.len()]
            .copy_from_slice(values);
    }
    decoder
}

/// `count` digits decoded from codes drawn from N(0, I).
fn decode_random_codes(decoder: &Decoder, count: usize, seed: u64) -> Vec<[f32; PIXELS]> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let code: [f32; LATENT] = std::array::from_fn(|_| rng.normal());
            decoder.forward(&code)
        })
        .collect()
}

/// Test digits and their reconstructions (through the mean of the code), side by side.
fn beside_reconstructions(
    model: &Vae,
    data: &Dataset,
    count: usize,
) -> Result<Vec<[f32; PIXELS]>, Box<dyn std::error::Error>> {
    let mut digits = Vec::new();
    for row in data.inputs.chunks(PIXELS).take(count) {
        let digit: [f32; PIXELS] = row.try_into()?;
        digits.push(digit);
        digits.push(model.forward(&digit));
    }
    Ok(digits)
}

/// A grayscale PNG of 28×28 digits, `columns` per row, white on black.
fn save_grid(
    digits: &[[f32; PIXELS]],
    columns: usize,
    path: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let rows = digits.len().div_ceil(columns);
    let mut picture = GrayImage::new((columns * 28) as u32, (rows * 28) as u32);
    for (index, digit) in digits.iter().enumerate() {
        let (x0, y0) = ((index % columns) * 28, (index / columns) * 28);
        for (pixel, &value) in digit.iter().enumerate() {
            let shade = (value.clamp(0.0, 1.0) * 255.0).round() as u8;
            picture.put_pixel(
                (x0 + pixel % 28) as u32,
                (y0 + pixel / 28) as u32,
                Luma([shade]),
            );
        }
    }
    picture.save(path)?;
    Ok(())
}
