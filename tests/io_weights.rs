//! Weights files: save and load round trips for the benchmark MLP and CNN, and one test per
//! kind of bad file, each asserting its error and that the model is unchanged.

mod support;

use nn::WeightsError;
use nn::{load_weights, load_weights_from_bytes, save_weights, weights_to_bytes, Network};
use support::{Cnn, Mlp};

/// A safetensors file written by hand from the format's definition: 8 bytes of header
/// length, the JSON header, the data. `tensors` are `(name, dtype, shape, data)`.
fn safetensors_file(tensors: &[(&str, &str, &[usize], Vec<u8>)]) -> Vec<u8> {
    let mut header = String::from("{");
    let mut offset = 0;
    for (i, (name, dtype, shape, data)) in tensors.iter().enumerate() {
        let separator = if i == 0 { "" } else { "," };
        header += &format!(
            "{separator}\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape:?},\"data_offsets\":[{offset},{}]}}",
            offset + data.len()
        );
        offset += data.len();
    }
    header += "}";
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend(header.as_bytes());
    for (_, _, _, data) in tensors {
        file.extend(data);
    }
    file
}

/// The MLP's tensors as `safetensors_file` takes them, with `edit` applied to each entry.
fn mlp_tensors(
    model: &Mlp,
    edit: impl Fn(&str, &mut String, &mut Vec<usize>, &mut Vec<u8>) -> bool,
) -> Vec<u8> {
    let mut entries = Vec::new();
    for t in <Mlp as Network>::TENSORS {
        let mut dtype = "F32".to_string();
        let mut shape = t.shape.to_vec();
        let mut data: Vec<u8> = model.params()[t.offset..t.offset + t.len()]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        if edit(t.name, &mut dtype, &mut shape, &mut data) {
            entries.push((t.name, dtype, shape, data));
        }
    }
    let borrowed: Vec<(&str, &str, &[usize], Vec<u8>)> = entries
        .iter()
        .map(|(name, dtype, shape, data)| (*name, dtype.as_str(), shape.as_slice(), data.clone()))
        .collect();
    safetensors_file(&borrowed)
}

fn bits(model: &impl Network) -> Vec<u32> {
    model.params().iter().map(|p| p.to_bits()).collect()
}

/// Loads `bytes` into a fresh MLP, expecting an error; checks the model is unchanged.
fn rejected(bytes: &[u8]) -> WeightsError {
    let mut model = Mlp::new_boxed(7);
    let before = bits(&*model);
    let error = load_weights_from_bytes(&mut *model, bytes).unwrap_err();
    assert_eq!(bits(&*model), before, "a failed load changed the model");
    error
}

fn input(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| ((i * 31 + seed * 17) % 23) as f32 / 23.0)
        .collect()
}

#[test]
fn mlp_round_trips_through_a_file() {
    let saved = Mlp::new_boxed(1);
    let path = std::env::temp_dir().join(format!("nn-io-mlp-{}.safetensors", std::process::id()));
    save_weights(&*saved, &path).unwrap();
    let mut loaded = Mlp::new_boxed(2);
    assert_ne!(bits(&*loaded), bits(&*saved));
    load_weights(&mut *loaded, &path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(bits(&*loaded), bits(&*saved));
    for seed in 0..3 {
        let x: [f32; 784] = input(784, seed).try_into().unwrap();
        assert_eq!(loaded.forward(&x), saved.forward(&x));
    }
}

#[test]
fn cnn_round_trips_through_bytes() {
    let saved = Cnn::new_boxed(1);
    let bytes = weights_to_bytes(&*saved);
    let mut loaded = Cnn::new_boxed(2);
    load_weights_from_bytes(&mut *loaded, &bytes).unwrap();
    assert_eq!(bits(&*loaded), bits(&*saved));
    let x: [f32; 784] = input(784, 5).try_into().unwrap();
    assert_eq!(loaded.forward(&x), saved.forward(&x));
    // The same bytes every time: the file depends on the parameters alone.
    assert_eq!(weights_to_bytes(&*loaded), bytes);
}

#[test]
fn the_file_names_every_tensor_after_its_layer() {
    let bytes = weights_to_bytes(&*Cnn::new_boxed(1));
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + header_len]).unwrap();
    for (name, shape) in [
        ("conv2d_0.weight", "[8,1,3,3]"),
        ("conv2d_0.bias", "[8]"),
        ("conv2d_1.weight", "[16,8,3,3]"),
        ("dense_0.weight", "[10,400]"),
        ("dense_0.bias", "[10]"),
    ] {
        let entry = format!("\"{name}\":{{\"dtype\":\"F32\",\"shape\":{shape}");
        assert!(header.contains(&entry), "no {entry} in {header}");
    }
}

