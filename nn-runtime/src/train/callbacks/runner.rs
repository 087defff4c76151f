//! How `fit` calls its callbacks: in order, each with a [`Control`] over the network and the
//! optimizer, turning a callback's message into [`TrainError::Callback`].

use super::{Callback, CallbackState, Control};
use crate::network::Network;
use crate::optim::Optimizer;
use crate::train::TrainError;

/// The callbacks of one `fit`, with what they share.
pub(crate) struct Callbacks<'c, 'd> {
    list: &'c mut [&'d mut dyn Callback],
    epochs: usize,
    resumed_from: usize,
}

impl<'c, 'd> Callbacks<'c, 'd> {
    /// Checks that the names are unique.
    pub(crate) fn new(
        list: &'c mut [&'d mut dyn Callback],
        epochs: usize,
    ) -> Result<Self, TrainError> {
        for (index, callback) in list.iter().enumerate() {
            if list[..index]
                .iter()
                .any(|other| other.name() == callback.name())
            {
                return Err(TrainError::Callback {
                    callback: callback.name().to_string(),
                    reason: "two callbacks share this name; a checkpoint keys their state by \
                             name, so give each its own"
                        .to_string(),
                });
            }
        }
        Ok(Callbacks {
            list,
            epochs,
            resumed_from: 0,
        })
    }

    pub(crate) fn set_resumed_from(&mut self, completed: usize) {
        self.resumed_from = completed;
    }

    /// Runs `event` on every callback in order; returns whether one asked to stop.
    pub(crate) fn run<N: Network>(
        &mut self,
        network: &mut N,
        optimizer: &mut dyn Optimizer,
        mut event: impl FnMut(&mut dyn Callback, &mut Control<'_>) -> Result<(), String>,
    ) -> Result<bool, TrainError> {
        let mut stop = false;
        for callback in self.list.iter_mut() {
            let mut control = Control {
                params: network.params_mut(),
                tensors: N::TENSORS,
                optimizer: &mut *optimizer,
                epochs: self.epochs,
                resumed_from: self.resumed_from,
                stop,
            };
            event(&mut **callback, &mut control).map_err(|reason| TrainError::Callback {
                callback: callback.name().to_string(),
                reason,
            })?;
            stop = control.stop;
        }
        Ok(stop)
    }

    /// Every callback's state, for a checkpoint.
    pub(crate) fn states(&self) -> Vec<(String, CallbackState)> {
        let states = self.list.iter().map(|c| (c.name().to_string(), c.state()));
        states.collect()
    }

    /// Restores the states a checkpoint recorded; every callback must find its own, and
    /// every recorded state its callback.
    pub(crate) fn restore(
        &mut self,
        recorded: &[(String, CallbackState)],
    ) -> Result<(), TrainError> {
        let error = |callback: &str, reason: String| TrainError::Callback {
            callback: callback.to_string(),
            reason,
        };
        if let Some((name, _)) = recorded
            .iter()
            .find(|(name, _)| !self.list.iter().any(|c| c.name() == name))
        {
            let reason = "the checkpoint holds its state, but this fit has no such callback; \
                          resume with the callbacks the run was started with";
            return Err(error(name, reason.to_string()));
        }
        for callback in self.list.iter_mut() {
            let name = callback.name().to_string();
            let state = match recorded.iter().find(|(recorded, _)| *recorded == name) {
                Some((_, state)) => state.clone(),
                None => CallbackState::default(),
            };
            callback
                .set_state(&state)
                .map_err(|reason| error(&name, reason))?;
        }
        Ok(())
    }
}
