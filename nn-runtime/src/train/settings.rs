//! The data-shaping settings of a `fit`: the validation split and the per-sample weights.

use core::ops::Range;

use super::metrics::argmax;
use super::targets::is_sparse;
use super::{FitConfig, Metric, TrainError};
use crate::data::Dataset;
use crate::network::{LossKind, Network};

/// Which samples of the training data train, and which (if any) validate.
pub(crate) struct Split {
    pub(crate) train: Range<usize>,
    pub(crate) validation: Option<Range<usize>>,
}

/// Keras' `validation_split`: the last `⌊len · fraction⌋`-ish samples, before shuffling;
/// the training part is `⌊len · (1 − fraction)⌋` samples.
pub(crate) fn split(
    samples: usize,
    config: &FitConfig,
    has_validation_data: bool,
) -> Result<Split, TrainError> {
    let Some(fraction) = config.validation_split else {
        return Ok(Split {
            train: 0..samples,
            validation: None,
        });
    };
    let invalid = |reason: String| TrainError::InvalidSetting {
        setting: "validation_split",
        reason,
    };
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(invalid(format!("{fraction} is not in (0, 1)")));
    }
    if has_validation_data {
        return Err(invalid(
            "validation data was given too; give one or the other".to_string(),
        ));
    }
    let train = (samples as f64 * (1.0 - f64::from(fraction))).floor() as usize;
    if train == 0 || train == samples {
        return Err(invalid(format!(
            "{fraction} of {samples} samples leaves {train} to train and {} to validate; \
             both need at least one",
            samples - train
        )));
    }
    Ok(Split {
        train: 0..train,
        validation: Some(train..samples),
    })
}

/// Every sample's loss weight (class weight times sample weight), or `None` when `config`
/// weights nothing, so that unweighted training runs exactly as before.
pub(crate) fn sample_weights<N: Network>(
    data: &Dataset,
    samples: usize,
    config: &FitConfig,
) -> Result<Option<Vec<f32>>, TrainError> {
    if config.class_weight.is_none() && config.sample_weight.is_none() {
        return Ok(None);
    }
    if N::LOSS == LossKind::WeightedSum {
        return Err(TrainError::InvalidSetting {
            setting: "sample_weight",
            reason: "per-sample weights are not supported for a network whose loss is a \
                     weighted sum of several terms; weight the terms in its `loss:` instead"
                .to_string(),
        });
    }
    let mut weights = vec![1.0f32; samples];
    if let Some(given) = &config.sample_weight {
        check_weights("sample_weight", given, samples, "training sample")?;
        weights.copy_from_slice(given);
    }
    if let Some(given) = &config.class_weight {
        let classes = class_count::<N>()?;
        check_weights("class_weight", given, classes, "class of the network")?;
        for (sample, weight) in weights.iter_mut().enumerate() {
            *weight *= given[class_of::<N>(data, sample)];
        }
    }
    Ok(Some(weights))
}

/// The weights of the validation data's samples, checked against it; `None` when `config`
/// gives none.
pub(crate) fn validation_weights<'a>(
    config: &'a FitConfig,
    validation: Option<&Dataset>,
) -> Result<Option<&'a [f32]>, TrainError> {
    let Some(weights) = &config.validation_sample_weight else {
        return Ok(None);
    };
    let setting = "validation_sample_weight";
    let Some(data) = validation else {
        let reason = if config.validation_split.is_some() {
            "a validation_split's samples keep their sample_weight; give validation \
             weights only with validation data"
        } else {
            "no validation data was given"
        };
        return Err(TrainError::InvalidSetting {
            setting,
            reason: reason.to_string(),
        });
    };
    check_weights(setting, weights, data.len(), "validation sample")?;
    Ok(Some(weights))
}