#[test]
fn a_file_written_by_hand_from_the_format_loads() {
    let model = Mlp::new_boxed(3);
    let mut loaded = Mlp::new_boxed(4);
    load_weights_from_bytes(&mut *loaded, &mlp_tensors(&model, |_, _, _, _| true)).unwrap();
    assert_eq!(bits(&*loaded), bits(&*model));
}

#[test]
fn a_missing_tensor_is_named_with_its_shape() {
    let file = mlp_tensors(&Mlp::new_boxed(3), |name, _, _, _| name != "dense_1.bias");
    let error = rejected(&file);
    assert_eq!(
        format!("{:?}", error),
        format!(
            "{:?}",
            WeightsError::MissingTensor {
                name: "dense_1.bias".into(),
                expected_shape: vec![64]
            }
        )
    );
    assert!(
        error.to_string().contains("`dense_1.bias` is missing"),
        "{error}"
    );
    assert!(error.to_string().contains("[64]"), "{error}");
}

#[test]
fn a_wrong_shape_names_the_tensor_and_both_shapes() {
    // The same number of values, transposed: only the shape tells.
    let file = mlp_tensors(&Mlp::new_boxed(3), |name, _, shape, _| {
        if name == "dense_0.weight" {
            *shape = vec![784, 128];
        }
        true
    });
    let error = rejected(&file);
    assert_eq!(
        format!("{:?}", error),
        format!(
            "{:?}",
            WeightsError::WrongShape {
                name: "dense_0.weight".into(),
                expected: vec![128, 784],
                found: vec![784, 128]
            }
        )
    );
    assert_eq!(
        error.to_string(),
        "tensor `dense_0.weight` has shape [784, 128], but the network expects [128, 784]"
    );
}

#[test]
fn a_wrong_dtype_names_the_tensor_and_both_dtypes() {
    let file = mlp_tensors(&Mlp::new_boxed(3), |name, dtype, _, data| {
        if name == "dense_2.weight" {
            *dtype = "F16".into();
            data.truncate(data.len() / 2);
        }
        true
    });
    let error = rejected(&file);
    assert_eq!(
        format!("{:?}", error),
        format!(
            "{:?}",
            WeightsError::WrongDtype {
                name: "dense_2.weight".into(),
                expected: "F32",
                found: "F16".into()
            }
        )
    );
    assert!(
        error.to_string().contains("stored as F16, expected F32"),
        "{error}"
    );
}

