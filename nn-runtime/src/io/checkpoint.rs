//! Checkpoints: parameters, optimizer state and the progress of a `fit`, in one safetensors
//! file, so that training can stop and resume bit for bit.

use std::collections::HashMap;
use std::path::Path;

use super::checkpoint_callbacks::{
    callback_metadata, callback_tensors, decode_callbacks, CALLBACK_PREFIX,
};
use super::weights::{
    check_finite, check_finite_params, decode_params, unexpected, OPTIMIZER_PREFIX,
};
use super::{format, write_atomically, WeightsError};
use crate::data::DataFingerprint;
use crate::network::Network;
use crate::optim::OptimizerState;
use crate::train::callbacks::CallbackState;

/// What `fit` needs to continue a run: the parameters, the optimizer's state and the settings
/// that fix the order of the data.
///
/// On disk it is a safetensors file: the parameters under the names of
/// [`Network::TENSORS`] (so [`load_weights`](super::load_weights) reads a checkpoint as
/// weights), each optimizer buffer as a 1-D tensor `optimizer.<buffer>` (`optimizer.m`,
/// `optimizer.v` for Adam, `optimizer.velocity` for SGD), and in the metadata `format =
/// nn-checkpoint`, `epoch`, `seed`, `batch_size`, `shuffle`, `shards` (1 when absent),
/// `optimizer.method` and `optimizer.step`; and, to tell whether a resume would continue the
/// same run, `optimizer.hyperparameters` (`name=value` pairs joined by `,`) and
/// `data.samples`, `data.input_len`, `data.target_len`, `data.hash` (16 hex digits: the
/// training data's [`DataFingerprint`]). Checkpoints written before these were recorded
/// lack them, and resume unchecked. A run with a schedule or callbacks also records
/// `optimizer.learning_rate` (the rate of the next step), `stopped = true` once a callback
/// stopped it, and each callback's state: `callback.<name>` in the metadata (its numbers,
/// joined by `,`) and, when it keeps parameters, a tensor of the same name.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Checkpoint {
    /// All parameters, flat, as [`Network::params`].
    pub params: Vec<f32>,
    /// The optimizer's state after the last completed epoch.
    pub optimizer: OptimizerState,
    /// Epochs completed (1-based count).
    pub epoch: usize,
    /// The run's seed.
    pub seed: u64,
    /// The run's batch size.
    pub batch_size: usize,
    /// Whether the run shuffles.
    pub shuffle: bool,
    /// Shards each batch was cut into by data-parallel training (1 on one thread, and when
    /// the threads share each product instead): another count sums gradients differently,
    /// so resuming is bit-exact only with the same one.
    pub shards: usize,
    /// The optimizer's [`hyperparameters`](crate::Optimizer::hyperparameters); `None` when
    /// not recorded.
    pub hyperparameters: Option<Vec<(String, f64)>>,
    /// The fingerprint of the training data; `None` when not recorded.
    pub data: Option<DataFingerprint>,
    /// The optimizer's learning rate for the next step, which schedules and callbacks
    /// change; `None` when not recorded (the hyperparameters hold the initial rate).
    pub learning_rate: Option<f32>,
    /// Whether a callback stopped the run (it then resumes to nothing).
    pub stopped: bool,
    /// Every callback's state, by name.
    pub callbacks: Vec<(String, CallbackState)>,
}

const FORMAT: &str = "nn-checkpoint";

impl Checkpoint {
    /// A checkpoint of `model` and `optimizer` after `epoch` epochs of a run with these
    /// settings.
    pub fn new<N: Network>(
        model: &N,
        optimizer: OptimizerState,
        epoch: usize,
        seed: u64,
        batch_size: usize,
        shuffle: bool,
        shards: usize,
    ) -> Self {
        Checkpoint {
            params: model.params().to_vec(),
            optimizer,
            epoch,
            seed,
            batch_size,
            shuffle,
            shards,
            hyperparameters: None,
            data: None,
            learning_rate: None,
            stopped: false,
            callbacks: Vec::new(),
        }
    }

    /// The same checkpoint, recording the optimizer's hyperparameters.
    pub fn with_hyperparameters(mut self, hyperparameters: &[(&str, f64)]) -> Self {
        let recorded = hyperparameters
            .iter()
            .map(|&(name, value)| (name.to_string(), value))
            .collect();
        self.hyperparameters = Some(recorded);
        self
    }

    /// The same checkpoint, recording the fingerprint of the training data.
    pub fn with_data(mut self, data: DataFingerprint) -> Self {
        self.data = Some(data);
        self
    }

