//! Elman RNN: `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`.

use super::unrolled::{
    add_hidden_projection, add_output_grad, add_state_grad, clear_initial_state, matvec_add,
    project_inputs, store_state,
};
use super::{RecurrentShape, Stash, Weights};
use crate::ops::math;

/// One step of single-sample inference; `work` holds the pre-activation `[H]`.
pub(super) fn step(w: &Weights, x: &[f32], work: &mut [f32], h: &mut [f32]) {
    for (a, (&bi, &bh)) in work.iter_mut().zip(w.bias_ih.iter().zip(w.bias_hh)) {
        *a = bi + bh;
    }
    matvec_add(w.ih, x, work);
    matvec_add(w.hh, h, work);
    for (h, &a) in h.iter_mut().zip(work.iter()) {
        *h = math::tanh(a);
    }
}

/// Keeps every step's state in `gates` (the tanh output, whose derivative is `1 − h²`).
pub(super) fn forward_batch(
    shape: &RecurrentShape,
    w: &Weights,
    input: &[f32],
    output: &mut [f32],
    stash: &mut Stash,
    batch: usize,
) {
    let (h, steps) = (shape.units, shape.steps);
    project_inputs(
        shape,
        w.ih,
        |j| w.bias_ih[j] + w.bias_hh[j],
        input,
        stash.gates,
        batch,
    );
    clear_initial_state(shape, stash.prev, batch);
    for t in 0..steps {
        if t > 0 {
            let gates = &mut stash.gates[t * h..];
            add_hidden_projection(stash.prev, t, shape, w.hh, h, gates, steps * h, batch);
        }
        for b in 0..batch {
            let start = (b * steps + t) * h;
            let state = &mut stash.gates[start..start + h];
            state.iter_mut().for_each(|a| *a = math::tanh(*a));
            store_state(shape, state, stash.prev, output, b, t);
        }
    }
}

/// Leaves in `gates` the gradient of every step's pre-activation.
pub(super) fn backward_through_time(
    shape: &RecurrentShape,
    w: &Weights,
    output_grad: &[f32],
    stash: &mut Stash,
    batch: usize,
) {
    let (h, steps) = (shape.units, shape.steps);
    let dh_all = &mut stash.carried[..batch * h];
    dh_all.fill(0.0);
    for t in (0..steps).rev() {
        for b in 0..batch {
            let dh = &mut dh_all[b * h..(b + 1) * h];
            add_output_grad(shape, output_grad, dh, b, t);
            let start = (b * steps + t) * h;
            for (a, &d) in stash.gates[start..start + h].iter_mut().zip(dh.iter()) {
                *a = d * (1.0 - *a * *a);
            }
        }
        dh_all.fill(0.0);
        if t > 0 {
            let da = &stash.gates[t * h..];
            add_state_grad(da, steps * h, h, w.hh, dh_all, h, batch);
        }
    }
}
