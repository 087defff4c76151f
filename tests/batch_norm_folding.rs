//! Batch-norm folding: trained networks with random parameters and running statistics
//! (γ of both signs, β, μ and σ² far from their initial 1 and 0) are folded into networks
//! declared without their batch norms, and both compute the same outputs in inference;
//! then one test per kind of mismatch between the two declarations.

use nn::{FoldError, LayerOp, Network, Rng};

nn::network! {
    struct Chain {
        input: [3, 10, 10],
        conv2d(6, kernel = 3, padding = 1), batch_norm, relu,
        depthwise_conv2d(kernel = 3, depth_multiplier = 2, bias = false), batch_norm, relu6,
        max_pool2d(2),
        conv2d(5, kernel = 1), relu, batch_norm,
        flatten,
        dense(16), batch_norm(epsilon = 0.01), tanh,
        dense(4), batch_norm,
    }
}

nn::network! {
    struct ChainDeployed {
        input: [3, 10, 10],
        conv2d(6, kernel = 3, padding = 1), relu,
        depthwise_conv2d(kernel = 3, depth_multiplier = 2), relu6,
        max_pool2d(2),
        conv2d(5, kernel = 1), relu, batch_norm,
        flatten,
        dense(16), tanh,
        dense(4),
    }
}

nn::network! {
    struct Residual {
        input: [2, 8, 8],
        conv2d(4, kernel = 3, padding = 1), batch_norm, relu as stem,
        conv2d(4, kernel = 3, padding = 1), batch_norm, relu,
        conv2d(4, kernel = 3, padding = 1), batch_norm as main,
        stem -> conv2d(4, kernel = 1), batch_norm as shortcut,
        add(main, shortcut), relu,
        flatten, dense(3),
    }
}

nn::network! {
    struct ResidualDeployed {
        input: [2, 8, 8],
        conv2d(4, kernel = 3, padding = 1), relu as stem,
        conv2d(4, kernel = 3, padding = 1), relu,
        conv2d(4, kernel = 3, padding = 1) as main,
        stem -> conv2d(4, kernel = 1) as shortcut,
        add(main, shortcut), relu,
        flatten, dense(3),
    }
}

/// Random weights and biases, and batch norms whose γ, β, μ and σ² are all non-trivial.
fn randomize<N: Network>(model: &mut N, seed: u64) {
    let mut rng = Rng::new(seed);
    for tensor in N::TENSORS {
        let values = &mut model.params_mut()[tensor.offset..tensor.offset + tensor.len()];
        let batch_norm = tensor.name.starts_with("batch_norm");
        for v in values {
            *v = match tensor.name.rsplit('.').next() {
                Some("running_var") => 0.05 + 2.0 * rng.next_f32(),
                Some("running_mean") => rng.normal(),
                Some("weight") if batch_norm => {
                    let magnitude = 0.3 + 1.5 * rng.next_f32();
                    if rng.below(4) == 0 {
                        -magnitude
                    } else {
                        magnitude
                    }
                }
                Some("bias") if batch_norm => 0.5 * rng.normal(),
                _ => rng.uniform(0.5),
            };
        }
    }
}

/// A trained network from `seed`, randomized from `randomize_seed`, and the deployed
/// network folded from it.
fn randomized_and_folded<T: Network, D: Network>(
    new: fn(u64) -> Box<T>,
    zeroed: fn() -> Box<D>,
    seed: u64,
    randomize_seed: u64,
) -> (Box<T>, Box<D>) {
    let mut trained = new(seed);
    randomize(&mut *trained, randomize_seed);
    let mut deployed = zeroed();
    nn::fold_batch_norm(&*trained, &mut *deployed).unwrap();
    (trained, deployed)
}