    /// The checkpoint as a safetensors file for network `N`.
    ///
    /// # Errors
    /// [`WeightsError::WrongShape`] when the parameters are not `N`'s, and
    /// [`WeightsError::Corrupt`] when two optimizer buffers share a name.
    pub fn to_bytes<N: Network>(&self) -> Result<Vec<u8>, WeightsError> {
        if self.params.len() != N::PARAM_COUNT {
            return Err(WeightsError::WrongShape {
                name: "parameters".to_string(),
                expected: vec![N::PARAM_COUNT],
                found: vec![self.params.len()],
            });
        }
        let names: Vec<String> = self
            .optimizer
            .buffers
            .iter()
            .map(|(name, _)| format!("{OPTIMIZER_PREFIX}{name}"))
            .collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        if unique.len() != names.len() {
            return Err(WeightsError::Corrupt {
                reason: "two optimizer buffers share a name".to_string(),
            });
        }
        let shapes: Vec<[usize; 1]> = self
            .optimizer
            .buffers
            .iter()
            .map(|(_, b)| [b.len()])
            .collect();
        let params = N::TENSORS.iter().map(|t| {
            let values = &self.params[t.offset..t.offset + t.len()];
            (t.name, t.shape, values)
        });
        let buffers = self.optimizer.buffers.iter().zip(&names).zip(&shapes).map(
            |(((_, values), name), shape)| (name.as_str(), shape.as_slice(), values.as_slice()),
        );
        let callback_tensors = callback_tensors(&self.callbacks);
        let callback_params = callback_tensors
            .iter()
            .map(|(name, shape, values)| (name.as_str(), shape.as_slice(), *values));
        let mut metadata = HashMap::from([
            ("format".to_string(), FORMAT.to_string()),
            ("epoch".to_string(), self.epoch.to_string()),
            ("seed".to_string(), self.seed.to_string()),
            ("batch_size".to_string(), self.batch_size.to_string()),
            ("shuffle".to_string(), self.shuffle.to_string()),
            ("shards".to_string(), self.shards.to_string()),
            (
                "optimizer.method".to_string(),
                self.optimizer.method.clone(),
            ),
            (
                "optimizer.step".to_string(),
                self.optimizer.step.to_string(),
            ),
        ]);
        if let Some(hyperparameters) = &self.hyperparameters {
            if let Some((name, _)) = hyperparameters
                .iter()
                .find(|(name, _)| name.is_empty() || name.contains([',', '=']))
            {
                return Err(WeightsError::Corrupt {
                    reason: format!(
                        "hyperparameter name `{name}`: expected a non-empty name without `,` or `=`"
                    ),
                });
            }
            let joined: Vec<String> = hyperparameters
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            metadata.insert("optimizer.hyperparameters".to_string(), joined.join(","));
        }
        if let Some(rate) = self.learning_rate {
            metadata.insert("optimizer.learning_rate".to_string(), rate.to_string());
        }
        if self.stopped {
            metadata.insert("stopped".to_string(), "true".to_string());
        }
        callback_metadata(&self.callbacks, &mut metadata)?;
        if let Some(data) = &self.data {
            metadata.extend([
                ("data.samples".to_string(), data.samples.to_string()),
                ("data.input_len".to_string(), data.input_len.to_string()),
                ("data.target_len".to_string(), data.target_len.to_string()),
                ("data.hash".to_string(), format!("{:016x}", data.hash)),
            ]);
        }
        format::write_f32(params.chain(buffers).chain(callback_params), Some(metadata))
    }

    /// Decodes a checkpoint of network `N`, checking every tensor and metadata entry.
    ///
    /// # Errors
    /// Those of [`load_weights_from_bytes`](super::load_weights_from_bytes), and
    /// [`WeightsError::BadMetadata`] for a file that is not a checkpoint or whose metadata
    /// does not parse; optimizer buffers must be 1-D F32 with 0 or `N::PARAM_COUNT` values.
    /// [`WeightsError::NonFinite`] for a parameter or optimizer tensor holding NaN or
    /// infinity (see [`Self::from_bytes_allow_non_finite`]).
    pub fn from_bytes<N: Network>(bytes: &[u8]) -> Result<Self, WeightsError> {
        Self::decode::<N>(bytes, true)
    }

    /// [`Self::from_bytes`], but NaN and infinite values are accepted as they are: for
    /// inspecting the checkpoint of a run that diverged. (No optimizer resumes from such a
    /// state: [`Optimizer::set_state`](crate::Optimizer::set_state) refuses it.)
    ///
    /// # Errors
    /// Those of [`Self::from_bytes`] except [`WeightsError::NonFinite`].
    pub fn from_bytes_allow_non_finite<N: Network>(bytes: &[u8]) -> Result<Self, WeightsError> {
        Self::decode::<N>(bytes, false)
    }

