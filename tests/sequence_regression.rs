//! A GRU learns to continue noisy sine waves (as `examples/05-sine-gru.rs` does, smaller):
//! the test error falls far below both the untrained network's and the naive forecast's.

use nn::{Adam, Dataset, FitConfig, Model, Rng};

const STEPS: usize = 16;

nn::network! {
    struct NextValue {
        input: [16 steps, 1],
        gru(16),
        dense(1),
    }
}

fn noisy_waves(count: usize, seed: u64) -> Dataset {
    let mut rng = Rng::new(seed);
    let (mut inputs, mut targets) = (Vec::new(), Vec::new());
    for _ in 0..count {
        let (frequency, amplitude, phase) = (
            1.0 + 0.5 * rng.uniform(1.0),
            0.6 + 0.3 * rng.uniform(1.0),
            3.0 * rng.uniform(1.0),
        );
        let wave = |step: usize| amplitude * (frequency * 0.3 * step as f32 + phase).sin();
        inputs.extend((0..STEPS).map(|t| wave(t) + 0.05 * rng.uniform(1.0)));
        targets.push(wave(STEPS));
    }
    Dataset::new(inputs, targets, STEPS, 1).unwrap()
}

#[test]
fn gru_forecasts_sine_waves_better_than_repeating_the_last_value() {
    let (train, test) = (noisy_waves(1500, 1), noisy_waves(300, 2));
    let mut model = NextValue::new_boxed(3);
    let before = model.evaluate(&test, 100).unwrap().loss;
    let history = model
        .fit(
            &train,
            None,
            &mut Adam::new(3e-3),
            &FitConfig::new(8, 32).seed(3).quiet(),
        )
        .unwrap();
    let after = model.evaluate(&test, 100).unwrap().loss;
    let naive = (0..test.len())
        .map(|i| (test.input(i)[STEPS - 1] - test.target(i)[0]).powi(2))
        .sum::<f32>()
        / test.len() as f32;
    let losses: Vec<f32> = history.epochs.iter().map(|e| e.train.loss).collect();
    assert!(
        losses[losses.len() - 1] < 0.2 * losses[0],
        "training loss barely fell: {losses:?}"
    );
    assert!(
        after < before / 20.0 && after < naive / 2.0,
        "test MSE {after} (untrained {before}, naive forecast {naive})"
    );
}
