//! Shared by the whole-network tests: a finite-difference check of a generated network's
//! backward pass against its own forward pass and loss, the benchmark networks, and the
//! MNIST digits the training tests learn.

use nn::data::MnistSplit;
use nn::{Dataset, Mode, Network, Rng};

/// Mean loss of `model` on a batch, through the generated batched forward pass.
pub fn loss_of<N: Network>(model: &N, inputs: &[f32], targets: &[f32], batch: usize) -> f64 {
    let mut nodes = vec![0.0; N::arena_len(batch)];
    nodes[..inputs.len()].copy_from_slice(inputs);
    // The same generator every time: dropout draws the same masks in every evaluation.
    model.forward_batch(&mut nodes, batch, Mode::Train, &mut Rng::new(0));
    N::loss_batch(&nodes, targets, batch, None) as f64
}

/// Parameter gradients of the mean loss, through the generated backward pass.
pub fn gradients_of<N: Network>(
    model: &N,
    inputs: &[f32],
    targets: &[f32],
    batch: usize,
) -> Vec<f32> {
    let mut nodes = vec![0.0; N::arena_len(batch)];
    // NaN where nothing has written yet: a pass that reads a gradient before writing it, or
    // adds to one it should have overwritten, poisons the result.
    let mut node_grads = vec![f32::NAN; N::arena_len(batch)];
    nodes[..inputs.len()].copy_from_slice(inputs);
    model.forward_batch(&mut nodes, batch, Mode::Train, &mut Rng::new(0));
    N::loss_batch(&nodes, targets, batch, Some(&mut node_grads));
    let mut grads = vec![0.0; N::PARAM_COUNT];
    model.backward_batch(&mut nodes, &mut node_grads, batch, &mut grads);
    grads
}

/// Compares every parameter's analytic gradient with a central difference.
#[allow(dead_code)] // each test binary uses its own subset
pub fn check_gradients<N: Network + Clone>(
    model: &N,
    targets_are_classes: bool,
    batch: usize,
    seed: u64,
) {
    let mut rng = Rng::new(seed);
    let inputs: Vec<f32> = (0..batch * N::INPUT_LEN)
        .map(|_| rng.uniform(1.0))
        .collect();
    let targets: Vec<f32> = (0..batch)
        .flat_map(|_| {
            let class = rng.below(N::OUTPUT_LEN);
            let mut row = vec![0.0; N::OUTPUT_LEN];
            for (j, t) in row.iter_mut().enumerate() {
                *t = if targets_are_classes {
                    f32::from(j == class)
                } else {
                    rng.uniform(1.0)
                };
            }
            row
        })
        .collect();
    let analytic = gradients_of(model, &inputs, &targets, batch);
    assert!(analytic.iter().any(|&g| g != 0.0), "all gradients are zero");

    let mut probe = model.clone();
    let mut central_difference = |i: usize, step: f32| {
        let original = probe.params()[i];
        probe.params_mut()[i] = original + step;
        let plus = loss_of(&probe, &inputs, &targets, batch);
        probe.params_mut()[i] = original - step;
        let minus = loss_of(&probe, &inputs, &targets, batch);
        probe.params_mut()[i] = original;
        (plus - minus) / (2.0 * step as f64)
    };
    // Relative error, with a floor that absorbs f32 rounding in the forward pass.
    let error = |a: f64, b: f64| (a - b).abs() / (1e-2 + a.abs().max(b.abs()));
    let (mut worst, mut kinks) = (0.0f64, 0);
    for (i, &analytic) in analytic.iter().enumerate() {
        let numeric = central_difference(i, 3e-3);
        // ReLU and max pooling have kinks; a step across one makes the difference quotient
        // depend on the step. Such points are skipped, but only a few may be.
        if error(numeric, central_difference(i, 1e-3)) > 2e-2 {
            kinks += 1;
            continue;
        }
        let error = error(numeric, analytic as f64);
        worst = worst.max(error);
        assert!(
            error < 2e-2,
            "parameter {i} ({}): analytic {} vs numeric {numeric}",
            tensor_of::<N>(i),
            analytic
        );
    }
    assert!(
        kinks * 20 <= N::PARAM_COUNT,
        "{kinks} of {} parameters sit on a kink: too many to trust the check",
        N::PARAM_COUNT
    );
    eprintln!(
        "worst relative error {worst:.2e} over {} parameters ({kinks} on kinks skipped)",
        N::PARAM_COUNT
    );
}

pub fn tensor_of<N: Network>(index: usize) -> &'static str {
    N::TENSORS
        .iter()
        .find(|t| (t.offset..t.offset + t.len()).contains(&index))
        .map_or("?", |t| t.name)
}

/// The heap-free single-sample path gives what the batched inference path gives.
#[allow(dead_code)] // each test binary uses its own subset
pub fn assert_single_matches_batched<N: Network>(model: &N, batch: usize, seed: u64) {
    let mut rng = Rng::new(seed);
    let inputs: Vec<f32> = (0..batch * N::INPUT_LEN)
        .map(|_| rng.uniform(2.0))
        .collect();
    let mut nodes = vec![0.0; N::arena_len(batch)];
    nodes[..inputs.len()].copy_from_slice(&inputs);
    model.forward_batch(&mut nodes, batch, Mode::Infer, &mut rng);
    let end = N::nodes_len(batch);
    let batched = &nodes[end - batch * N::OUTPUT_LEN..end];
    let mut single = vec![0.0; N::OUTPUT_LEN];
    for (input, expected) in inputs
        .chunks(N::INPUT_LEN)
        .zip(batched.chunks(N::OUTPUT_LEN))
    {
        model.forward_sample(input, &mut single);
        for (s, t) in single.iter().zip(expected) {
            assert!(
                (s - t).abs() < 1e-5,
                "single {single:?} vs batched {expected:?}"
            );
        }
    }
}

include!("../../models/mlp.rs");

include!("../../models/cnn.rs");

include!("../../models/lstm.rs");

include!("../../models/resnet.rs");

/// The 8,000 training and 1,000 test digits in `data/mnist`.
#[allow(dead_code)] // each test binary uses its own subset
pub fn mnist() -> (Dataset, Dataset) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
    (
        Dataset::mnist(dir, MnistSplit::Train).unwrap(),
        Dataset::mnist(dir, MnistSplit::Test).unwrap(),
    )
}

/// The example `name`, built in this test's profile (a no-op when `cargo test` already
/// built it), beside this test's own binary: its path.
#[allow(dead_code)] // each test binary uses its own subset
pub fn example_binary(name: &str) -> std::path::PathBuf {
    let mut profile = std::env::current_exe().expect("the test binary's path");
    profile.pop(); // the test binary
    profile.pop(); // deps: now the profile's directory
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut build = std::process::Command::new(cargo);
    build.args(["build", "--quiet", "--example", name, "--manifest-path"]);
    build.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
    if profile.ends_with("release") {
        build.arg("--release");
    }
    assert!(
        build.status().expect("cargo runs").success(),
        "the example {name} builds"
    );
    profile
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}
