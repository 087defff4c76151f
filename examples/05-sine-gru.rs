//! Sequence regression: a GRU reads 24 noisy samples of a sine wave and predicts the next
//! (noise-free) value. Every wave has its own frequency, amplitude and phase, so the network
//! must infer them from the sequence. Prints the loss per epoch and a few predictions beside
//! the truth.
//!
//! Run with `cargo run --release --example 05-sine-gru`.

use nn::{Adam, Dataset, FitConfig, Model, Rng};

const STEPS: usize = 24;
/// Time between samples, in radians of the slowest wave.
const DT: f32 = 0.3;

nn::network! {
    /// Reads 24 samples of a wave, one per step; outputs the next one.
    pub struct NextValue {
        input: [24 steps, 1],
        gru(32),
        dense(1),
    }
}

/// `count` waves: inputs are `STEPS` noisy samples, the target is the clean sample after them.
fn noisy_waves(count: usize, seed: u64) -> Result<Dataset, nn::DataError> {
    let mut rng = Rng::new(seed);
    let (mut inputs, mut targets) = (Vec::new(), Vec::new());
    for _ in 0..count {
        let frequency = 1.0 + 0.5 * rng.uniform(1.0); // 0.5 to 1.5
        let amplitude = 0.6 + 0.3 * rng.uniform(1.0); // 0.3 to 0.9
        let phase = std::f32::consts::PI * rng.uniform(1.0);
        let wave = |step: usize| amplitude * (frequency * DT * step as f32 + phase).sin();
        inputs.extend((0..STEPS).map(|t| wave(t) + 0.05 * rng.uniform(1.0)));
        targets.push(wave(STEPS));
    }
    Dataset::new(inputs, targets, STEPS, 1)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let train = noisy_waves(4000, 1)?;
    let test = noisy_waves(500, 2)?;
    print!("{}", NextValue::SUMMARY);

    let mut model = NextValue::new_boxed(7);
    let before = model.evaluate(&test, 250)?.loss;
    println!("\ntest MSE before training: {before:.5}");
    let config = FitConfig::new(12, 32).seed(7).quiet();
    let history = model.fit(&train, Some(&test), &mut Adam::new(3e-3), &config)?;
    for epoch in &history.epochs {
        let test_loss = epoch.validation.map_or(f32::NAN, |v| v.loss);
        println!(
            "epoch {:>2}: train MSE {:.5}, test MSE {test_loss:.5} ({:.2} s)",
            epoch.epoch, epoch.train.loss, epoch.seconds
        );
    }

    println!("\nnext value: predicted vs true");
    for i in 0..6 {
        let input: &[f32; STEPS] = test.input(i).try_into()?;
        let [predicted] = model.forward(input);
        println!("  {predicted:+.3}   {:+.3}", test.target(i)[0]);
    }
    let after = model.evaluate(&test, 250)?.loss;
    // The naive forecast, "the next value is the last one seen", for scale.
    let naive = (0..test.len())
        .map(|i| (test.input(i)[STEPS - 1] - test.target(i)[0]).powi(2))
        .sum::<f32>()
        / test.len() as f32;
    println!(
        "\ntest MSE: {before:.5} before training, {after:.5} after (repeating the last value: {naive:.5})"
    );
    Ok(())
}