/// The largest |a − b| / max(1, |a|) over the outputs of `inputs` random samples (the
/// relative difference, or the absolute one for outputs below 1).
fn max_difference<const IN: usize, const OUT: usize>(
    trained: impl Fn(&[f32; IN]) -> [f32; OUT],
    deployed: impl Fn(&[f32; IN]) -> [f32; OUT],
    inputs: usize,
) -> f32 {
    let mut rng = Rng::new(7);
    let (mut worst, mut worst_absolute) = (0.0f32, 0.0f32);
    for _ in 0..inputs {
        let x: [f32; IN] = core::array::from_fn(|_| rng.normal());
        let (a, b) = (trained(&x), deployed(&x));
        for (a, b) in a.iter().zip(&b) {
            assert!(a.is_finite() && b.is_finite(), "{a} vs {b}");
            worst = worst.max((a - b).abs() / a.abs().max(1.0));
            worst_absolute = worst_absolute.max((a - b).abs());
        }
    }
    println!("max |trained - deployed| = {worst_absolute:.2e}");
    worst
}

#[test]
fn chain_folds_conv_depthwise_and_dense() {
    let (trained, deployed) =
        randomized_and_folded(Chain::new_boxed, ChainDeployed::zeroed_boxed, 1, 11);
    assert_eq!(ChainDeployed::LAYERS.len(), Chain::LAYERS.len() - 4);
    let worst = max_difference(|x| trained.forward(x), |x| deployed.forward(x), 8);
    println!("chain: max relative difference {worst:.2e}");
    assert!(worst < 1e-5, "{worst}");
}

#[test]
fn residual_graph_folds_both_branches_of_the_add() {
    let (trained, deployed) =
        randomized_and_folded(Residual::new_boxed, ResidualDeployed::zeroed_boxed, 2, 12);
    let worst = max_difference(|x| trained.forward(x), |x| deployed.forward(x), 8);
    println!("residual: max relative difference {worst:.2e}");
    assert!(worst < 1e-5, "{worst}");
}

#[test]
fn kept_batch_norm_is_copied_and_trained_biases_carry_into_the_fold() {
    let (trained, deployed) =
        randomized_and_folded(Chain::new_boxed, ChainDeployed::zeroed_boxed, 3, 13);
    let find =
        |tensors: &[nn::TensorInfo], name: &str| *tensors.iter().find(|t| t.name == name).unwrap();
    // The batch norm after `relu` stays: `batch_norm_2` of the trained network is
    // `batch_norm_0` of the deployed one.
    for suffix in ["weight", "bias", "running_mean", "running_var"] {
        let t = find(Chain::TENSORS, &format!("batch_norm_2.{suffix}"));
        let d = find(ChainDeployed::TENSORS, &format!("batch_norm_0.{suffix}"));
        assert_eq!(
            trained.params()[t.offset..t.offset + t.len()],
            deployed.params()[d.offset..d.offset + d.len()]
        );
    }
}

/// Why `error` says batch norm `name` cannot be folded.
fn unfoldable_reason(error: FoldError, name: &str) -> String {
    match error {
        FoldError::UnfoldableBatchNorm { batch_norm, reason } if batch_norm == name => reason,
        other => panic!("{other:?}"),
    }
}

fn fold<T: Network, D: Network>(trained: &T, deployed: &mut D) -> FoldError {
    let before = deployed.params().to_vec();
    let error = nn::fold_batch_norm(trained, deployed).unwrap_err();
    assert_eq!(
        deployed.params(),
        before,
        "a failed fold changed the network"
    );
    assert!(!error.to_string().is_empty());
    println!("{error}");
    error
}

#[test]
fn different_kind_is_refused() {
    nn::network! { struct T { input: [4], dense(3), batch_norm, relu } }
    nn::network! { struct D { input: [4], dense(3), tanh } }
    let error = fold(&T::new(1), &mut D::zeroed());
    assert_eq!(
        error,
        FoldError::KindMismatch {
            trained: "relu_0",
            trained_kind: "relu",
            deployed: "tanh_0",
            deployed_kind: "tanh",
        }
    );
    assert!(error.to_string().contains("`tanh_0` is a tanh"), "{error}");
}

#[test]
fn different_settings_are_refused() {
    nn::network! { struct T { input: [1, 6, 6], conv2d(2, kernel = 3, padding = 1), batch_norm } }
    nn::network! { struct D { input: [1, 6, 6], conv2d(2, kernel = 1) } }
    let error = fold(&T::new(1), &mut D::zeroed());
    let FoldError::OpMismatch {
        trained: "conv2d_0",
        deployed: "conv2d_0",
        expected,
        found,
    } = error
    else {
        panic!("{error:?}");
    };
    assert!(matches!(*expected, LayerOp::Conv2d { kernel: [3, 3], .. }));
    assert!(matches!(*found, LayerOp::Conv2d { kernel: [1, 1], .. }));
}

