//! The safetensors layer: parsing bytes with precise errors, reading and writing f32 tensors.

use std::collections::HashMap;

use safetensors::{Dtype, SafeTensorError, SafeTensors};

use super::WeightsError;

/// Bytes of the little-endian header length that starts every file.
const LENGTH_BYTES: usize = 8;

/// Parses a whole file, telling a truncated one from a corrupt one.
pub(crate) fn parse(bytes: &[u8]) -> Result<SafeTensors<'_>, WeightsError> {
    let Some(length) = bytes.get(..LENGTH_BYTES) else {
        return Err(WeightsError::Truncated {
            expected_bytes: LENGTH_BYTES,
            found_bytes: bytes.len(),
        });
    };
    let mut header_len = [0; LENGTH_BYTES];
    header_len.copy_from_slice(length);
    let header_len = u64::from_le_bytes(header_len);
    // Beyond 100 MB the library refuses the header anyway; a length that large is garbage.
    if header_len > 100_000_000 {
        return Err(corrupt(format!(
            "the header claims to be {header_len} bytes long"
        )));
    }
    let header_end = LENGTH_BYTES + header_len as usize;
    if header_end > bytes.len() {
        return Err(WeightsError::Truncated {
            expected_bytes: header_end,
            found_bytes: bytes.len(),
        });
    }
    if let Some(name) = duplicate_key(&bytes[LENGTH_BYTES..header_end]) {
        return Err(WeightsError::DuplicateTensor { name });
    }
    match SafeTensors::deserialize(bytes) {
        Ok(tensors) => Ok(tensors),
        Err(SafeTensorError::MetadataIncompleteBuffer) => {
            let end = data_len(&bytes[LENGTH_BYTES..header_end])
                .and_then(|data_len| header_end.checked_add(data_len));
            match end {
                Some(end) if end > bytes.len() => Err(WeightsError::Truncated {
                    expected_bytes: end,
                    found_bytes: bytes.len(),
                }),
                Some(end) => Err(corrupt(format!(
                    "{} bytes follow the last tensor",
                    bytes.len() - end
                ))),
                None => Err(corrupt(
                    "the tensor data does not match the header".to_string(),
                )),
            }
        }
        Err(error) => Err(corrupt(error.to_string())),
    }
}

/// The first key that the header's top-level JSON object repeats. A JSON parser keeps the
/// last of two equal keys silently; a weights file must not be read that way.
fn duplicate_key(header: &[u8]) -> Option<String> {
    let mut keys = std::collections::HashSet::new();
    let (mut depth, mut expect_key, mut i) = (0usize, false, 0);
    while i < header.len() {
        match header[i] {
            b'"' => {
                let end = end_of_string(header, i)?;
                if depth == 1 && expect_key {
                    // Decoded, so that differently escaped spellings of one name compare equal.
                    let key: String = serde_json::from_slice(&header[i..end]).ok()?;
                    if !keys.insert(key.clone()) {
                        return Some(key);
                    }
                    expect_key = false;
                }
                i = end;
                continue;
            }
            b'{' | b'[' => {
                depth += 1;
                expect_key = depth == 1 && header[i] == b'{';
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expect_key = true,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index just past the JSON string that starts at `start` (a quote), if it ends.
fn end_of_string(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The free-form metadata of a file that [`parse`] accepted (empty when it has none).
pub(crate) fn metadata(bytes: &[u8]) -> HashMap<String, String> {
    SafeTensors::read_metadata(bytes)
        .ok()
        .and_then(|(_, header)| header.metadata().clone())
        .unwrap_or_default()
}

fn corrupt(reason: String) -> WeightsError {
    WeightsError::Corrupt { reason }
}

/// The end of the last tensor's data according to a header the library already accepted
/// (all but the total length): the largest `data_offsets` end.
fn data_len(header: &[u8]) -> Option<usize> {
    let header: serde_json::Value = serde_json::from_slice(header).ok()?;
    header
        .as_object()?
        .iter()
        .filter(|(name, _)| *name != "__metadata__")
        .map(|(_, info)| info.get("data_offsets")?.get(1)?.as_u64())
        .try_fold(0usize, |end, offset| {
            Some(end.max(usize::try_from(offset?).ok()?))
        })
}

/// Tensor `name` as floats, checked to be F32 of exactly `shape`.
pub(crate) fn read_f32(
    tensors: &SafeTensors<'_>,
    name: &str,
    shape: &[usize],
) -> Result<Vec<f32>, WeightsError> {
    let view = tensors
        .tensor(name)
        .map_err(|_| WeightsError::MissingTensor {
            name: name.to_string(),
            expected_shape: shape.to_vec(),
        })?;
    if view.dtype() != Dtype::F32 {
        return Err(WeightsError::WrongDtype {
            name: name.to_string(),
            expected: "F32",
            found: view.dtype().to_string(),
        });
    }
    if view.shape() != shape {
        return Err(WeightsError::WrongShape {
            name: name.to_string(),
            expected: shape.to_vec(),
            found: view.shape().to_vec(),
        });
    }
    Ok(view
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

/// The shape of tensor `name` in the file.
pub(crate) fn shape_of(tensors: &SafeTensors<'_>, name: &str) -> Vec<usize> {
    tensors
        .tensor(name)
        .map(|view| view.shape().to_vec())
        .unwrap_or_default()
}

/// A safetensors file of F32 tensors `(name, shape, values)` with optional metadata.
pub(crate) fn write_f32<'a>(
    tensors: impl IntoIterator<Item = (&'a str, &'a [usize], &'a [f32])>,
    metadata: Option<HashMap<String, String>>,
) -> Result<Vec<u8>, WeightsError> {
    let tensors: Vec<(&str, &[usize], Vec<u8>)> = tensors
        .into_iter()
        .map(|(name, shape, values)| {
            let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            (name, shape, bytes)
        })
        .collect();
    let views = tensors
        .iter()
        .map(|(name, shape, bytes)| {
            let view = safetensors::tensor::TensorView::new(Dtype::F32, shape.to_vec(), bytes)
                .map_err(|error| corrupt(format!("tensor `{name}`: {error}")))?;
            Ok((*name, view))
        })
        .collect::<Result<Vec<_>, WeightsError>>()?;
    safetensors::serialize(views, metadata).map_err(|error| corrupt(error.to_string()))
}
