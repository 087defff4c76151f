//! Whole-network gradient checks: the generated backward pass of networks that use every
//! layer and every loss agrees with central finite differences of the generated forward
//! pass and loss. Per-op checks live beside the kernels in nn-runtime.

use nn::{Mode, Network, Rng};

nn::network! {
    struct EveryActivation {
        input: [5],
        dense(6), relu,
        dense(6), leaky_relu(0.1),
        dense(5), tanh,
        dense(4), sigmoid,
        dense(3), softmax,
    }
}

nn::network! {
    struct Binary {
        input: [4],
        dense(5), tanh,
        dense(2), sigmoid,
    }
}

nn::network! {
    struct Regression {
        input: [2, 3],
        flatten,
        dense(4), leaky_relu,
        dense(2),
    }
}

nn::network! {
    struct MseOnSoftmax {
        input: [3],
        dense(4), sigmoid,
        dense(3), softmax,
        loss: mse,
    }
}

/// Mean loss of `model` on a batch, through the generated batched forward pass.
fn loss_of<N: Network>(model: &N, inputs: &[f32], targets: &[f32], batch: usize) -> f64 {
    let mut nodes = vec![0.0; N::arena_len(batch)];
    nodes[..inputs.len()].copy_from_slice(inputs);
    model.forward_batch(&mut nodes, batch, Mode::Train, &mut Rng::new(0));
    N::loss_batch(&nodes, targets, batch, None) as f64
}

/// Parameter gradients of the mean loss, through the generated backward pass.
fn gradients_of<N: Network>(model: &N, inputs: &[f32], targets: &[f32], batch: usize) -> Vec<f32> {
    let mut nodes = vec![0.0; N::arena_len(batch)];
    let mut node_grads = vec![0.0; N::arena_len(batch)];
    nodes[..inputs.len()].copy_from_slice(inputs);
    model.forward_batch(&mut nodes, batch, Mode::Train, &mut Rng::new(0));
    N::loss_batch(&nodes, targets, batch, Some(&mut node_grads));
    let mut grads = vec![0.0; N::PARAM_COUNT];
    model.backward_batch(&nodes, &mut node_grads, batch, &mut grads);
    grads
}

/// Compares every parameter's analytic gradient with a central difference.
fn check_gradients<N: Network + Clone>(
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
    let step = 1e-2f32;
    let mut worst = 0.0f64;
    for i in 0..N::PARAM_COUNT {
        let original = probe.params()[i];
        probe.params_mut()[i] = original + step;
        let plus = loss_of(&probe, &inputs, &targets, batch);
        probe.params_mut()[i] = original - step;
        let minus = loss_of(&probe, &inputs, &targets, batch);
        probe.params_mut()[i] = original;
        let numeric = (plus - minus) / (2.0 * step as f64);
        let error = (numeric - analytic[i] as f64).abs()
            / (1e-3 + numeric.abs().max(analytic[i].abs() as f64));
        worst = worst.max(error);
        assert!(
            error < 2e-2,
            "parameter {i} ({}): analytic {} vs numeric {numeric}",
            tensor_of::<N>(i),
            analytic[i]
        );
    }
    eprintln!(
        "worst relative error {worst:.2e} over {} parameters",
        N::PARAM_COUNT
    );
}

fn tensor_of<N: Network>(index: usize) -> &'static str {
    N::TENSORS
        .iter()
        .find(|t| (t.offset..t.offset + t.len()).contains(&index))
        .map_or("?", |t| t.name)
}

#[test]
fn softmax_cross_entropy_through_every_activation() {
    check_gradients(&EveryActivation::new(1), true, 4, 10);
}

#[test]
fn binary_cross_entropy_after_sigmoid() {
    check_gradients(&Binary::new(2), true, 3, 11);
}

#[test]
fn mean_squared_error_after_flatten_and_linear_output() {
    check_gradients(&Regression::new(3), false, 5, 12);
}

#[test]
fn mean_squared_error_through_softmax_jacobian() {
    check_gradients(&MseOnSoftmax::new(4), false, 2, 13);
}

#[test]
fn single_sample_forward_matches_the_batched_forward() {
    let model = EveryActivation::new(5);
    let mut rng = Rng::new(6);
    let batch = 3;
    let inputs: Vec<f32> = (0..batch * 5).map(|_| rng.uniform(2.0)).collect();
    let mut nodes = vec![0.0; EveryActivation::arena_len(batch)];
    nodes[..inputs.len()].copy_from_slice(&inputs);
    model.forward_batch(&mut nodes, batch, Mode::Infer, &mut rng);
    let batched = &nodes[nodes.len() - batch * 3..];
    for b in 0..batch {
        let input: [f32; 5] = inputs[b * 5..b * 5 + 5].try_into().unwrap();
        let single = model.forward(&input);
        for (s, t) in single.iter().zip(&batched[b * 3..b * 3 + 3]) {
            assert!(
                (s - t).abs() < 1e-5,
                "sample {b}: {single:?} vs {:?}",
                &batched[b * 3..b * 3 + 3]
            );
        }
    }
}

#[test]
fn layout_constants_describe_the_spec() {
    assert_eq!(EveryActivation::INPUT_SHAPE, [5]);
    assert_eq!(EveryActivation::OUTPUT_SHAPE, [3]);
    assert_eq!(
        EveryActivation::PARAM_COUNT,
        (5 * 6 + 6) + (6 * 6 + 6) + (6 * 5 + 5) + (5 * 4 + 4) + (4 * 3 + 3)
    );
    assert_eq!(Regression::INPUT_SHAPE, [2, 3]);
    assert_eq!(<Regression as Network>::NODE_WIDTHS, &[6, 6, 4, 4, 2]);
    assert_eq!(
        <MseOnSoftmax as Network>::LOSS,
        nn::LossKind::MeanSquaredError
    );
    assert_eq!(
        <Binary as Network>::LOSS,
        nn::LossKind::SigmoidBinaryCrossEntropy
    );
    let names: Vec<&str> = <Binary as Network>::TENSORS
        .iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(
        names,
        [
            "dense_0.weight",
            "dense_0.bias",
            "dense_1.weight",
            "dense_1.bias"
        ]
    );
    assert_eq!(<Binary as Network>::TENSORS[2].shape, &[2, 5]);
    assert_eq!(<Binary as Network>::TENSORS[2].offset, 4 * 5 + 5);
}
