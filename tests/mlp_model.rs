//! The generated model type of the benchmark MLP: constants, initialization, summary,
//! and heap-free single-sample inference.

mod support;

use support::Mlp;

#[test]
fn constants_match_the_benchmark_spec() {
    assert_eq!(Mlp::PARAM_COUNT, 109_386);
    assert_eq!(Mlp::PARAM_BYTES, 437_544);
    assert_eq!(Mlp::FLOPS_PER_SAMPLE, 2 * (784 * 128 + 128 * 64 + 64 * 10));
    assert_eq!(Mlp::INPUT_LEN, 784);
    assert_eq!(Mlp::OUTPUT_SHAPE, [10]);
    // Two ping-pong buffers: 128 floats (dense_0) and 64 (dense_1); dense_2 writes the output.
    assert_eq!(Mlp::SCRATCH_BYTES, (128 + 64) * 4);
    assert_eq!(std::mem::size_of::<Mlp>(), Mlp::PARAM_BYTES);
}

#[test]
fn summary_lists_every_layer_with_shape_and_parameters() {
    let summary = Mlp::summary();
    for row in [
        ("dense_0", "[128]", "100,480"),
        ("relu_0", "[128]", "0"),
        ("dense_1", "[64]", "8,256"),
        ("dense_2", "[10]", "650"),
        ("softmax_0", "[10]", "0"),
    ] {
        let line = summary
            .lines()
            .find(|l| l.split_whitespace().next() == Some(row.0))
            .unwrap_or_else(|| panic!("no row {}:\n{summary}", row.0));
        assert!(line.contains(row.1) && line.contains(row.2), "{line}");
    }
    assert!(summary.contains("Parameters: 109,386"), "{summary}");
    assert!(summary.contains("Loss: cross_entropy"), "{summary}");
}

#[test]
fn initialization_is_seeded_he_before_relu_glorot_before_softmax() {
    let a = Mlp::new_boxed(42);
    let b = Mlp::new_boxed(42);
    let c = Mlp::new_boxed(43);
    assert!(*a == *b, "same seed, same weights");
    assert!(*a != *c, "different seed, different weights");

    let tensor = |name: &str| {
        let t = <Mlp as nn::Network>::TENSORS
            .iter()
            .find(|t| t.name == name)
            .unwrap();
        &a.parameters()[t.offset..t.offset + t.len()]
    };
    let max_abs = |w: &[f32]| w.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let he = (6.0f32 / 784.0).sqrt();
    let glorot = (6.0f32 / (64.0 + 10.0)).sqrt();
    assert!(
        max_abs(tensor("dense_0.weight")) <= he && max_abs(tensor("dense_0.weight")) > 0.99 * he
    );
    assert!(
        max_abs(tensor("dense_2.weight")) <= glorot
            && max_abs(tensor("dense_2.weight")) > 0.9 * glorot
    );
    assert!(tensor("dense_0.bias").iter().all(|&b| b == 0.0));
    let mean = tensor("dense_0.weight").iter().sum::<f32>() / (128.0 * 784.0);
    assert!(
        mean.abs() < 0.01 * he,
        "uniform weights should be centred: mean {mean}"
    );
}

#[test]
fn forward_outputs_probabilities() {
    let model = Mlp::new_boxed(1);
    let input: [f32; 784] = std::array::from_fn(|i| (i % 17) as f32 / 17.0);
    let output = model.forward(&input);
    assert!(
        (output.iter().sum::<f32>() - 1.0).abs() < 1e-5,
        "{output:?}"
    );
    assert!(output.iter().all(|&p| p > 0.0 && p < 1.0));
}

#[test]
fn a_model_can_be_a_static_built_at_compile_time() {
    static ZERO: Mlp = Mlp::zeroed();
    let output = ZERO.forward(&[1.0; 784]);
    // All-zero weights: every logit is 0, so the softmax is uniform.
    assert!(output.iter().all(|&p| (p - 0.1).abs() < 1e-6), "{output:?}");
}

#[test]
fn weights_round_trip_through_little_endian_bytes_at_compile_time() {
    nn::network! {
        struct Tiny { input: [2], dense(3), relu, dense(2), softmax }
    }
    const BYTES: [u8; Tiny::PARAM_BYTES] = {
        let mut bytes = [0u8; Tiny::PARAM_BYTES];
        let mut i = 0;
        while i < Tiny::PARAM_COUNT {
            let b = (i as f32 * 0.25 - 1.0).to_le_bytes();
            bytes[4 * i] = b[0];
            bytes[4 * i + 1] = b[1];
            bytes[4 * i + 2] = b[2];
            bytes[4 * i + 3] = b[3];
            i += 1;
        }
        bytes
    };
    static BAKED: Tiny = Tiny::from_le_bytes(&BYTES);
    let expected: Vec<f32> = (0..Tiny::PARAM_COUNT)
        .map(|i| i as f32 * 0.25 - 1.0)
        .collect();
    assert_eq!(BAKED.parameters().as_slice(), expected.as_slice());
    assert_eq!(
        BAKED.forward(&[1.0, 2.0]),
        Tiny::from_params(BAKED.parameters().to_owned()).forward(&[1.0, 2.0])
    );
}
