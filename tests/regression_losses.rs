//! Training with the regression losses `mae` and `huber`: per-sample weights weigh them as
//! they weigh the others, and both are robust to outliers where `mse` is not.

use nn::{Dataset, FitConfig, Model, Sgd};

nn::network! {
    pub struct SquaredLine { input: [1], dense(1), loss: mse }
}

nn::network! {
    pub struct AbsoluteLine { input: [1], dense(1), loss: mae }
}

nn::network! {
    pub struct HuberLine { input: [1], dense(1), loss: huber }
}

/// y = 2x + 1 against targets 1 at x = 0, 1, 2, 3: errors 0, 2, 4, 6.
fn constant_targets() -> Dataset {
    Dataset::new(vec![0.0, 1.0, 2.0, 3.0], vec![1.0; 4], 1, 1).unwrap()
}

fn weighted_training_loss<M: Model>(mut model: M) -> f32 {
    let config = FitConfig::new(1, 4)
        .quiet()
        .shuffle(false)
        .sample_weight(vec![1.0, 2.0, 0.0, 0.5]);
    let history = model
        .fit(&constant_targets(), None, &mut Sgd::new(0.0), &config)
        .unwrap();
    history.final_loss().unwrap()
}

#[test]
fn sample_weights_weigh_each_samples_loss() {
    // Absolute errors 0, 2, 4, 6 weighted 1, 2, 0, 0.5: (0 + 4 + 0 + 3) / 4.
    assert_eq!(
        weighted_training_loss(AbsoluteLine::from_params([2.0, 1.0])),
        1.75
    );
    // Huber with delta 1: 0, 2 − 0.5, 4 − 0.5, 6 − 0.5, weighted: (0 + 3 + 0 + 2.75) / 4.
    assert_eq!(
        weighted_training_loss(HuberLine::from_params([2.0, 1.0])),
        1.4375
    );
    // Squared errors 0, 4, 16, 36: (0 + 8 + 0 + 18) / 4.
    assert_eq!(
        weighted_training_loss(SquaredLine::from_params([2.0, 1.0])),
        6.5
    );
}

/// 40 points of y = 2x + 1 for x in [−1, 1), the last four moved up by 30.
fn line_with_outliers() -> Dataset {
    let inputs: Vec<f32> = (0..40).map(|i| i as f32 / 20.0 - 1.0).collect();
    let targets: Vec<f32> = inputs
        .iter()
        .enumerate()
        .map(|(i, &x)| 2.0 * x + 1.0 + if i >= 36 { 30.0 } else { 0.0 })
        .collect();
    Dataset::new(inputs, targets, 1, 1).unwrap()
}

/// Distance of the fitted (slope, intercept) from the clean line's (2, 1).
fn fitted_error<M: Model>(mut model: M, rate: f32) -> f32 {
    let config = FitConfig::new(300, 40).quiet().shuffle(false);
    model
        .fit(&line_with_outliers(), None, &mut Sgd::new(rate), &config)
        .unwrap();
    let [slope, intercept] = [model.params()[0], model.params()[1]];
    ((slope - 2.0).powi(2) + (intercept - 1.0).powi(2)).sqrt()
}

#[test]
fn mae_and_huber_ignore_outliers_that_pull_mse_away() {
    let squared = fitted_error(SquaredLine::from_params([0.0, 0.0]), 0.1);
    let absolute = fitted_error(AbsoluteLine::from_params([0.0, 0.0]), 0.1);
    let huber = fitted_error(HuberLine::from_params([0.0, 0.0]), 0.1);
    // Least squares follows the outliers: their mean shift, 30 · 4 / 40 = 3, and a slope
    // tilted by about 8 (here 8.7 from the clean line). Each outlier pulls Huber's gradient
    // by at most delta, which 36 inliers balance with residuals of about 0.1 (0.44 here);
    // the absolute error's median fit barely moves (0.07 here).
    assert!(squared > 5.0, "mse: {squared}");
    assert!(absolute < 0.3, "mae: {absolute}");
    assert!(huber < 0.6, "huber: {huber}");
}
