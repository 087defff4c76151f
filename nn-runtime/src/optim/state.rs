//! What an optimizer carries from one step to the next, exported so training can stop and
//! resume exactly where it was (see `FitConfig::checkpoint`).

/// An optimizer's state: its method, how many steps it has taken and its named buffers,
/// each as long as the model's parameters (or empty before the first step).
///
/// [`Adam`](super::Adam) exports `m` and `v`; [`Sgd`](super::Sgd) exports `velocity` (empty
/// without momentum).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OptimizerState {
    /// The method, e.g. `"adam"`: state is only restored into an optimizer of the same one.
    pub method: String,
    /// Steps taken.
    pub step: u64,
    /// Named buffers, in a fixed order.
    pub buffers: Vec<(String, Vec<f32>)>,
}

impl OptimizerState {
    /// The buffer called `name`.
    pub fn buffer(&self, name: &str) -> Option<&[f32]> {
        self.buffers
            .iter()
            .find(|(buffer, _)| buffer == name)
            .map(|(_, values)| values.as_slice())
    }

    /// `Ok` when the state was saved by `method`.
    pub(crate) fn check_method(&self, method: &str) -> Result<(), OptimizerStateError> {
        if self.method == method {
            Ok(())
        } else {
            Err(OptimizerStateError::WrongMethod {
                expected: method.to_string(),
                found: self.method.clone(),
            })
        }
    }

    /// `Ok` when every value of buffer `name` is finite and, if `non_negative`, at least 0.
    pub(crate) fn check_values(
        name: &str,
        values: &[f32],
        non_negative: bool,
    ) -> Result<(), OptimizerStateError> {
        let bad = |v: &f32| !v.is_finite() || (non_negative && *v < 0.0);
        match values.iter().position(bad) {
            None => Ok(()),
            Some(index) => Err(OptimizerStateError::InvalidValue {
                name: name.to_string(),
                index,
                reason: if values[index].is_finite() {
                    "negative (a second moment never is)"
                } else {
                    "NaN or infinite"
                },
            }),
        }
    }

    /// The buffer `name`, which must hold `expected` values.
    pub(crate) fn buffer_of_len(
        &self,
        name: &str,
        expected: usize,
    ) -> Result<&[f32], OptimizerStateError> {
        match self.buffer(name) {
            Some(values) if values.len() == expected => Ok(values),
            found => Err(OptimizerStateError::BadBuffer {
                name: name.to_string(),
                found: found.map(<[f32]>::len),
                expected,
            }),
        }
    }
}

/// Why [`Optimizer::set_state`](super::Optimizer::set_state) refused a state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptimizerStateError {
    /// The optimizer does not export or restore state.
    #[error(
        "this optimizer cannot export or restore its state; implement `Optimizer::state` and \
         `Optimizer::set_state` for it"
    )]
    Unsupported,
    /// The state was saved by another method.
    #[error(
        "the optimizer state was saved by `{found}`, but is restored into `{expected}`; \
         resume with the same optimizer"
    )]
    WrongMethod {
        /// The method of the optimizer being restored.
        expected: String,
        /// The method the state names.
        found: String,
    },
    /// A buffer the method needs is absent, or has another length than its siblings.
    #[error("{}", bad_buffer(.name, *.found, *.expected))]
    BadBuffer {
        /// The buffer's name.
        name: String,
        /// Its length in the state, or `None` when absent.
        found: Option<usize>,
        /// The length it should have.
        expected: usize,
    },
    /// Buffers and step count contradict each other, e.g. empty moments after some steps.
    #[error("the optimizer state is inconsistent: {detail}")]
    Inconsistent {
        /// What contradicts what.
        detail: String,
    },
    /// A buffer holds a value the method never produces: NaN or infinity (the state of a run
    /// that diverged), or a negative second moment.
    #[error(
        "the optimizer state's buffer `{name}` is {reason} at element {index}; resume from \
         an earlier checkpoint or start afresh"
    )]
    InvalidValue {
        /// The buffer's name.
        name: String,
        /// The element.
        index: usize,
        /// What is wrong with it, e.g. `"NaN or infinite"`.
        reason: &'static str,
    },
    /// A step count the optimizer cannot represent.
    #[error("the optimizer state's step count {step} is out of range")]
    StepOutOfRange {
        /// The step in the state.
        step: u64,
    },
}

