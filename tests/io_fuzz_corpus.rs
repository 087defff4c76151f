//! The fuzz target's seed corpus (`fuzz/corpus/load_weights/`, written by
//! `scripts/make_fuzz_corpus.py` with Python's `safetensors`): files from another
//! implementation of the format load, and each broken one gives its own error.

use nn::io::{load_weights_from_bytes, load_weights_mapped, sequential_mapping, Checkpoint};
use nn::{Network, WeightsError};

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
        load("wrong_dtype.safetensors"),
        Err(WeightsError::WrongDtype {
            name: "dense_0.bias".into(),
            expected: "F32",
            found: "F16".into()
        })
    );
    assert_eq!(
        load("wrong_shape.safetensors"),
        Err(WeightsError::WrongShape {
            name: "dense_0.weight".into(),
            expected: vec![3, 32],
            found: vec![32, 3]
        })
    );
    assert_eq!(
        load("missing_tensor.safetensors"),
        Err(WeightsError::MissingTensor {
            name: "conv2d_0.bias".into(),
            expected_shape: vec![2]
        })
    );
    assert_eq!(
        Checkpoint::from_bytes::<Fuzzed>(&corpus("bad_checkpoint_metadata.safetensors")),
        Err(WeightsError::BadMetadata {
            key: "epoch",
            found: Some("-1".into())
        })
    );
    // A weights file is not a checkpoint.
    assert_eq!(
        Checkpoint::from_bytes::<Fuzzed>(&corpus("valid_weights.safetensors")),
        Err(WeightsError::BadMetadata {
            key: "format",
            found: None
        })
    );
}
