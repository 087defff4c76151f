//! The fuzz targets' inputs. `load_weights`' seed corpus (`fuzz/corpus/load_weights/`,
//! written by `scripts/make_fuzz_corpus.py` with Python's `safetensors`): files from another
//! implementation of the format load, and each broken one gives its own error.
//! `load_tflite`'s checks on malformed models generated here: every truncation and many
//! byte flips of a small model built in the test and of MLPerf Tiny's KWS float model (read
//! from `../shared/mlperf-tiny/` or `NN_MLPERF_DIR` at test time, never copied into the
//! repository) go through the reader and the importer without a panic.

use std::path::PathBuf;

use nn::io::tflite::{self, ImportError};
use nn::io::{load_weights_from_bytes, load_weights_mapped, sequential_mapping, Checkpoint};
use nn::{Network, WeightsError};

mod tflite_bytes;
use tflite_bytes::{classifier_bytes, Classifier};

include!("../models/mlperf/kws.rs");

nn::network! {
    /// The network of `fuzz/fuzz_targets/load_weights.rs`.
    pub struct Fuzzed {
        input: [1, 6, 6],
        conv2d(2, kernel = 3), batch_norm, relu,
        flatten,
        dense(3), softmax,
    }
}

fn corpus(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/fuzz/corpus/load_weights/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn load(name: &str) -> Result<Vec<f32>, WeightsError> {
    let mut model = Fuzzed::new(1);
    let before = model.params().to_vec();
    let result = load_weights_from_bytes(&mut model, &corpus(name));
    if result.is_err() {
        assert_eq!(
            model.params(),
            &before[..],
            "{name}: a failed load changed the model"
        );
    }
    result.map(|()| model.params().to_vec())
}

#[test]
fn valid_files_from_python_load() {
    let weights = load("valid_weights.safetensors").unwrap();
    assert!(weights.iter().all(|w| w.is_finite()) && weights.iter().any(|&w| w != 0.0));

    let mut model = Fuzzed::new(1);
    let mapping = sequential_mapping::<Fuzzed>();
    let pairs: Vec<(&str, &str)> = mapping.iter().map(|(a, b)| (a.as_str(), *b)).collect();
    assert!(pairs.contains(&("4.weight", "dense_0.weight")), "{pairs:?}");
    load_weights_mapped(
        &mut model,
        &corpus("valid_pytorch_names.safetensors"),
        &pairs,
    )
    .unwrap();
    // Under PyTorch's names, the plain loader finds nothing it knows.
    assert!(matches!(
        load("valid_pytorch_names.safetensors"),
        Err(WeightsError::MissingTensor { .. })
    ));

    let checkpoint =
        Checkpoint::from_bytes::<Fuzzed>(&corpus("valid_checkpoint.safetensors")).unwrap();
    assert_eq!(
        (checkpoint.epoch, checkpoint.seed, checkpoint.batch_size),
        (3, 42, 16)
    );
    assert_eq!(
        (
            checkpoint.optimizer.method.as_str(),
            checkpoint.optimizer.step
        ),
        ("adam", 48)
    );
    assert_eq!(
        checkpoint.optimizer.buffer("m").map(<[f32]>::len),
        Some(Fuzzed::PARAM_COUNT)
    );
}

#[test]
fn each_broken_file_gives_its_error() {
    assert!(matches!(
        load("truncated.safetensors"),
        Err(WeightsError::Truncated { .. })
    ));
    assert!(matches!(
        load("truncated_header.safetensors"),
        Err(WeightsError::Truncated { .. })
    ));
    assert!(matches!(
        load("corrupt_header.safetensors"),
        Err(WeightsError::Corrupt { .. })
    ));
    assert_eq!(
        format!("{:?}", load("wrong_dtype.safetensors").unwrap_err()),
        format!(
            "{:?}",
            WeightsError::WrongDtype {
                name: "dense_0.bias".into(),
                expected: "F32",
                found: "F16".into()
            }
        )
    );
    assert_eq!(
        format!("{:?}", load("wrong_shape.safetensors").unwrap_err()),
        format!(
            "{:?}",
            WeightsError::WrongShape {
                name: "dense_0.weight".into(),
                expected: vec![3, 32],
                found: vec![32, 3]
            }
        )
    );
    assert_eq!(
        format!("{:?}", load("missing_tensor.safetensors").unwrap_err()),
        format!(
            "{:?}",
            WeightsError::MissingTensor {
                name: "conv2d_0.bias".into(),
                expected_shape: vec![2]
            }
        )
    );
    assert_eq!(
        format!(
            "{:?}",
            Checkpoint::from_bytes::<Fuzzed>(&corpus("bad_checkpoint_metadata.safetensors"))
                .unwrap_err()
        ),
        format!(
            "{:?}",
            WeightsError::BadMetadata {
                key: "epoch",
                found: Some("-1".into())
            }
        )
    );
    // A weights file is not a checkpoint.
    assert_eq!(
        format!(
            "{:?}",
            Checkpoint::from_bytes::<Fuzzed>(&corpus("valid_weights.safetensors")).unwrap_err()
        ),
        format!(
            "{:?}",
            WeightsError::BadMetadata {
                key: "format",
                found: None
            }
        )
    );
}

// ---- the TFLite importer on malformed models (what the `load_tflite` target checks) ----

/// Imports `bytes` into `network`, which must not panic, nor change when the import
/// fails; a model the reader accepts must be consistent. The import's result.
fn import<N: Network>(bytes: &[u8], network: &mut N) -> Result<(), ImportError> {
    if let Ok(model) = tflite::read_from_bytes(bytes) {
        for graph in &model.subgraphs {
            let in_range = |t: &usize| *t < graph.tensors.len();
            assert!(graph.inputs.iter().chain(&graph.outputs).all(in_range));
            for operator in &graph.operators {
                assert!(operator.inputs.iter().flatten().all(in_range));
                assert!(operator.outputs.iter().all(in_range));
            }
        }
    }
    let before = network.params().to_vec();
    let result = tflite::load_from_bytes(bytes, network);
    if result.is_err() {
        assert_eq!(
            network.params(),
            &before[..],
            "a failed import changed the network"
        );
    }
    result
}

/// `count` positions spread over `0..len` by a fixed generator, the same every run.
fn positions(len: usize, count: usize) -> impl Iterator<Item = usize> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..count).map(move |_| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % len
    })
}