/// A buffer that is absent, or of another length than its siblings.
fn bad_buffer(name: &str, found: Option<usize>, expected: usize) -> String {
    match found {
        None => format!("the optimizer state has no buffer `{name}` (expected {expected} values)"),
        Some(found) => {
            format!("the optimizer state's buffer `{name}` has {found} values, expected {expected}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Adam, Optimizer, Sgd};

    /// Steps `first`, moves its state into `second`, then steps both: they must agree bit
    /// for bit.
    fn continues_identically(mut first: Box<dyn Optimizer>, mut second: Box<dyn Optimizer>) {
        let mut p = [0.5f32, -1.0, 2.0];
        for g in [[0.1f32, -0.2, 0.3], [0.4, 0.0, -1.0]] {
            first.step(&mut p, &g);
        }
        second.set_state(&first.state().unwrap()).unwrap();
        assert_eq!(first.state(), second.state());
        let mut q = p;
        for g in [[1.0f32, 0.5, -0.5], [-0.3, 0.2, 0.1]] {
            first.step(&mut p, &g);
            second.step(&mut q, &g);
        }
        assert_eq!(p.map(f32::to_bits), q.map(f32::to_bits));
    }

    #[test]
    fn adam_and_sgd_resume_from_exported_state() {
        continues_identically(Box::new(Adam::new(0.1)), Box::new(Adam::new(0.1)));
        continues_identically(
            Box::new(Sgd::new(0.1).with_momentum(0.9)),
            Box::new(Sgd::new(0.1).with_momentum(0.9)),
        );
        let mut adam = Adam::new(0.1);
        adam.step(&mut [0.0; 2], &[1.0; 2]);
        let state = adam.state().unwrap();
        assert_eq!((state.method.as_str(), state.step), ("adam", 1));
        assert_eq!(state.buffer("m").map(<[f32]>::len), Some(2));
    }

    #[test]
    fn a_state_of_another_method_or_shape_is_refused_and_changes_nothing() {
        let mut sgd = Sgd::new(0.1).with_momentum(0.9);
        sgd.step(&mut [0.0; 2], &[1.0; 2]);
        let before = sgd.state();
        let mut adam = Adam::new(0.1);
        adam.step(&mut [0.0; 3], &[1.0; 3]);
        let adam_state = adam.state().unwrap();

        assert_eq!(
            sgd.set_state(&adam_state),
            Err(OptimizerStateError::WrongMethod {
                expected: "sgd".into(),
                found: "adam".into()
            })
        );
        let mut wrong_len = before.clone().unwrap();
        wrong_len.buffers[0].1.push(0.0);
        assert!(matches!(
            sgd.set_state(&wrong_len),
            Err(OptimizerStateError::BadBuffer { expected: 2, .. })
        ));
        assert_eq!(sgd.state(), before);

        let mut uneven = adam_state.clone();
        uneven.buffers[1].1.pop();
        let mut fresh = Adam::new(0.1);
        assert!(matches!(
            fresh.set_state(&uneven),
            Err(OptimizerStateError::BadBuffer { expected: 3, .. })
        ));
        let mut stepless = adam_state;
        stepless.step = 0;
        assert!(matches!(
            fresh.set_state(&stepless),
            Err(OptimizerStateError::Inconsistent { .. })
        ));
        assert_eq!(fresh.state().unwrap().step, 0);
    }

    #[test]
    fn a_state_with_nan_or_a_negative_second_moment_is_refused_and_changes_nothing() {
        let mut adam = Adam::new(0.1);
        adam.step(&mut [0.0; 3], &[1.0; 3]);
        let good = adam.state().unwrap();
        for (buffer, index, value, reason) in [
            (0, 1, f32::NAN, "NaN or infinite"),
            (1, 2, f32::INFINITY, "NaN or infinite"),
            (1, 0, -1e-9, "negative (a second moment never is)"),
        ] {
            let mut bad = good.clone();
            bad.buffers[buffer].1[index] = value;
            let mut fresh = Adam::new(0.1);
            assert_eq!(
                fresh.set_state(&bad),
                Err(OptimizerStateError::InvalidValue {
                    name: bad.buffers[buffer].0.clone(),
                    index,
                    reason
                })
            );
            assert_eq!(fresh.state().unwrap().step, 0);
        }
        let mut sgd = Sgd::new(0.1).with_momentum(0.9);
        sgd.step(&mut [0.0; 2], &[1.0; 2]);
        let mut bad = sgd.state().unwrap();
        bad.buffers[0].1[1] = f32::NEG_INFINITY;
        let before = sgd.state();
        assert!(matches!(
            sgd.set_state(&bad),
            Err(OptimizerStateError::InvalidValue { index: 1, .. })
        ));
        assert_eq!(sgd.state(), before);
        // A negative velocity is an ordinary one.
        let mut negative = before.unwrap();
        negative.buffers[0].1[0] = -5.0;
        assert_eq!(sgd.set_state(&negative), Ok(()));
    }
}
