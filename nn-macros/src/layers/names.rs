//! What an unknown layer name means: a Keras or PyTorch name for one of ours, a layer that
//! `nn` does not have, or a typo.

use super::{example, layer_names};
use crate::suggest::closest;

/// Keras and PyTorch layer names (compared case-insensitively, without `_`) and ours.
const FOREIGN_NAMES: &[(&str, &str)] = &[
    ("linear", "dense"),
    ("fullyconnected", "dense"),
    ("fc", "dense"),
    ("conv2d", "conv2d"),
    ("convolution2d", "conv2d"),
    ("depthwiseconv2d", "depthwise_conv2d"),
    ("depthwiseconvolution2d", "depthwise_conv2d"),
    ("maxpooling2d", "max_pool2d"),
    ("maxpool2d", "max_pool2d"),
    ("maxpool", "max_pool2d"),
    ("averagepooling2d", "avg_pool2d"),
    ("avgpool2d", "avg_pool2d"),
    ("avgpool", "avg_pool2d"),
    ("globalaveragepooling2d", "global_avg_pool2d"),
    ("globalaveragepool", "global_avg_pool2d"),
    ("globalavgpool2d", "global_avg_pool2d"),
    ("globalavgpool", "global_avg_pool2d"),
    ("globalmaxpooling2d", "global_max_pool2d"),
    ("globalmaxpool2d", "global_max_pool2d"),
    ("globalmaxpool", "global_max_pool2d"),
    ("batchnormalization", "batch_norm"),
    ("batchnorm1d", "batch_norm"),
    ("batchnorm2d", "batch_norm"),
    ("batchnorm", "batch_norm"),
    ("simplernn", "rnn"),
    ("rnn", "rnn"),
    ("lstm", "lstm"),
    ("gru", "gru"),
    ("leakyrelu", "leaky_relu"),
    ("relu", "relu"),
    ("relu6", "relu6"),
    ("sigmoid", "sigmoid"),
    ("logistic", "sigmoid"),
    ("tanh", "tanh"),
    ("softmax", "softmax"),
    ("flatten", "flatten"),
    ("dropout", "dropout"),
    ("dense", "dense"),
];

/// Layers users know from other frameworks that `nn` does not have: no typo of ours.
const MISSING_LAYERS: &[&str] = &[
    "conv1d",
    "conv3d",
    "convtranspose2d",
    "conv2dtranspose",
    "separableconv2d",
    "maxpool1d",
    "maxpooling1d",
    "avgpool1d",
    "averagepooling1d",
    "adaptiveavgpool2d",
    "upsampling2d",
    "embedding",
    "attention",
    "multiheadattention",
    "transformer",
    "layernorm",
    "layernormalization",
    "groupnorm",
    "instancenorm",
    "gelu",
    "elu",
    "selu",
    "silu",
    "swish",
    "mish",
    "softplus",
    "softsign",
    "hardtanh",
    "prelu",
    "logsoftmax",
    "identity",
    "reshape",
    "concatenate",
    "add",
    "zeropadding2d",
    "bidirectional",
];

fn normalized(name: &str) -> String {
    name.to_lowercase().replace('_', "")
}

/// The message for a layer name that is not one of [`layer_names`].
pub fn unknown_layer(name: &str) -> String {
    let key = normalized(name);
    if let Some(&(_, ours)) = FOREIGN_NAMES.iter().find(|(foreign, _)| *foreign == key) {
        let example = example(ours).unwrap_or_else(|| ours.to_string());
        return format!(
            "unknown layer `{name}`: the layer is called `{ours}` here, e.g. `{example}`"
        );
    }
    let all = layer_names()
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if MISSING_LAYERS.contains(&key.as_str()) {
        return format!("unknown layer `{name}`: `nn` has no such layer; the layers are {all}");
    }
    match closest(name, &layer_names()) {
        Some(candidate) => format!("unknown layer `{name}`; did you mean `{candidate}`?"),
        None => format!("unknown layer `{name}`; the layers are {all}"),
    }
}

#[cfg(test)]
mod tests {
    use super::unknown_layer;

    #[test]
    fn foreign_names_map_to_ours() {
        assert!(unknown_layer("linear").contains("called `dense` here, e.g. `dense(128)`"));
        assert!(unknown_layer("Linear").contains("called `dense`"));
        assert!(unknown_layer("Conv2D").contains("called `conv2d`"));
        assert!(unknown_layer("MaxPooling2D").contains("called `max_pool2d`"));
        assert!(unknown_layer("BatchNorm2d").contains("called `batch_norm`"));
        assert!(unknown_layer("LSTM").contains("called `lstm`"));
        assert!(unknown_layer("GlobalAveragePooling2D").contains("called `global_avg_pool2d`"));
        assert!(unknown_layer("GlobalMaxPool").contains("called `global_max_pool2d`"));
    }

    #[test]
    fn missing_layers_are_not_typos() {
        for name in ["conv1d", "gelu", "Embedding", "LayerNorm"] {
            let message = unknown_layer(name);
            assert!(message.contains("`nn` has no such layer"), "{message}");
            assert!(!message.contains("did you mean"), "{message}");
        }
    }

    #[test]
    fn typos_still_get_a_suggestion() {
        assert!(unknown_layer("dens").contains("did you mean `dense`?"));
        assert!(unknown_layer("softmx").contains("did you mean `softmax`?"));
        assert!(unknown_layer("xyzzy").contains("the layers are `dense`"));
    }
}
