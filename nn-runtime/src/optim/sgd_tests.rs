//! Tests of `sgd.rs`.

use super::*;

#[test]
fn plain_sgd_moves_against_the_gradient_and_ignores_an_empty_velocity() {
    let mut p = [1.0f32, -2.0, 0.5];
    let g = [0.5f32, -1.0, 0.0];
    sgd_step(&mut p, &g, &mut [], 0.1, 0.0);
    assert_eq!(p, [1.0 - 0.1 * 0.5, -2.0 + 0.1, 0.5]);
}

#[test]
fn momentum_accumulates_velocity_over_steps() {
    // Expected values from the recurrence, in f64: v₁ = g₁, v₂ = μ v₁ + g₂, v₃ = μ v₂ + g₃.
    let (lr, mu) = (0.1f64, 0.9f64);
    let grads = [[1.0f32, -2.0], [0.5, 0.5], [-1.0, 0.25]];
    let mut p = [0.3f32, 0.7];
    let mut v = [0.0f32; 2];
    let (mut want_p, mut want_v) = ([0.3f64, 0.7], [0.0f64; 2]);
    for g in grads {
        sgd_step(&mut p, &g, &mut v, lr as f32, mu as f32);
        for i in 0..2 {
            want_v[i] = mu * want_v[i] + f64::from(g[i]);
            want_p[i] -= lr * want_v[i];
            assert!(
                (f64::from(v[i]) - want_v[i]).abs() < 1e-6,
                "v[{i}] {} vs {}",
                v[i],
                want_v[i]
            );
            assert!(
                (f64::from(p[i]) - want_p[i]).abs() < 1e-6,
                "p[{i}] {} vs {}",
                p[i],
                want_p[i]
            );
        }
    }
    // Hand check of the first coordinate: v = 1, 1.4, 0.26; p = 0.3 − 0.1·(1 + 1.4 + 0.26).
    assert!((p[0] - 0.034).abs() < 1e-6, "{}", p[0]);
}

#[test]
fn momentum_keeps_moving_after_the_gradient_vanishes() {
    let mut p = [0.0f32];
    let mut v = [0.0f32];
    sgd_step(&mut p, &[1.0], &mut v, 1.0, 0.5);
    sgd_step(&mut p, &[0.0], &mut v, 1.0, 0.5);
    assert_eq!((p, v), ([-1.5], [0.5]));
}

#[test]
fn sgd_struct_matches_the_slice_step() {
    use crate::optim::Optimizer;
    let mut opt = Sgd::new(0.05).with_momentum(0.8);
    assert_eq!((opt.learning_rate, opt.momentum), (0.05, 0.8));
    let (mut p, mut q) = ([1.0f32, 2.0, 3.0], [1.0f32, 2.0, 3.0]);
    let mut v = [0.0f32; 3];
    for g in [[0.1f32, 0.2, 0.3], [-0.3, 0.0, 1.0], [0.5, 0.5, 0.5]] {
        opt.step(&mut p, &g);
        sgd_step(&mut q, &g, &mut v, 0.05, 0.8);
        assert_eq!(p, q);
    }
    assert!(format!("{opt:?}").contains("momentum: 0.8"));
}

#[test]
#[should_panic(expected = "first used with 3 parameters and now gets 2")]
fn sgd_struct_rejects_a_changed_parameter_count() {
    use crate::optim::Optimizer;
    let mut opt = Sgd::new(0.1);
    opt.step(&mut [0.0; 3], &[0.0; 3]);
    opt.step(&mut [0.0; 2], &[0.0; 2]);
}

#[test]
fn invalid_hyperparameters_are_named_with_their_value_and_range() {
    use crate::optim::Optimizer;
    let cases = [
        (
            Sgd::new(f32::NAN),
            "Sgd: learning_rate is NaN, but it must be finite and at least 0",
        ),
        (Sgd::new(f32::NEG_INFINITY), "learning_rate is -inf"),
        (Sgd::new(-0.1), "learning_rate is -0.1"),
        (
            Sgd::new(0.1).with_momentum(f32::NAN),
            "momentum is NaN, but it must be in [0, 1)",
        ),
        (Sgd::new(0.1).with_momentum(1.0), "momentum is 1"),
        (Sgd::new(0.1).with_momentum(-0.5), "momentum is -0.5"),
    ];
    for (mut opt, message) in cases {
        let error = opt.validate(2).unwrap_err();
        assert!(error.to_string().contains(message), "{error}");
        let mut p = [1.0f32, 2.0];
        assert_eq!(
            opt.try_step(&mut p, &[0.5, 0.5]).map_err(|e| e.to_string()),
            Err(error.to_string())
        );
        assert_eq!((p, opt.steps), ([1.0, 2.0], 0));
    }
    assert_eq!(Sgd::new(0.0).with_momentum(0.99).validate(2), Ok(()));
}

#[test]
fn a_refused_step_changes_nothing_and_a_taken_one_is_the_plain_step() {
    use crate::optim::{Optimizer, OptimizerError};
    for momentum in [0.0, 0.9] {
        let mut opt = Sgd::new(0.5).with_momentum(momentum);
        let mut twin = opt.clone();
        let (mut p, mut q) = ([1.0f32, -1.0], [1.0f32, -1.0]);
        opt.try_step(&mut p, &[0.25, 0.5]).unwrap();
        twin.step(&mut q, &[0.25, 0.5]);
        assert_eq!((p, &opt.velocity), (q, &twin.velocity));
        let error = opt.try_step(&mut p, &[f32::INFINITY, 0.5]).unwrap_err();
        assert!(
            matches!(error, OptimizerError::NonFiniteGradient { index: 0, value } if value.is_infinite()),
            "{error:?}"
        );
        opt.learning_rate = 3e38;
        let error = opt.try_step(&mut p, &[0.25, 4.0]).unwrap_err();
        assert_eq!(
            error,
            OptimizerError::NonFiniteUpdate {
                buffer: "parameter",
                index: 1
            }
        );
        assert_eq!((p, &opt.velocity, opt.steps), (q, &twin.velocity, 1));
    }
    // The velocity itself overflows.
    let mut opt = Sgd::new(0.0).with_momentum(0.5);
    let mut p = [0.0f32];
    opt.try_step(&mut p, &[3e38]).unwrap();
    let error = opt.try_step(&mut p, &[3e38]).unwrap_err();
    assert_eq!(
        error,
        OptimizerError::NonFiniteUpdate {
            buffer: "velocity",
            index: 0
        }
    );
    assert_eq!(opt.velocity, [3e38]);
}

#[test]
fn reusing_an_optimizer_for_a_model_of_another_size_is_an_error() {
    use crate::optim::{Optimizer, OptimizerError};
    let mut opt = Sgd::new(0.1);
    opt.try_step(&mut [0.0; 3], &[0.0; 3]).unwrap();
    let expected = OptimizerError::ParamCountMismatch {
        expected: 3,
        found: 2,
    };
    assert_eq!(opt.validate(2), Err(expected.clone()));
    assert_eq!(opt.try_step(&mut [0.0; 2], &[0.0; 2]), Err(expected));
}

#[test]
#[should_panic(expected = "velocity has 1 values for 2 parameters")]
fn momentum_needs_a_full_velocity() {
    sgd_step(&mut [0.0; 2], &[0.0; 2], &mut [0.0; 1], 0.1, 0.9);
}
