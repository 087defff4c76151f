//! AdamW's decoupled weight decay, the L2 penalty and RMSprop, on a network's real tensors.

use nn::optim::{AdamW, RmsProp, L2};
use nn::{Adam, Dataset, FitConfig, Model, Network, Optimizer, Rng, Sgd};

nn::network! {
    pub struct Net { input: [4], dense(5), batch_norm, relu, dense(2), softmax }
}

fn values(seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..Net::PARAM_COUNT).map(|_| rng.uniform(1.0)).collect()
}

/// The parameter indices of tensors whose name passes `keep`.
fn indices(keep: impl Fn(&str) -> bool) -> Vec<usize> {
    Net::TENSORS
        .iter()
        .filter(|t| keep(t.name))
        .flat_map(|t| t.offset..t.offset + t.len())
        .collect()
}

fn running(name: &str) -> bool {
    name.contains("running_")
}

#[test]
fn adamw_decays_the_trainable_parameters_then_steps_as_adam() {
    let (params, grads) = (values(1), values(2));
    let mut adamw = AdamW::new::<Net>(0.01, 0.5);
    let mut decayed = params.clone();
    adamw.try_step(&mut decayed, &grads).unwrap();

    // Running statistics are state, not parameters: they are not decayed.
    let mut expected = params.clone();
    for i in indices(|name| !running(name)) {
        expected[i] *= 1.0 - 0.01 * 0.5;
    }
    Adam::new(0.01).try_step(&mut expected, &grads).unwrap();
    assert_eq!(decayed, expected);
    assert_eq!(adamw.hyperparameters()[0], ("weight_decay", 0.5));
}

#[test]
fn adamw_without_decay_is_adam_bit_for_bit() {
    let (mut a, mut b) = (values(3), values(3));
    let (mut adamw, mut adam) = (AdamW::new::<Net>(0.01, 0.0), Adam::new(0.01));
    for seed in 4..7 {
        adamw.try_step(&mut a, &values(seed)).unwrap();
        adam.try_step(&mut b, &values(seed)).unwrap();
    }
    assert_eq!(a, b);
}

#[test]
fn l2_adds_twice_the_factor_times_each_kernel_weight_to_its_gradient() {
    let (params, grads) = (values(8), values(9));
    let mut penalized = params.clone();
    L2::wrap::<Net>(Sgd::new(0.1), 0.25)
        .try_step(&mut penalized, &grads)
        .unwrap();
    let kernels = indices(|name| name.starts_with("dense") && name.ends_with(".weight"));
    assert_eq!(kernels.len(), 4 * 5 + 5 * 2);
    for i in 0..params.len() {
        let penalty = if kernels.contains(&i) {
            2.0 * 0.25 * params[i]
        } else {
            0.0
        };
        assert_eq!(
            penalized[i],
            params[i] - 0.1 * (grads[i] + penalty),
            "parameter {i}"
        );
    }
}

#[test]
fn misuse_of_the_decay_settings_is_refused_before_a_step() {
    let mut params = values(1);
    let error = AdamW::new::<Net>(0.01, -1.0)
        .try_step(&mut params, &values(2))
        .unwrap_err();
    assert!(error.to_string().contains("weight_decay is -1"), "{error}");
    let error = AdamW::new::<Net>(1.0, 2.0)
        .try_step(&mut params, &values(2))
        .unwrap_err();
    assert!(
        error.to_string().contains("at most 1 / learning_rate"),
        "{error}"
    );
    assert_eq!(params, values(1));
}

#[test]
fn rmsprop_trains_and_resumes_from_its_state() {
    let mut rng = Rng::new(4);
    let inputs: Vec<f32> = (0..64 * 4).map(|_| rng.uniform(1.0)).collect();
    let labels: Vec<usize> = inputs
        .chunks(4)
        .map(|x| usize::from(x[0] + x[1] > x[2] + x[3]))
        .collect();
    let data = Dataset::with_class_indices(inputs, 4, &labels).unwrap();
    let mut model = Net::new_boxed(1);
    let mut rmsprop = RmsProp::new(0.01);
    let history = model
        .fit(&data, None, &mut rmsprop, &FitConfig::new(8, 16).quiet())
        .unwrap();
    let (first, last) = (history.epochs[0].train.loss, history.final_loss().unwrap());
    assert!(last < first * 0.8, "loss {first} → {last}");
    let mut copy = RmsProp::new(0.01);
    copy.set_state(&rmsprop.state().unwrap()).unwrap();
    assert_eq!(copy.state(), rmsprop.state());
}
