//! NaN and infinity never pass silently: one NaN in the data, a NaN or out-of-range
//! hyperparameter, an overflowing step or a weight file holding NaN each stop with an error
//! that names the place, and a refused training step leaves the model as it was.

use nn::optim::ClipGlobalNorm;
use nn::{
    load_weights_from_bytes, weights_to_bytes, Adam, Checkpoint, Dataset, FitConfig, Model,
    Network, Optimizer, Sgd,
};

nn::network! {
    /// 4 → 8 → 3 classes.
    pub struct Small {
        input: [4],
        dense(8), relu,
        dense(3), softmax,
    }
}

nn::network! {
    /// Convolution, relu and a 2×2 max pool (the branch-free pooling path).
    pub struct Conv {
        input: [1, 6, 6],
        conv2d(2, kernel = 3), relu,
        max_pool2d(2),
        flatten,
        dense(3), softmax,
    }
}

nn::network! {
    /// A regression with batch norm, whose running statistics a training step changes
    /// before the optimizer runs.
    pub struct Normalized {
        input: [4],
        dense(6), batch_norm, relu,
        dense(2),
        loss: mse,
    }
}

/// `n` samples of `N`, smooth in the sample and the feature, with one-hot targets; built
/// field by field.
fn data<N: Network>(n: usize) -> Dataset {
    let inputs = (0..n * N::INPUT_LEN)
        .map(|i| ((i * 7 % 13) as f32 - 6.0) / 6.0)
        .collect();
    let targets = (0..n)
        .flat_map(|s| (0..N::OUTPUT_LEN).map(move |j| f32::from(j == s % N::OUTPUT_LEN)))
        .collect();
    Dataset {
        inputs,
        targets,
        input_len: N::INPUT_LEN,
        target_len: N::OUTPUT_LEN,
    }
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

fn quiet(epochs: usize, batch: usize) -> FitConfig {
    FitConfig::new(epochs, batch).shuffle(false).quiet()
}

/// The message of `fit`'s error, or a panic that shows what it returned instead.
fn fit_error<N: Model>(
    model: &mut N,
    train: &Dataset,
    validation: Option<&Dataset>,
    optimizer: &mut dyn Optimizer,
    config: &FitConfig,
) -> String {
    match model.fit(train, validation, optimizer, config) {
        Ok(history) => panic!(
            "fit returned Ok with {} of {} parameters non-finite; history {:?}",
            model.params().iter().filter(|p| !p.is_finite()).count(),
            N::PARAM_COUNT,
            history
                .epochs
                .iter()
                .map(|e| e.validation)
                .collect::<Vec<_>>()
        ),
        Err(error) => error.to_string(),
    }
}

#[test]
fn a_nan_in_the_training_data_stops_fit_with_the_model_as_before_that_batch() {
    let mut train = data::<Small>(12);
    train.inputs[7 * 4 + 2] = f32::NAN; // sample 7: batch 2 of 3 without shuffling
    let mut model = Small::new(3);
    let mut optimizer = Adam::new(0.01);
    // The same run on the first batch alone gives the parameters before batch 2.
    let mut before = model.clone();
    let mut twin = Adam::new(0.01);
    let first = Dataset {
        inputs: train.inputs[..4 * 4].to_vec(),
        targets: train.targets[..4 * 3].to_vec(),
        ..data::<Small>(0)
    };
    before.fit(&first, None, &mut twin, &quiet(1, 4)).unwrap();

    let message = fit_error(&mut model, &train, None, &mut optimizer, &quiet(1, 4));
    assert!(message.contains("epoch 1, batch 2"), "{message}");
    assert!(model.params().iter().all(|p| p.is_finite()));
    assert_eq!(bits(model.params()), bits(before.params()));
    assert_eq!(optimizer.state(), twin.state());
}

#[test]
fn fit_refuses_to_start_from_nan_parameters_and_names_the_tensor() {
    let mut model = Small::new(3);
    model.params_mut()[Small::TENSORS[2].offset + 5] = f32::NAN;
    let start = model.clone();
    let message = fit_error(
        &mut model,
        &data::<Small>(4),
        None,
        &mut Sgd::new(0.1),
        &quiet(1, 4),
    );
    assert!(
        message.contains("parameter `dense_1.weight` (element 5) is NaN before training"),
        "{message}"
    );
    assert_eq!(bits(model.params()), bits(start.params()));
}

#[test]
fn evaluate_predict_and_predict_class_name_a_sample_with_a_nan_input() {
    let model = Small::new(3);
    let mut test = data::<Small>(5);
    test.inputs[3 * 4 + 1] = f32::NAN;
    let message = model
        .evaluate(&test, 2)
        .map(|e| e.loss)
        .unwrap_err()
        .to_string();
    assert!(message.contains("evaluation sample 3 is NaN"), "{message}");

    let predicted = model.predict(&test.inputs).map(|outputs| outputs[3 * 3]);
    let message = predicted.unwrap_err().to_string();
    assert!(message.contains("prediction sample 3 is NaN"), "{message}");

    // Written to show what the call returned under any signature.
    let class = model.predict_class(&test.inputs[3 * 4..4 * 4]);
    let shown = format!("{class:?}");
    assert!(shown.contains("NonFiniteOutput"), "{shown}");
    assert!(format!("{:?}", model.predict_class(&test.inputs[..4])).starts_with("Ok("));
}

#[test]
fn one_nan_pixel_reaches_the_output_through_convolution_relu_and_max_pooling() {
    let model = Conv::new(5);
    let mut images = data::<Conv>(3).inputs;
    // Every position of a 2×2 pooling window, in three images.
    for (image, pixel) in [(0, 0), (1, 7), (2, 14)] {
        images[image * 36 + pixel] = f32::NAN;
        let image = &images[image * 36..(image + 1) * 36];
        let class = model.predict_class(image);
        assert!(
            format!("{class:?}").contains("NonFiniteOutput"),
            "{class:?}"
        );
        let mut output = [0.0; 3];
        model.forward_sample(image, &mut output);
        assert!(output.iter().all(|v| v.is_nan()), "{output:?}");
    }
    // Batched inference takes the batched kernels.
    let message = model.predict(&images).unwrap_err().to_string();
    assert!(message.contains("prediction sample 0 is NaN"), "{message}");
}

#[test]
fn a_nan_validation_loss_stops_fit_instead_of_being_recorded() {
    let train = data::<Small>(8);
    let mut validation = data::<Small>(4);
    validation.inputs[2 * 4] = f32::NAN;
    let mut model = Small::new(3);
    let message = fit_error(
        &mut model,
        &train,
        Some(&validation),
        &mut Sgd::new(0.1),
        &quiet(1, 4),
    );
    assert!(message.contains("validation sample 2 is NaN"), "{message}");
}

fn adam_with(edit: fn(&mut Adam)) -> Adam {
    let mut adam = Adam::new(0.1);
    edit(&mut adam);
    adam
}

#[test]
fn a_nan_target_makes_evaluation_an_error_although_every_output_is_finite() {
    let model = Small::new(3);
    let mut test = data::<Small>(4);
    test.targets[2 * 3 + 1] = f32::NAN;
    let evaluated = model.evaluate(&test, 4);
    let message = evaluated
        .map(|e| e.loss.to_string())
        .unwrap_or_else(|e| e.to_string());
    assert!(
        message
            .contains("the loss over the evaluation data is NaN although every output is finite"),
        "{message}"
    );
}

#[test]
fn non_finite_or_out_of_range_hyperparameters_are_refused_before_anything_changes() {
    let train = data::<Small>(8);
    let cases: Vec<(Box<dyn Optimizer>, &str)> = vec![
        (Box::new(Sgd::new(f32::NAN)), "learning_rate is NaN"),
        (Box::new(Sgd::new(f32::INFINITY)), "learning_rate is inf"),
        (
            Box::new(Sgd::new(0.1).with_momentum(f32::NAN)),
            "momentum is NaN",
        ),
        (
            Box::new(Sgd::new(0.1).with_momentum(1.0)),
            "momentum is 1, but it must be in [0, 1)",
        ),
        (
            Box::new(Adam::new(-1.0)),
            "learning_rate is -1, but it must be finite and at least 0",
        ),
        (Box::new(Adam::new(f32::NAN)), "learning_rate is NaN"),
        (
            Box::new(adam_with(|a| a.beta1 = f32::INFINITY)),
            "beta1 is inf",
        ),
        (Box::new(adam_with(|a| a.epsilon = 0.0)), "epsilon is 0"),
        (
            Box::new(ClipGlobalNorm::new(Sgd::new(0.1), 0.0)),
            "max_norm is 0, but it must be finite and greater than 0",
        ),
    ];
    // Every case is tried, and every one that is not refused is listed.
    let mut accepted = Vec::new();
    for (mut optimizer, expected) in cases {
        let mut model = Small::new(3);
        let start = model.clone();
        let outcome = model.fit(&train, None, &mut *optimizer, &quiet(2, 4));
        let message = outcome
            .map(|_| "Ok".to_string())
            .unwrap_or_else(|e| e.to_string());
        if !message.contains(expected) || bits(model.params()) != bits(start.params()) {
            accepted.push(format!("{expected}: got {message}"));
        }
    }
    assert!(accepted.is_empty(), "{accepted:#?}");
}

#[test]
fn reusing_an_optimizer_for_a_model_of_another_size_is_an_error() {
    let mut optimizer = Adam::new(0.01);
    Small::new(1)
        .fit(&data::<Small>(4), None, &mut optimizer, &quiet(1, 4))
        .unwrap();
    let mut other = Conv::new(1);
    let start = other.clone();
    let message = fit_error(
        &mut other,
        &data::<Conv>(4),
        None,
        &mut optimizer,
        &quiet(1, 4),
    );
    assert!(
        message.contains(&format!(
            "a model of {} parameters, but this model has {}",
            Small::PARAM_COUNT,
            Conv::PARAM_COUNT
        )),
        "{message}"
    );
    assert_eq!(bits(other.params()), bits(start.params()));
}

#[test]
fn an_overflowing_step_is_refused_and_names_the_tensor() {
    // Targets of 1000 give gradients of about 1000, and a learning rate of 1e36 moves a
    // weight by about 1e39, beyond the largest f32, on the first step.
    let mut train = data::<Normalized>(8);
    train.targets.iter_mut().for_each(|t| *t = 1000.0);
    let mut model = Normalized::new(2);
    let start = model.clone();
    let mut optimizer = Sgd::new(1e36).with_momentum(0.5);
    let message = fit_error(&mut model, &train, None, &mut optimizer, &quiet(1, 4));
    assert!(
        message.starts_with("training stopped at epoch 1, batch 1: the update would make")
            && message.contains("overflow"),
        "{message}"
    );
    assert!(
        Normalized::TENSORS
            .iter()
            .any(|t| message.contains(&format!("`{}` (element", t.name))),
        "{message}"
    );
    // Batch norm's running statistics included; the velocity was not started either.
    assert_eq!(bits(model.params()), bits(start.params()));
    assert!(optimizer.state().unwrap().buffers[0].1.is_empty());
}

#[test]
fn data_parallel_training_refuses_an_overflowing_step_the_same_way() {
    // Soft targets of 1000 make gradients of about 1000 / batch; shards on two threads.
    let mut train = data::<Conv>(8);
    train.targets.iter_mut().for_each(|t| *t *= 1000.0);
    let mut model = Conv::new(4);
    let start = model.clone();
    let mut optimizer = Sgd::new(1e37);
    let config = quiet(1, 4).threads(2);
    let message = fit_error(&mut model, &train, None, &mut optimizer, &config);
    assert!(
        message.starts_with("training stopped at epoch 1, batch 1: the update would make")
            && message.contains("overflow"),
        "{message}"
    );
    assert_eq!(bits(model.params()), bits(start.params()));
}

#[test]
fn weight_files_and_checkpoints_holding_nan_are_refused_with_the_tensor_named() {
    let mut model = Small::new(1);
    let mut broken = model.clone();
    broken.params_mut()[Small::TENSORS[2].offset + 5] = f32::NAN;
    let bytes = weights_to_bytes(&broken);
    let start = model.clone();
    let loaded = load_weights_from_bytes(&mut model, &bytes);
    let message = loaded
        .map(|()| "Ok".to_string())
        .unwrap_or_else(|e| e.to_string());
    let mut accepted = Vec::new();
    if !message.contains("tensor `dense_1.weight` holds NaN at element 5") {
        accepted.push(format!("weights: got {message}"));
    }
    if bits(model.params()) != bits(start.params()) {
        accepted.push("weights: the refused load changed the model".to_string());
        model = start.clone();
    }

    // A checkpoint: NaN parameters, a NaN moment, a negative second moment.
    let mut adam = Adam::new(0.01);
    model
        .fit(&data::<Small>(4), None, &mut adam, &quiet(1, 4))
        .unwrap();
    let state = adam.state().unwrap();
    let with_state = |edit: &dyn Fn(&mut nn::optim::OptimizerState)| {
        let mut state = state.clone();
        edit(&mut state);
        Checkpoint::new(&model, state, 1, 0, 4, false, 1)
            .to_bytes::<Small>()
            .unwrap()
    };
    let nan_params = Checkpoint::new(&broken, state.clone(), 1, 0, 4, false, 1)
        .to_bytes::<Small>()
        .unwrap();
    let nan_m = with_state(&|s| s.buffers[0].1[3] = f32::NAN);
    let negative_v = with_state(&|s| s.buffers[1].1[4] = -1.0);
    let checkpoints = [
        (nan_params, "dense_1.weight"),
        (nan_m, "`optimizer.m` holds NaN at element 3"),
        (
            negative_v,
            "`v` is negative (a second moment never is) at element 4",
        ),
    ];
    for (bytes, expected) in checkpoints {
        // Refused when decoded, or at the latest when an optimizer resumes from it.
        let refused = match Checkpoint::from_bytes::<Small>(&bytes) {
            Err(error) => error.to_string(),
            Ok(checkpoint) => match Adam::new(0.01).set_state(&checkpoint.optimizer) {
                Err(error) => error.to_string(),
                Ok(()) => "accepted".to_string(),
            },
        };
        if !refused.contains(expected) {
            accepted.push(format!("{expected}: got {refused}"));
        }
    }
    assert!(accepted.is_empty(), "{accepted:#?}");
}
