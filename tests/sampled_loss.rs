//! `Model::sampled_loss`: the training-mode loss without gradients. Where nothing samples it
//! is `evaluate`'s loss; with dropout it depends on the seed, reproducibly, and averages
//! towards the inference-mode loss; no draws is an error.

use nn::{Dataset, Model, Rng, TrainError};

nn::network! {
    struct Plain {
        input: [8],
        dense(16), relu,
        dense(3), softmax,
    }
}

nn::network! {
    struct Dropped {
        input: [8],
        dense(16), relu,
        dropout(0.5),
        dense(3), softmax,
    }
}

/// 100 samples of 3 classes from a fixed rule over 8 uniform inputs.
fn data() -> Dataset {
    let mut rng = Rng::new(11);
    let inputs: Vec<f32> = (0..100 * 8).map(|_| rng.next_f32()).collect();
    let labels: Vec<f32> = inputs
        .chunks(8)
        .map(|x| ((x[0] + x[3] + x[5]) * 1.2) as usize as f32)
        .map(|c| c.min(2.0))
        .collect();
    Dataset::new(inputs, labels, 8, 1).expect("a well-formed data set")
}

#[test]
fn without_stochastic_layers_it_is_the_evaluation_loss() {
    let (model, data) = (Plain::new_boxed(3), data());
    let evaluated = f64::from(model.evaluate(&data, 32).expect("evaluates").loss);
    let sampled = model.sampled_loss(&data, 32, 3, 5).expect("samples");
    assert!(
        (sampled - evaluated).abs() <= 1e-5 * evaluated.abs(),
        "{sampled} vs {evaluated}"
    );
}

#[test]
fn with_dropout_it_depends_on_the_seed_reproducibly() {
    let (model, data) = (Dropped::new_boxed(3), data());
    let first = model.sampled_loss(&data, 32, 2, 5).expect("samples");
    assert_eq!(model.sampled_loss(&data, 32, 2, 5).expect("samples"), first);
    let other = model.sampled_loss(&data, 32, 2, 6).expect("samples");
    assert_ne!(first, other, "another seed draws other masks");
    let evaluated = f64::from(model.evaluate(&data, 32).expect("evaluates").loss);
    assert_ne!(first, evaluated, "inference mode keeps every unit");
}

#[test]
fn no_draws_is_an_error() {
    let (model, data) = (Plain::new_boxed(3), data());
    let error = model.sampled_loss(&data, 32, 0, 5).unwrap_err();
    assert!(
        matches!(
            error,
            TrainError::InvalidSetting {
                setting: "draws",
                ..
            }
        ),
        "{error}"
    );
}
