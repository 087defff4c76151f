//! Tests of `adam.rs`.

use super::*;
use crate::optim::{Optimizer, OptimizerError};

/// Adam written out in f64 straight from Kingma & Ba, Algorithm 1 (with ε̂ placement as
/// in PyTorch): the oracle for the f32 kernel.
struct Reference {
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl Reference {
    fn step(&mut self, p: &mut [f64], g: &[f32], lr: f64, b1: f64, b2: f64, eps: f64) {
        self.t += 1;
        for i in 0..p.len() {
            let g = f64::from(g[i]);
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * g;
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * g * g;
            let m_hat = self.m[i] / (1.0 - b1.powi(self.t));
            let v_hat = self.v[i] / (1.0 - b2.powi(self.t));
            p[i] -= lr * m_hat / (v_hat.sqrt() + eps);
        }
    }
}

#[test]
fn first_step_moves_each_parameter_by_the_learning_rate() {
    // With zero moments, m̂ = g and v̂ = g², so the first step is lr · g / (|g| + ε).
    let mut p = [1.0f32, 1.0, 1.0];
    let (mut m, mut v) = ([0.0; 3], [0.0; 3]);
    adam_step(
        &mut p,
        &[0.5, -3.0, 0.0],
        &mut m,
        &mut v,
        1,
        0.01,
        0.9,
        0.999,
        1e-8,
    );
    assert!(
        (p[0] - 0.99).abs() < 1e-6 && (p[1] - 1.01).abs() < 1e-6,
        "{p:?}"
    );
    assert_eq!(p[2], 1.0);
    // m = (1 − β₁) g, v = (1 − β₂) g² (1 − 0.999 is only good to ~1e-5 in f32).
    assert!(
        (m[0] - 0.05).abs() < 1e-7 && (v[1] - 0.009).abs() < 1e-6,
        "{m:?} {v:?}"
    );
}

#[test]
fn several_steps_match_the_f64_formula() {
    let (lr, b1, b2, eps) = (0.05f32, 0.8f32, 0.95f32, 1e-6f32);
    let grads = [
        [0.3f32, -1.2, 4.0, 1e-3],
        [0.1, -1.0, -2.0, 1e-3],
        [-0.4, 0.6, 1.0, -1e-3],
        [0.2, 0.2, 0.2, 0.2],
    ];
    let mut p = [0.5f32, -0.25, 2.0, 0.0];
    let (mut m, mut v) = ([0.0f32; 4], [0.0f32; 4]);
    let mut want: Vec<f64> = p.iter().map(|&x| f64::from(x)).collect();
    let mut reference = Reference {
        m: vec![0.0; 4],
        v: vec![0.0; 4],
        t: 0,
    };
    for (t, g) in grads.iter().enumerate() {
        adam_step(&mut p, g, &mut m, &mut v, t as u32 + 1, lr, b1, b2, eps);
        reference.step(&mut want, g, lr.into(), b1.into(), b2.into(), eps.into());
        for i in 0..4 {
            assert!(
                (f64::from(p[i]) - want[i]).abs() < 2e-6,
                "step {}, p[{i}] = {} vs {}",
                t + 1,
                p[i],
                want[i]
            );
        }
    }
}

#[test]
fn adam_struct_matches_the_reference_and_counts_steps() {
    let mut opt = Adam::new(0.1);
    assert_eq!((opt.beta1, opt.beta2, opt.epsilon), (0.9, 0.999, 1e-8));
    let mut p = [1.0f32, -1.0];
    let mut want = [1.0f64, -1.0];
    let mut reference = Reference {
        m: vec![0.0; 2],
        v: vec![0.0; 2],
        t: 0,
    };
    for g in [[0.5f32, 0.25], [-0.1, 0.3], [0.2, -0.2]] {
        opt.step(&mut p, &g);
        reference.step(&mut want, &g, 0.1, 0.9, 0.999, 1e-8);
    }
    for i in 0..2 {
        assert!(
            (f64::from(p[i]) - want[i]).abs() < 1e-5,
            "{p:?} vs {want:?}"
        );
    }
    let debug = format!("{opt:?}");
    assert!(
        debug.contains("step: 3") && debug.contains("param_count: 2"),
        "{debug}"
    );
    // A clone carries the moments: both continue identically.
    let mut twin = opt.clone();
    let mut q = p;
    opt.step(&mut p, &[1.0, 1.0]);
    twin.step(&mut q, &[1.0, 1.0]);
    assert_eq!(p, q);
}

#[test]
fn adam_finds_the_minimum_of_a_quadratic() {
    // f(p) = Σ a_i (p_i − c_i)², gradient 2 a_i (p_i − c_i); badly scaled on purpose.
    let (a, c) = ([1.0f32, 10.0, 0.1], [3.0f32, -2.0, 0.5]);
    let mut p = [0.0f32; 3];
    let mut opt = Adam::new(0.05);
    for _ in 0..3000 {
        let g: Vec<f32> = (0..3).map(|i| 2.0 * a[i] * (p[i] - c[i])).collect();
        opt.step(&mut p, &g);
    }
    for i in 0..3 {
        assert!((p[i] - c[i]).abs() < 1e-2, "p = {p:?}, minimum at {c:?}");
    }
}

#[test]
#[should_panic(expected = "first used with 2 parameters and now gets 3")]
fn adam_struct_rejects_a_changed_parameter_count() {
    let mut opt = Adam::new(0.1);
    opt.step(&mut [0.0; 2], &[0.0; 2]);
    opt.step(&mut [0.0; 3], &[0.0; 3]);
}

#[test]
fn invalid_hyperparameters_are_named_with_their_value_and_range() {
    let cases = [
        (
            Adam::new(-1.0),
            "learning_rate is -1, but it must be finite and at least 0",
        ),
        (Adam::new(f32::NAN), "learning_rate is NaN"),
        (Adam::new(f32::INFINITY), "learning_rate is inf"),
        (
            Adam {
                beta1: 1.0,
                ..Adam::new(0.1)
            },
            "beta1 is 1, but it must be in [0, 1)",
        ),
        (
            Adam {
                beta2: -0.5,
                ..Adam::new(0.1)
            },
            "beta2 is -0.5",
        ),
        (
            Adam {
                beta2: f32::NAN,
                ..Adam::new(0.1)
            },
            "beta2 is NaN",
        ),
        (
            Adam {
                epsilon: 0.0,
                ..Adam::new(0.1)
            },
            "epsilon is 0, but it must be finite and greater than 0",
        ),
    ];
    for (mut opt, message) in cases {
        let error = opt.validate(2).unwrap_err();
        assert!(error.to_string().contains(message), "{error}");
        let mut p = [1.0f32, 2.0];
        assert_eq!(
            opt.try_step(&mut p, &[0.5, 0.5]).map_err(|e| e.to_string()),
            Err(error.to_string())
        );
        assert_eq!((p, opt.step), ([1.0, 2.0], 0));
    }
    assert_eq!(Adam::new(0.0).validate(2), Ok(()));
}

/// The state (moments and step count) and parameters, to compare before and after.
fn snapshot(opt: &Adam, p: &[f32]) -> (Vec<u32>, Vec<u32>, Vec<u32>, u32) {
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect();
    (bits(p), bits(&opt.m), bits(&opt.v), opt.step)
}

#[test]
fn a_refused_step_changes_nothing() {
    let mut opt = Adam::new(0.1);
    let mut p = [1.0f32, -1.0, 0.5];
    opt.try_step(&mut p, &[0.1, 0.2, 0.3]).unwrap();
    let before = snapshot(&opt, &p);
    let error = opt.try_step(&mut p, &[0.1, f32::NAN, 0.3]).unwrap_err();
    assert!(
        matches!(error, OptimizerError::NonFiniteGradient { index: 1, value } if value.is_nan()),
        "{error:?}"
    );
    assert_eq!(snapshot(&opt, &p), before);
    // A finite gradient whose square overflows: the second moment would be infinite.
    let error = opt.try_step(&mut p, &[0.1, 0.2, 3e22]).unwrap_err();
    assert_eq!(
        error,
        OptimizerError::NonFiniteUpdate {
            buffer: "v",
            index: 2
        }
    );
    assert_eq!(snapshot(&opt, &p), before);
    // A huge learning rate: the parameter would overflow.
    opt.learning_rate = 3e38;
    let error = opt.try_step(&mut p, &[1.0, 0.2, 0.3]).unwrap_err();
    assert_eq!(
        error,
        OptimizerError::NonFiniteUpdate {
            buffer: "parameter",
            index: 0
        }
    );
    assert_eq!(snapshot(&opt, &p), before);
}

#[test]
fn a_checked_step_is_the_unchecked_step_bit_for_bit() {
    let (mut checked, mut unchecked) = (Adam::new(0.05), Adam::new(0.05));
    let (mut p, mut q) = ([0.5f32, -0.25, 2.0], [0.5f32, -0.25, 2.0]);
    for g in [[0.3f32, -1.2, 4.0], [0.1, -1.0, -2.0], [-0.4, 0.6, 1.0]] {
        checked.try_step(&mut p, &g).unwrap();
        unchecked.step(&mut q, &g);
        assert_eq!(snapshot(&checked, &p), snapshot(&unchecked, &q));
    }
}

#[test]
fn reusing_an_optimizer_for_a_model_of_another_size_is_an_error() {
    let mut opt = Adam::new(0.1);
    opt.try_step(&mut [0.0; 2], &[1.0; 2]).unwrap();
    let expected = OptimizerError::ParamCountMismatch {
        expected: 2,
        found: 3,
    };
    assert_eq!(opt.validate(3), Err(expected.clone()));
    let mut p = [1.0f32; 3];
    assert_eq!(opt.try_step(&mut p, &[1.0; 3]), Err(expected));
    assert_eq!((p, opt.step), ([1.0; 3], 1));
}

#[test]
#[should_panic(expected = "step counts from 1")]
fn step_zero_is_rejected() {
    adam_step(
        &mut [0.0],
        &[0.0],
        &mut [0.0],
        &mut [0.0],
        0,
        0.1,
        0.9,
        0.999,
        1e-8,
    );
}