    fn decode<N: Network>(bytes: &[u8], finite: bool) -> Result<Self, WeightsError> {
        let tensors = format::parse(bytes)?;
        let metadata = format::metadata(bytes);
        let entry = |key: &'static str| {
            metadata
                .get(key)
                .cloned()
                .ok_or(WeightsError::BadMetadata { key, found: None })
        };
        fn parse<T: std::str::FromStr>(
            key: &'static str,
            value: String,
        ) -> Result<T, WeightsError> {
            value.parse().map_err(|_| WeightsError::BadMetadata {
                key,
                found: Some(value),
            })
        }
        let format = entry("format")?;
        if format != FORMAT {
            return Err(WeightsError::BadMetadata {
                key: "format",
                found: Some(format),
            });
        }
        let epoch = parse("epoch", entry("epoch")?)?;
        let seed = parse("seed", entry("seed")?)?;
        let batch_size = parse("batch_size", entry("batch_size")?)?;
        let shuffle = parse("shuffle", entry("shuffle")?)?;
        let shards = match metadata.get("shards") {
            Some(value) => parse("shards", value.clone())?,
            None => 1,
        };
        let hyperparameters = match metadata.get("optimizer.hyperparameters") {
            Some(value) => {
                Some(
                    parse_hyperparameters(value).ok_or_else(|| WeightsError::BadMetadata {
                        key: "optimizer.hyperparameters",
                        found: Some(value.clone()),
                    })?,
                )
            }
            None => None,
        };
        let data = match metadata.get("data.hash") {
            Some(hash) => Some(DataFingerprint {
                samples: parse("data.samples", entry("data.samples")?)?,
                input_len: parse("data.input_len", entry("data.input_len")?)?,
                target_len: parse("data.target_len", entry("data.target_len")?)?,
                hash: u64::from_str_radix(hash, 16).map_err(|_| WeightsError::BadMetadata {
                    key: "data.hash",
                    found: Some(hash.clone()),
                })?,
            }),
            None => None,
        };
        let learning_rate = match metadata.get("optimizer.learning_rate") {
            Some(value) => Some(parse("optimizer.learning_rate", value.clone())?),
            None => None,
        };
        let stopped = match metadata.get("stopped") {
            Some(value) => parse("stopped", value.clone())?,
            None => false,
        };
        let callbacks = decode_callbacks::<N>(&metadata, &tensors)?;
        let method = entry("optimizer.method")?;
        let step = parse("optimizer.step", entry("optimizer.step")?)?;

        let params = decode_params::<N>(&tensors, |name| name.to_string())?;
        if finite {
            check_finite_params::<N>(&params, |name| name.to_string())?;
        }
        if let Some(name) = unexpected(&tensors, |name| {
            N::TENSORS.iter().any(|t| t.name == name)
                || name.starts_with(OPTIMIZER_PREFIX)
                || name.starts_with(CALLBACK_PREFIX)
        }) {
            return Err(WeightsError::UnexpectedTensor {
                shape: format::shape_of(&tensors, &name),
                name,
            });
        }
        let mut names: Vec<&str> = tensors
            .names()
            .into_iter()
            .filter(|name| name.starts_with(OPTIMIZER_PREFIX))
            .collect();
        names.sort_unstable();
        let mut buffers = Vec::with_capacity(names.len());
        for name in names {
            let len = format::shape_of(&tensors, name).first().map_or(0, |&len| {
                if len == 0 {
                    0
                } else {
                    N::PARAM_COUNT
                }
            });
            let values = format::read_f32(&tensors, name, &[len])?;
            if finite {
                check_finite(name, &values)?;
            }
            buffers.push((name[OPTIMIZER_PREFIX.len()..].to_string(), values));
        }
        Ok(Checkpoint {
            params,
            optimizer: OptimizerState {
                method,
                step,
                buffers,
            },
            epoch,
            seed,
            batch_size,
            shuffle,
            shards,
            hyperparameters,
            data,
            learning_rate,
            stopped,
            callbacks,
        })
    }

    /// Writes the checkpoint to `path` for network `N`, crash-safely (see
    /// [`write_atomically`]): `path` holds the previous checkpoint until the new one is
    /// complete on disk.
    ///
    /// # Errors
    /// Those of [`Self::to_bytes`], and [`WeightsError::Io`].
    pub fn save<N: Network>(&self, path: impl AsRef<Path>) -> Result<(), WeightsError> {
        let path = path.as_ref();
        let bytes = self.to_bytes::<N>()?;
        write_atomically(path, |file| file.write_all(&bytes)).map_err(|e| WeightsError::io(path, e))
    }

    /// Reads and decodes the checkpoint at `path`.
    ///
    /// # Errors
    /// [`WeightsError::Io`], and those of [`Self::from_bytes`].
    pub fn load<N: Network>(path: impl AsRef<Path>) -> Result<Self, WeightsError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| WeightsError::io(path, e))?;
        Self::from_bytes::<N>(&bytes)
    }
}

/// `name=value,name=value` as written by [`Checkpoint::to_bytes`]; `None` if malformed.
fn parse_hyperparameters(text: &str) -> Option<Vec<(String, f64)>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(',')
        .map(|pair| {
            let (name, value) = pair.split_once('=')?;
            let value = value.parse().ok()?;
            (!name.is_empty()).then(|| (name.to_string(), value))
        })
        .collect()
}
