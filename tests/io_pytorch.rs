//! Weights trained in PyTorch: `tests/fixtures/pytorch_*.safetensors` are state dicts of
//! `torch.nn.Sequential` models (dense, convolutional, depthwise) with PyTorch's tensor names (`0.weight`, `3.bias`, …) and of
//! one `nn.Module` with LSTM, RNN and GRU attributes (`lstm.weight_ih_l0`, …), and
//! `pytorch_*.expected.txt` their outputs on fixed inputs (both written by
//! `scripts/make_pytorch_fixture.py`). Loaded through a name mapping, `nn` reproduces the
//! outputs to 1e-5.

mod support;

use nn::io::{load_weights_mapped, sequential_mapping};
use nn::{Network, WeightsError};
use support::{Cnn, Mlp};

nn::network! {
    /// `Sequential(Conv2d(3, 4, 3, padding=1), BatchNorm2d(4), LeakyReLU(0.1),
    /// Conv2d(4, 6, 3, stride=2, padding=1), ReLU(), AvgPool2d(2), Flatten(), Linear(24, 8),
    /// BatchNorm1d(8), Tanh(), Linear(8, 3), Sigmoid())`.
    pub struct WithBatchNorm {
        input: [3, 8, 8],
        conv2d(4, kernel = 3, padding = 1), batch_norm, leaky_relu(0.1),
        conv2d(6, kernel = 3, stride = 2, padding = 1), relu,
        avg_pool2d(2),
        flatten,
        dense(8), batch_norm, tanh,
        dense(3), sigmoid,
    }
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// `(input, expected output)` rows of `pytorch_<name>.expected.txt`.
fn expected(name: &str) -> Vec<(Vec<f32>, Vec<f32>)> {
    let text = std::fs::read_to_string(fixture(&format!("pytorch_{name}.expected.txt"))).unwrap();
    let rows: Vec<(&str, Vec<f32>)> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let mut words = line.split(' ');
            let kind = words.next().unwrap();
            (kind, words.map(|w| w.parse().unwrap()).collect())
        })
        .collect();
    rows.chunks(2)
        .map(|pair| {
            assert_eq!((pair[0].0, pair[1].0), ("input", "output"));
            (pair[0].1.clone(), pair[1].1.clone())
        })
        .collect()
}

/// Loads the fixture into `model` with `mapping` and returns the largest difference from
/// PyTorch's outputs.
fn max_difference<N: Network>(
    model: &mut N,
    name: &str,
    mapping: &[(impl AsRef<str>, impl AsRef<str>)],
) -> f32 {
    let bytes = std::fs::read(fixture(&format!("pytorch_{name}.safetensors"))).unwrap();
    load_weights_mapped(model, &bytes, mapping).unwrap();
    let rows = expected(name);
    assert_eq!(rows.len(), 4);
    let mut output = vec![0.0; N::OUTPUT_LEN];
    let mut worst = 0.0f32;
    for (input, want) in rows {
        model.forward_sample(&input, &mut output);
        for (got, want) in output.iter().zip(&want) {
            worst = worst.max((got - want).abs());
        }
    }
    eprintln!("{name}: max |nn − PyTorch| = {worst:.2e}");
    worst
}

