//! Callbacks' state in a checkpoint: numbers in the metadata, parameters as tensors.

use std::collections::HashMap;

use safetensors::SafeTensors;

use super::{format, WeightsError};
use crate::network::Network;
use crate::train::callbacks::CallbackState;

/// The prefix of the metadata entries and tensors holding callbacks' state.
pub(super) const CALLBACK_PREFIX: &str = "callback.";

/// The tensors of the callbacks that keep parameters: `(callback.<name>, shape, values)`.
pub(super) fn callback_tensors(
    callbacks: &[(String, CallbackState)],
) -> Vec<(String, [usize; 1], &[f32])> {
    callbacks
        .iter()
        .filter_map(|(name, state)| {
            let params = state.params.as_deref()?;
            Some((format!("{CALLBACK_PREFIX}{name}"), [params.len()], params))
        })
        .collect()
}

/// Adds each callback's numbers to `metadata` as `callback.<name>`, joined by `,`.
pub(super) fn callback_metadata(
    callbacks: &[(String, CallbackState)],
    metadata: &mut HashMap<String, String>,
) -> Result<(), WeightsError> {
    for (name, state) in callbacks {
        if name.is_empty() || name.contains(['.', ',']) {
            return Err(WeightsError::Corrupt {
                reason: format!(
                    "callback name `{name}`: expected a non-empty name without `.` or `,`"
                ),
            });
        }
        let values: Vec<String> = state.values.iter().map(f64::to_string).collect();
        metadata.insert(format!("{CALLBACK_PREFIX}{name}"), values.join(","));
    }
    Ok(())
}

/// Every callback's state: the numbers under `callback.<name>` in the metadata, and the
/// parameters in the tensor of that name when there is one.
pub(super) fn decode_callbacks<N: Network>(
    metadata: &HashMap<String, String>,
    tensors: &SafeTensors<'_>,
) -> Result<Vec<(String, CallbackState)>, WeightsError> {
    let mut keys: Vec<&String> = metadata
        .keys()
        .filter(|key| key.starts_with(CALLBACK_PREFIX))
        .collect();
    keys.sort_unstable();
    let mut callbacks = Vec::with_capacity(keys.len());
    for key in keys {
        let text = &metadata[key];
        let values = if text.is_empty() {
            Vec::new()
        } else {
            text.split(',')
                .map(str::parse)
                .collect::<Result<Vec<f64>, _>>()
                .map_err(|_| WeightsError::BadMetadata {
                    key: "callback",
                    found: Some(format!("{key}={text}")),
                })?
        };
        let params = if tensors.names().iter().any(|name| *name == key) {
            Some(format::read_f32(tensors, key, &[N::PARAM_COUNT])?)
        } else {
            None
        };
        let name = key[CALLBACK_PREFIX.len()..].to_string();
        callbacks.push((name, CallbackState { values, params }));
    }
    Ok(callbacks)
}
