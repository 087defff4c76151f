//! Shape rules per layer kind: input shape + layer → output shape, or why not.
//! Pure functions, so every rule is unit-tested without a token in sight.

use crate::ir::{element_count, format_shape, LayerKind};

/// The output shape of `kind` applied to one sample of `input`, or the reason it cannot be.
pub fn output_shape(kind: &LayerKind, input: &[usize]) -> Result<Vec<usize>, String> {
    match kind {
        LayerKind::Dense { units, .. } => {
            if input.len() != 1 {
                return Err(format!(
                    "dense expects a 1-D input, but receives {} ({} values); add `flatten` before it",
                    format_shape(input),
                    describe_product(input),
                ));
            }
            Ok(vec![*units])
        }
        LayerKind::Softmax => {
            if input.len() != 1 {
                return Err(format!(
                    "softmax works on a 1-D input, but receives {}; add `flatten` before it",
                    format_shape(input)
                ));
            }
            if input[0] < 2 {
                return Err(
                    "softmax over 1 value always outputs 1.0; use `sigmoid` for a single output"
                        .into(),
                );
            }
            Ok(input.to_vec())
        }
        LayerKind::Flatten => Ok(vec![element_count(input)]),
        LayerKind::Relu | LayerKind::LeakyRelu { .. } | LayerKind::Sigmoid | LayerKind::Tanh => {
            Ok(input.to_vec())
        }
    }
}

/// Trainable parameter tensors (name suffix, shape) of a layer with the given input shape.
pub fn parameter_shapes(kind: &LayerKind, input: &[usize]) -> Vec<(&'static str, Vec<usize>)> {
    match kind {
        LayerKind::Dense { units, .. } => vec![
            ("weight", vec![*units, element_count(input)]),
            ("bias", vec![*units]),
        ],
        _ => Vec::new(),
    }
}

/// Floating-point operations per sample, counting 2 per multiply-accumulate; element-wise
/// work is not counted (it is negligible beside the products, and matches how papers count).
pub fn flops(kind: &LayerKind, input: &[usize]) -> u64 {
    match kind {
        LayerKind::Dense { units, .. } => 2 * element_count(input) as u64 * *units as u64,
        _ => 0,
    }
}

/// `16×5×5 = 400` for a multi-dimensional shape.
fn describe_product(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("{} = {}", dims.join("×"), element_count(shape))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Init;

    const DENSE_10: LayerKind = LayerKind::Dense {
        units: 10,
        init: Init::Glorot,
    };

    #[test]
    fn dense_maps_a_vector_to_its_units() {
        assert_eq!(output_shape(&DENSE_10, &[784]), Ok(vec![10]));
        assert_eq!(
            parameter_shapes(&DENSE_10, &[784]),
            vec![("weight", vec![10, 784]), ("bias", vec![10])]
        );
        assert_eq!(flops(&DENSE_10, &[784]), 15_680);
    }

    #[test]
    fn dense_rejects_an_image_and_suggests_flatten() {
        let err = output_shape(&DENSE_10, &[16, 5, 5]).unwrap_err();
        assert!(err.contains("[16, 5, 5] (16×5×5 = 400 values)"), "{err}");
        assert!(err.contains("flatten"), "{err}");
    }

    #[test]
    fn flatten_multiplies_out_and_activations_keep_shape() {
        assert_eq!(
            output_shape(&LayerKind::Flatten, &[16, 5, 5]),
            Ok(vec![400])
        );
        assert_eq!(output_shape(&LayerKind::Tanh, &[3, 4]), Ok(vec![3, 4]));
        assert_eq!(
            output_shape(&LayerKind::LeakyRelu { alpha: 0.1 }, &[7]),
            Ok(vec![7])
        );
    }

    #[test]
    fn softmax_needs_a_vector_of_at_least_two() {
        assert!(output_shape(&LayerKind::Softmax, &[1])
            .unwrap_err()
            .contains("sigmoid"));
        assert!(output_shape(&LayerKind::Softmax, &[2, 5]).is_err());
        assert_eq!(output_shape(&LayerKind::Softmax, &[5]), Ok(vec![5]));
    }
}
