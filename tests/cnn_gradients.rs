//! Whole-network gradient checks of convolutional networks: every windowed layer, padding
//! mode, stride, dropout and batch norm, through the generated batched passes.

mod support;

use nn::__private::Arena;
use nn::{Mode, Network, Rng};
use support::{assert_single_matches_batched, check_gradients};

nn::network! {
    /// The benchmark CNN's structure at a small size.
    struct SmallCnn {
        input: [1, 8, 8],
        conv2d(3, kernel = 3), tanh,
        max_pool2d(2),
        conv2d(4, kernel = (2, 3)), sigmoid,
        flatten,
        dense(5), softmax,
    }
}

nn::network! {
    /// Same padding, stride 2, explicit padding, average pooling, batch norm, dropout.
    struct Everything {
        input: [2, 7, 7],
        conv2d(3, kernel = 3, padding = same), batch_norm, tanh,
        conv2d(4, kernel = 3, stride = 2, padding = same), sigmoid,
        dropout(0.3),
        conv2d(2, kernel = 2, padding = 1),
        avg_pool2d(2, stride = 1),
        flatten,
        dense(6), batch_norm, leaky_relu,
        dense(3), softmax,
    }
}

#[test]
fn small_cnn_gradients() {
    check_gradients(&SmallCnn::new(1), true, 3, 21);
}

#[test]
fn every_conv_layer_kind_gradients() {
    check_gradients(&Everything::new(2), true, 4, 22);
}

#[test]
fn shapes_follow_keras_rules() {
    let widths = <Everything as Arena>::NODE_WIDTHS;
    // input, conv same (3×7×7), bn, tanh, conv s2 same (4×4×4), sigmoid, dropout,
    // conv k2 p1 (2×5×5), avg 2 s1 (2×4×4), flatten, dense, bn, leaky, dense, softmax
    assert_eq!(
        widths,
        &[98, 147, 147, 147, 64, 64, 64, 50, 32, 32, 6, 6, 6, 3, 3]
    );
    assert_eq!(SmallCnn::OUTPUT_SHAPE, [5]);
    let summary = Everything::summary();
    assert!(
        summary
            .lines()
            .any(|l| l.starts_with("conv2d_1") && l.contains("[4, 4, 4]")),
        "{summary}"
    );
    assert!(summary.contains("non-trainable: 18"), "{summary}");
}

#[test]
fn evaluation_is_deterministic_and_differs_from_training() {
    let model = Everything::new(3);
    let mut rng = Rng::new(4);
    let batch = 5;
    let inputs: Vec<f32> = (0..batch * Everything::INPUT_LEN)
        .map(|_| rng.uniform(1.0))
        .collect();
    let run = |mode: Mode, seed: u64| {
        let mut nodes = vec![0.0; Everything::arena_len(batch)];
        nodes[..inputs.len()].copy_from_slice(&inputs);
        model.forward_batch(&mut nodes, batch, mode, &mut Rng::new(seed));
        let end = Everything::nodes_len(batch);
        nodes[end - batch * 3..end].to_vec()
    };
    // Inference ignores the generator (no dropout) and uses running statistics.
    assert_eq!(run(Mode::Infer, 1), run(Mode::Infer, 2));
    // Training draws dropout masks from it.
    assert_ne!(run(Mode::Train, 1), run(Mode::Train, 2));
    // The single-sample path is the inference path.
    assert_single_matches_batched(&model, batch, 8);
    assert_single_matches_batched(&SmallCnn::new(9), 2, 10);
}

#[test]
fn training_updates_running_statistics_only_in_train_mode() {
    let mut model = Everything::new(5);
    let before = model.clone();
    let batch = 4;
    let mut rng = Rng::new(6);
    let mut nodes = vec![0.0; Everything::arena_len(batch)];
    for x in &mut nodes[..batch * Everything::INPUT_LEN] {
        *x = 3.0 + rng.uniform(1.0);
    }
    model.forward_batch(&mut nodes, batch, Mode::Infer, &mut rng);
    assert!(model == before, "an inference pass changes nothing");
    model.forward_batch(&mut nodes, batch, Mode::Train, &mut rng);
    model.update_state(&nodes, batch);
    let mean = <Everything as Network>::TENSORS
        .iter()
        .find(|t| t.name == "batch_norm_0.running_mean")
        .unwrap();
    let moved = &model.parameters()[mean.offset..mean.offset + mean.len()];
    assert!(
        moved.iter().all(|&m| m != 0.0),
        "running mean should move towards the batch mean: {moved:?}"
    );
    let weight = <Everything as Network>::TENSORS
        .iter()
        .find(|t| t.name == "conv2d_0.weight")
        .unwrap();
    assert_eq!(
        &model.parameters()[weight.offset..weight.offset + weight.len()],
        &before.parameters()[weight.offset..weight.offset + weight.len()],
        "update_state touches only running statistics"
    );
}

nn::network! {
    /// Everything but the last layer runs sample by sample in batched inference, so the node
    /// the loss reads is the end of that chain.
    struct ChainToTheEnd {
        input: [1, 8, 8],
        conv2d(2, kernel = 3), relu,
        max_pool2d(2),
        flatten,
        sigmoid,
    }
}

/// Without dropout or batch norm, training and inference compute the same values: the loss
/// read after an inference pass (whose inner nodes are scratch) equals the loss after a
/// training pass (which writes every node).
fn assert_inference_loss_is_the_training_loss<N: Network>(model: &N, batch: usize, seed: u64) {
    let mut rng = Rng::new(seed);
    let inputs: Vec<f32> = (0..batch * N::INPUT_LEN)
        .map(|_| rng.uniform(1.0))
        .collect();
    let targets: Vec<f32> = (0..batch * N::OUTPUT_LEN)
        .map(|_| f32::from(rng.next_f32() < 0.5))
        .collect();
    let loss = |mode: Mode| {
        let mut nodes = vec![f32::NAN; N::arena_len(batch)];
        nodes[..inputs.len()].copy_from_slice(&inputs);
        model.forward_batch(&mut nodes, batch, mode, &mut Rng::new(0));
        N::loss_batch(&nodes, &targets, batch, None)
    };
    let (infer, train) = (loss(Mode::Infer), loss(Mode::Train));
    assert!(
        infer.is_finite() && (infer - train).abs() < 1e-6,
        "{infer} vs {train}"
    );
}

#[test]
fn inference_chains_write_the_nodes_the_loss_reads() {
    assert_inference_loss_is_the_training_loss(&ChainToTheEnd::new(1), 5, 2);
    assert_inference_loss_is_the_training_loss(&support::Cnn::new(3), 4, 4);
    assert_single_matches_batched(&ChainToTheEnd::new(5), 5, 6);
}