/// The anomaly labels of the `validation_samples` (none without validation), checked
/// against them and against [`Metric::AnomalyAuc`], which alone reads them.
pub(crate) fn validation_anomalies(
    config: &FitConfig,
    validation_samples: Option<usize>,
) -> Result<Option<&[bool]>, TrainError> {
    let measured = config.metrics.contains(&Metric::AnomalyAuc);
    let invalid = |setting, reason: &str| TrainError::InvalidSetting {
        setting,
        reason: reason.to_string(),
    };
    let Some(anomalies) = &config.validation_anomalies else {
        return match measured {
            true => Err(invalid(
                "metrics",
                "`anomaly_auc` needs to know which validation samples are anomalies; \
                 give them with FitConfig::validation_anomalies",
            )),
            false => Ok(None),
        };
    };
    let setting = "validation_anomalies";
    if !measured {
        return Err(invalid(
            setting,
            "only Metric::AnomalyAuc reads them; add it to the metrics",
        ));
    }
    let Some(samples) = validation_samples else {
        return Err(invalid(setting, "there is no validation data"));
    };
    if anomalies.len() != samples {
        return Err(invalid(
            setting,
            &format!(
                "{} labels given; expected one per validation sample, {samples}",
                anomalies.len()
            ),
        ));
    }
    if anomalies.iter().all(|&a| a) || !anomalies.contains(&true) {
        return Err(invalid(
            setting,
            "every validation sample has the same label; ROC AUC needs anomalies and \
             normal samples both",
        ));
    }
    Ok(Some(anomalies))
}

/// Classes a class weight is given for: the outputs of a softmax, 2 for one sigmoid output.
fn class_count<N: Network>() -> Result<usize, TrainError> {
    match (N::LOSS, N::OUTPUT_LEN) {
        (loss, _) if loss.is_regression() => Err(TrainError::InvalidSetting {
            setting: "class_weight",
            reason: format!(
                "the network is trained with the regression loss `{}`, which has no classes; \
                 use sample_weight",
                loss.name()
            ),
        }),
        (LossKind::WeightedSum, _) => Err(TrainError::InvalidSetting {
            setting: "class_weight",
            reason: "the network's loss is a weighted sum of several terms, which has no one \
                     set of classes"
                .to_string(),
        }),
        (LossKind::SigmoidBinaryCrossEntropy, 1) => Ok(2),
        (_, outputs) => Ok(outputs),
    }
}

/// The class of a (checked) training sample.
fn class_of<N: Network>(data: &Dataset, sample: usize) -> usize {
    if is_sparse::<N>(data) {
        data.targets[sample] as usize
    } else if N::OUTPUT_LEN == 1 {
        usize::from(data.targets[sample] > 0.5)
    } else {
        argmax(data.target(sample))
    }
}

fn check_weights(
    setting: &'static str,
    weights: &[f32],
    expected: usize,
    per: &str,
) -> Result<(), TrainError> {
    if weights.len() != expected {
        return Err(TrainError::InvalidSetting {
            setting,
            reason: format!(
                "{} weights given; expected one per {per}, {expected}",
                weights.len()
            ),
        });
    }
    match weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
        Some(at) => Err(TrainError::InvalidSetting {
            setting,
            reason: format!(
                "weight {at} is {}; weights must be finite and at least 0",
                weights[at]
            ),
        }),
        None => Ok(()),
    }
}

/// The settings that change what a checkpointed run computes besides the optimizer's:
/// recorded beside its hyperparameters, so a resume with other ones is refused by name.
pub(crate) fn recorded_settings(config: &FitConfig) -> Vec<(&'static str, f64)> {
    let mut settings = Vec::new();
    if let Some(fraction) = config.validation_split {
        settings.push(("fit.validation_split", f64::from(fraction)));
    }
    for (name, weights) in [
        ("fit.class_weight_hash", &config.class_weight),
        ("fit.sample_weight_hash", &config.sample_weight),
        (
            "fit.validation_sample_weight_hash",
            &config.validation_sample_weight,
        ),
    ] {
        if let Some(weights) = weights {
            settings.push((name, weights_hash(weights)));
        }
    }
    settings
}

/// FNV-1a of the weights' bits, cut to 52 bits so that an `f64` holds it exactly.
fn weights_hash(weights: &[f32]) -> f64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for byte in weights.iter().flat_map(|w| w.to_bits().to_le_bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    (hash >> 12) as f64
}