#[test]
fn different_shape_is_refused() {
    nn::network! { struct T { input: [1, 6, 6], conv2d(2, kernel = 3), batch_norm } }
    nn::network! { struct D { input: [1, 7, 7], conv2d(2, kernel = 3) } }
    let error = fold(&T::new(1), &mut D::zeroed());
    assert_eq!(
        error,
        FoldError::ShapeMismatch {
            trained: "conv2d_0",
            deployed: "conv2d_0",
            which: "input",
            expected: vec![1, 6, 6],
            found: vec![1, 7, 7],
        }
    );
}

#[test]
fn differently_wired_graph_is_refused() {
    nn::network! { struct T { input: [4], dense(4), batch_norm as a, dense(4) as b, add(a, b) } }
    nn::network! { struct D { input: [4], dense(4) as a, input -> dense(4) as b, add(a, b) } }
    let error = fold(&T::new(1), &mut D::zeroed());
    assert_eq!(
        error,
        FoldError::InputMismatch {
            trained: "b",
            deployed: "b",
            expected: vec!["a"],
            found: vec!["input"],
        }
    );
}

#[test]
fn missing_layer_is_refused() {
    nn::network! { struct T { input: [4], dense(3), batch_norm, relu, dense(2) } }
    nn::network! { struct D { input: [4], dense(3), relu } }
    let error = fold(&T::new(1), &mut D::zeroed());
    assert_eq!(
        error,
        FoldError::MissingLayer {
            trained: "dense_1",
            kind: "dense",
        }
    );
}

#[test]
fn extra_layer_is_refused() {
    nn::network! { struct T { input: [4], dense(3), batch_norm } }
    nn::network! { struct D { input: [4], dense(3), relu } }
    let error = fold(&T::new(1), &mut D::zeroed());
    assert_eq!(
        error,
        FoldError::ExtraLayer {
            deployed: "relu_0",
            kind: "relu",
        }
    );
}

#[test]
fn batch_norm_after_an_activation_is_refused() {
    nn::network! { struct T { input: [4], dense(3), relu, batch_norm, dense(2) } }
    nn::network! { struct D { input: [4], dense(3), relu, dense(2) } }
    let reason = unfoldable_reason(fold(&T::new(1), &mut D::zeroed()), "batch_norm_0");
    assert!(reason.contains("reads relu `relu_0`"), "{reason}");
}

#[test]
fn batch_norm_of_the_input_is_refused() {
    nn::network! { struct T { input: [4], batch_norm, dense(2) } }
    nn::network! { struct D { input: [4], dense(2) } }
    let reason = unfoldable_reason(fold(&T::new(1), &mut D::zeroed()), "batch_norm_0");
    assert!(reason.contains("network's input"), "{reason}");
}

#[test]
fn batch_norm_of_a_shared_output_is_refused() {
    nn::network! { struct T { input: [4], dense(4) as a, batch_norm as b, a -> relu as c, add(b, c) } }
    nn::network! { struct D { input: [4], dense(4) as a, relu as c, add(a, c) } }
    let reason = unfoldable_reason(fold(&T::new(1), &mut D::zeroed()), "b");
    assert!(
        reason.contains("`c` reads the output of `a` too"),
        "{reason}"
    );
}

#[test]
fn depthwise_without_bias_cannot_absorb_a_shift() {
    nn::network! { struct T { input: [2, 5, 5], depthwise_conv2d(kernel = 3, bias = false), batch_norm } }
    nn::network! { struct D { input: [2, 5, 5], depthwise_conv2d(kernel = 3, bias = false) } }
    let error = fold(&T::new(1), &mut D::zeroed());
    assert_eq!(
        error,
        FoldError::MissingBias {
            deployed: "depthwise_conv2d_0",
            absorbs: "batch_norm_0",
        }
    );
}