#[test]
fn a_tensor_the_network_lacks_is_rejected() {
    let model = Mlp::new_boxed(3);
    // A file of another network fails on the first tensor that differs.
    let mut file = weights_to_bytes(&*Cnn::new_boxed(1));
    assert_eq!(
        format!("{:?}", rejected(&file)),
        format!(
            "{:?}",
            WeightsError::WrongShape {
                name: "dense_0.weight".into(),
                expected: vec![128, 784],
                found: vec![10, 400]
            }
        )
    );
    // Every tensor of the MLP, plus one more.
    file = mlp_tensors(&model, |_, _, _, _| true);
    let header_len = u64::from_le_bytes(file[..8].try_into().unwrap()) as usize;
    let data = file[8 + header_len..].to_vec();
    let header = std::str::from_utf8(&file[8..8 + header_len]).unwrap();
    let extra = format!(
        "{},\"dense_3.weight\":{{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[{},{}]}}}}",
        &header[..header.len() - 1],
        data.len(),
        data.len() + 4
    );
    let mut with_extra = (extra.len() as u64).to_le_bytes().to_vec();
    with_extra.extend(extra.as_bytes());
    with_extra.extend(&data);
    with_extra.extend(1.0f32.to_le_bytes());
    assert_eq!(
        format!("{:?}", rejected(&with_extra)),
        format!(
            "{:?}",
            WeightsError::UnexpectedTensor {
                name: "dense_3.weight".into(),
                shape: vec![1]
            }
        )
    );
}

#[test]
fn a_truncated_file_says_how_much_is_missing() {
    let file = weights_to_bytes(&*Mlp::new_boxed(3));
    let cut = file.len() - 1000;
    assert_eq!(
        format!("{:?}", rejected(&file[..cut])),
        format!(
            "{:?}",
            WeightsError::Truncated {
                expected_bytes: file.len(),
                found_bytes: cut
            }
        )
    );
    // Cut inside the header, and inside the length prefix.
    assert!(matches!(
        rejected(&file[..100]),
        WeightsError::Truncated {
            found_bytes: 100,
            ..
        }
    ));
    assert_eq!(
        format!("{:?}", rejected(&file[..5])),
        format!(
            "{:?}",
            WeightsError::Truncated {
                expected_bytes: 8,
                found_bytes: 5
            }
        )
    );
    assert!(rejected(&file[..cut]).to_string().contains("truncated"));
}

#[test]
fn a_corrupt_file_is_rejected() {
    let mut file = weights_to_bytes(&*Mlp::new_boxed(3));
    // The header is not a JSON object.
    file[8] = b'[';
    let error = rejected(&file);
    assert!(matches!(error, WeightsError::Corrupt { .. }), "{error:?}");
    // Not a safetensors file at all.
    let text = b"this is a text file, not weights; it is long enough to have a header".to_vec();
    assert!(matches!(rejected(&text), WeightsError::Corrupt { .. }));
    // Bytes left over after the last tensor.
    let mut longer = weights_to_bytes(&*Mlp::new_boxed(3));
    longer.extend([0; 12]);
    let error = rejected(&longer);
    assert_eq!(
        format!("{:?}", error),
        format!(
            "{:?}",
            WeightsError::Corrupt {
                reason: "12 bytes follow the last tensor".into()
            }
        )
    );
    // Overlapping tensors: offsets that do not tile the data.
    let bad = safetensors_file(&[
        ("a", "F32", &[2], vec![0; 8]),
        ("b", "F32", &[1], vec![0; 4]),
    ]);
    let bad = String::from_utf8_lossy(&bad).replace("[8,12]", "[4,8]");
    assert!(matches!(
        rejected(bad.as_bytes()),
        WeightsError::Corrupt { .. }
    ));
}

#[test]
fn an_unreadable_path_is_an_io_error_naming_the_file() {
    let mut model = Mlp::new_boxed(3);
    let before = bits(&*model);
    let error = load_weights(&mut *model, "/nonexistent/mlp.safetensors").unwrap_err();
    assert!(
        matches!(
            error,
            WeightsError::Io { ref source, .. } if source.kind() == std::io::ErrorKind::NotFound
        ),
        "{error:?}"
    );
    // The operating system's error is kept whole, as the source of the chain.
    let source = std::error::Error::source(&error).expect("an I/O error has a source");
    assert_eq!(
        source
            .downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind),
        Some(std::io::ErrorKind::NotFound)
    );
    assert!(
        error
            .to_string()
            .starts_with("/nonexistent/mlp.safetensors: "),
        "{error}"
    );
    assert_eq!(bits(&*model), before);
}