/// The values a byte is replaced with: the extremes, a sign flip, and one bit flipped.
fn flips(byte: u8) -> [u8; 5] {
    [0x00, 0xff, 0x80, byte ^ 0x01, byte ^ 0x40]
}

#[test]
fn truncated_and_flipped_small_models_never_panic_the_importer() {
    let bytes = classifier_bytes();
    import(&bytes, &mut Classifier::zeroed()).expect("the intact model imports");
    for len in 0..bytes.len() {
        let result = import(&bytes[..len], &mut Classifier::zeroed());
        assert!(
            matches!(result, Err(ImportError::Read(_))),
            "{len}: {result:?}"
        );
    }
    let mut rejected = 0;
    for i in 0..bytes.len() {
        for value in flips(bytes[i]) {
            let mut flipped = bytes.clone();
            flipped[i] = value;
            rejected += usize::from(import(&flipped, &mut Classifier::zeroed()).is_err());
        }
    }
    // Flips in the weights, or in padding, still import; those in the structure do not.
    assert!(rejected > bytes.len(), "only {rejected} flips were refused");
}

fn read_kws_float() -> Vec<u8> {
    let dir = std::env::var_os("NN_MLPERF_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/mlperf-tiny"));
    let path = dir.join("kws_ref_model_float32.tflite");
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!(
            "{}: {error}. This test reads MLPerf Tiny's KWS float model of the mlcommons/tiny \
             repository (benchmark/training/keyword_spotting/trained_models/): copy it into \
             ../shared/mlperf-tiny/ beside this repository, or set NN_MLPERF_DIR to its folder.",
            path.display()
        )
    })
}

#[test]
fn truncated_and_flipped_kws_models_never_panic_the_importer() {
    let bytes = read_kws_float();
    let mut kws = Kws::zeroed_boxed();
    import(&bytes, &mut *kws).expect("the intact model imports");
    let lengths = positions(bytes.len(), 200).chain([0, 4, 8, 16, bytes.len() - 1]);
    for len in lengths {
        let result = import(&bytes[..len], &mut *Kws::zeroed_boxed());
        assert!(
            matches!(result, Err(ImportError::Read(_))),
            "{len}: {result:?}"
        );
    }
    let (mut tried, mut rejected) = (0, 0);
    // The first kilobyte holds the root table, the operator codes and the start of the
    // graph's tables; the rest is mostly weights.
    let structure = (0..1024.min(bytes.len())).step_by(3);
    for i in structure.chain(positions(bytes.len(), 600)) {
        for value in flips(bytes[i]) {
            let mut flipped = bytes.clone();
            flipped[i] = value;
            kws.params_mut().fill(0.0);
            tried += 1;
            rejected += usize::from(import(&flipped, &mut *kws).is_err());
        }
    }
    assert!(rejected > 0, "none of {tried} flips was refused");
    eprintln!("kws: {rejected} of {tried} flipped models refused, none panicked");
}