fn pairs<'a>(mapping: &'a [(String, &'static str)]) -> Vec<(&'a str, &'static str)> {
    mapping.iter().map(|(a, b)| (a.as_str(), *b)).collect()
}

#[test]
fn a_pytorch_mlp_loads_with_an_explicit_mapping_and_reproduces_its_outputs() {
    let mapping = [
        ("0.weight", "dense_0.weight"),
        ("0.bias", "dense_0.bias"),
        ("2.weight", "dense_1.weight"),
        ("2.bias", "dense_1.bias"),
        ("4.weight", "dense_2.weight"),
        ("4.bias", "dense_2.bias"),
    ];
    assert_eq!(pairs(&sequential_mapping::<Mlp>()), mapping);
    let mut model = Mlp::new_boxed(0);
    assert!(max_difference(&mut *model, "mlp", &mapping) <= 1e-5);
}

#[test]
fn a_pytorch_cnn_reproduces_its_outputs() {
    let mapping = sequential_mapping::<Cnn>();
    assert_eq!(
        pairs(&mapping),
        [
            ("0.weight", "conv2d_0.weight"),
            ("0.bias", "conv2d_0.bias"),
            ("3.weight", "conv2d_1.weight"),
            ("3.bias", "conv2d_1.bias"),
            ("7.weight", "dense_0.weight"),
            ("7.bias", "dense_0.bias"),
        ]
    );
    let mut model = Cnn::new_boxed(0);
    assert!(max_difference(&mut *model, "cnn", &mapping) <= 1e-5);
}

#[test]
fn pytorch_batch_norm_padding_and_stride_reproduce_their_outputs() {
    let mapping = sequential_mapping::<WithBatchNorm>();
    assert!(pairs(&mapping).contains(&("1.running_var", "batch_norm_0.running_var")));
    assert!(pairs(&mapping).contains(&("8.running_mean", "batch_norm_1.running_mean")));
    let mut model = WithBatchNorm::new_boxed(0);
    // `num_batches_tracked` (int64) is in the file and ignored: the mapping does not name it.
    assert!(max_difference(&mut *model, "batch_norm", &mapping) <= 1e-5);
}

nn::network! {
    /// `Sequential(Conv2d(3, 4, 3, stride=2, padding=1), ReLU6(),
    /// Conv2d(4, 8, 3, padding=1, groups=4), ReLU6(),
    /// Conv2d(8, 8, 3, stride=2, padding=1, groups=8, bias=False), Conv2d(8, 6, 1), ReLU(),
    /// AdaptiveAvgPool2d(1), Flatten(), Linear(6, 3))`.
    pub struct Mobile {
        input: [3, 9, 9],
        conv2d(4, kernel = 3, stride = 2, padding = 1), relu6,
        depthwise_conv2d(kernel = 3, padding = 1, depth_multiplier = 2), relu6,
        depthwise_conv2d(kernel = 3, stride = 2, padding = 1, bias = false),
        conv2d(6, kernel = 1), relu,
        global_avg_pool2d, flatten,
        dense(3),
    }
}

#[test]
fn pytorch_depthwise_convolutions_and_global_pooling_reproduce_their_outputs() {
    let mapping = sequential_mapping::<Mobile>();
    assert_eq!(
        pairs(&mapping)[2..5],
        [
            ("2.weight", "depthwise_conv2d_0.weight"),
            ("2.bias", "depthwise_conv2d_0.bias"),
            ("4.weight", "depthwise_conv2d_1.weight"),
        ]
    );
    let mut model = Mobile::new_boxed(0);
    assert!(max_difference(&mut *model, "mobile", &mapping) <= 1e-5);
}

#[test]
fn the_unmapped_pytorch_file_is_rejected_and_a_wrong_mapping_is_named() {
    let bytes = std::fs::read(fixture("pytorch_mlp.safetensors")).unwrap();
    let mut model = Mlp::new_boxed(0);
    let before = model.params().to_vec();
    assert_eq!(
        format!(
            "{:?}",
            nn::load_weights_from_bytes(&mut *model, &bytes).unwrap_err()
        ),
        format!(
            "{:?}",
            WeightsError::MissingTensor {
                name: "dense_0.weight".into(),
                expected_shape: vec![128, 784]
            }
        )
    );
    // Layers swapped by mistake: the shapes catch it.
    let swapped = [("2.weight", "dense_0.weight")];
    assert_eq!(
        format!(
            "{:?}",
            load_weights_mapped(&mut *model, &bytes, &swapped).unwrap_err()
        ),
        format!(
            "{:?}",
            WeightsError::WrongShape {
                name: "2.weight".into(),
                expected: vec![128, 784],
                found: vec![64, 128]
            }
        )
    );
    assert_eq!(
        format!(
            "{:?}",
            load_weights_mapped(&mut *model, &bytes, &[("0.weight", "dense_9.weight")])
                .unwrap_err()
        ),
        format!(
            "{:?}",
            WeightsError::UnknownMappingTarget {
                from: "0.weight".into(),
                to: "dense_9.weight".into()
            }
        )
    );
    // Two file tensors onto one network tensor: which one would win is not for us to guess.
    let twice = [
        ("0.weight", "dense_0.weight"),
        ("4.weight", "dense_0.weight"),
    ];
    assert_eq!(
        format!(
            "{:?}",
            load_weights_mapped(&mut *model, &bytes, &twice).unwrap_err()
        ),
        format!(
            "{:?}",
            WeightsError::DuplicateMappingTarget {
                to: "dense_0.weight".into(),
                first: "0.weight".into(),
                second: "4.weight".into()
            }
        )
    );
    assert_eq!(model.params(), &before[..]);
}

nn::network! {
    /// `Sequential`-style numbering of a recurrent model: module 0 is an `nn.LSTM`.
    pub struct Recurrent {
        input: [5 steps, 3],
        lstm(4),
        dense(2), softmax,
    }
}

#[test]
fn recurrent_layers_map_to_pytorch_layer_zero_names() {
    let mapping = sequential_mapping::<Recurrent>();
    assert_eq!(
        pairs(&mapping),
        [
            ("0.weight_ih_l0", "lstm_0.weight_ih"),
            ("0.weight_hh_l0", "lstm_0.weight_hh"),
            ("0.bias_ih_l0", "lstm_0.bias_ih"),
            ("0.bias_hh_l0", "lstm_0.bias_hh"),
            ("1.weight", "dense_0.weight"),
            ("1.bias", "dense_0.bias"),
        ]
    );
}

nn::network! {
    /// The recurrent module of `scripts/make_pytorch_fixture.py`: `lstm = nn.LSTM(3, 5)`,
    /// `rnn = nn.RNN(5, 4)`, `gru = nn.GRU(4, 3)` (all `batch_first`), `head = nn.Linear(3, 2)`;
    /// `forward` feeds every step's output of one to the next and `gru`'s last state to `head`.
    pub struct RecurrentModule {
        input: [6 steps, 3],
        lstm(5, return_sequences = true),
        rnn(4, return_sequences = true),
        gru(3),
        dense(2),
    }
}

/// PyTorch's `<module>.<tensor>_l0` (layer 0 of the module) for `nn`'s `<layer>.<tensor>`.
fn recurrent_pairs(module: &str, layer: &str) -> Vec<(String, String)> {
    ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
        .iter()
        .map(|tensor| (format!("{module}.{tensor}_l0"), format!("{layer}.{tensor}")))
        .collect()
}

#[test]
fn pytorch_lstm_rnn_and_gru_reproduce_their_outputs() {
    let mut mapping = recurrent_pairs("lstm", "lstm_0");
    mapping.extend(recurrent_pairs("rnn", "rnn_0"));
    mapping.extend(recurrent_pairs("gru", "gru_0"));
    mapping.push(("head.weight".into(), "dense_0.weight".into()));
    mapping.push(("head.bias".into(), "dense_0.bias".into()));
    assert_eq!(
        mapping[0],
        ("lstm.weight_ih_l0".into(), "lstm_0.weight_ih".into())
    );
    let mut model = RecurrentModule::new_boxed(0);
    assert!(max_difference(&mut *model, "recurrent", &mapping) <= 1e-5);
}
