//! GRU, gates `r, z, n` in PyTorch's order: `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`,
//! `h' = (1 − z) ⊙ n + z ⊙ h`. The reset gate multiplies the *projected* state, so the `n`
//! gate's hidden projection is kept apart from its input projection.

use super::unrolled::{
    add_hidden_projection, add_output_grad, add_state_grad, clear_initial_state, matvec_add,
    project_inputs, store_state,
};
use super::{RecurrentShape, Stash, Weights};
use crate::ops::activation::sigmoid;
use crate::ops::math;

/// One step of single-sample inference; `work` holds the gates `[3H]` and `W_hn h + b_hn`.
pub(super) fn step(w: &Weights, x: &[f32], work: &mut [f32], h: &mut [f32]) {
    let units = h.len();
    let (gates, hidden_n) = work.split_at_mut(3 * units);
    gates.copy_from_slice(w.bias_ih);
    matvec_add(w.ih, x, gates);
    let (w_rz, w_n) = w.hh.split_at(2 * units * units);
    let rz = &mut gates[..2 * units];
    rz.iter_mut().zip(w.bias_hh).for_each(|(v, &b)| *v += b);
    matvec_add(w_rz, h, rz);
    hidden_n.copy_from_slice(&w.bias_hh[2 * units..]);
    matvec_add(w_n, h, hidden_n);
    for j in 0..units {
        let r = sigmoid(gates[j]);
        let z = sigmoid(gates[units + j]);
        let n = math::tanh(gates[2 * units + j] + r * hidden_n[j]);
        h[j] = (1.0 - z) * n + z * h[j];
    }
}

/// Keeps every step's activated gates in `gates` and `W_hn h + b_hn` in `extra`.
pub(super) fn forward_batch(
    shape: &RecurrentShape,
    w: &Weights,
    input: &[f32],
    output: &mut [f32],
    stash: &mut Stash,
    batch: usize,
) {
    let (h, steps) = (shape.units, shape.steps);
    let g = 3 * h;
    // The r and z gates take both biases up front; n's hidden bias goes with W_hn h.
    let bias = |j: usize| w.bias_ih[j] + if j < 2 * h { w.bias_hh[j] } else { 0.0 };
    project_inputs(shape, w.ih, bias, input, stash.gates, batch);
    for row in stash.extra.chunks_exact_mut(h) {
        row.copy_from_slice(&w.bias_hh[2 * h..]);
    }
    let (w_rz, w_n) = w.hh.split_at(2 * h * h);
    clear_initial_state(shape, stash.prev, batch);
    for t in 0..steps {
        if t > 0 {
            let gates = &mut stash.gates[t * g..];
            add_hidden_projection(stash.prev, t, shape, w_rz, 2 * h, gates, steps * g, batch);
            let hidden_n = &mut stash.extra[t * h..];
            add_hidden_projection(stash.prev, t, shape, w_n, h, hidden_n, steps * h, batch);
        }
        for b in 0..batch {
            let row = b * steps + t;
            let gates = &mut stash.gates[row * g..(row + 1) * g];
            let new_state = &mut stash.carried[b * h..(b + 1) * h];
            for j in 0..h {
                let r = sigmoid(gates[j]);
                let z = sigmoid(gates[h + j]);
                let n = math::tanh(gates[2 * h + j] + r * stash.extra[row * h + j]);
                (gates[j], gates[h + j], gates[2 * h + j]) = (r, z, n);
                new_state[j] = (1.0 - z) * n + z * stash.prev[row * h + j];
            }
            store_state(shape, new_state, stash.prev, output, b, t);
        }
    }
}

/// Leaves in `gates` the gradient of every gate's input-side pre-activation and in `extra`
/// that of `W_hn h + b_hn`.
pub(super) fn backward_through_time(
    shape: &RecurrentShape,
    w: &Weights,
    output_grad: &[f32],
    stash: &mut Stash,
    batch: usize,
) {
    let (h, steps) = (shape.units, shape.steps);
    let g = 3 * h;
    let (w_rz, w_n) = w.hh.split_at(2 * h * h);
    let dh_all = &mut stash.carried[..batch * h];
    dh_all.fill(0.0);
    for t in (0..steps).rev() {
        for b in 0..batch {
            let dh = &mut dh_all[b * h..(b + 1) * h];
            add_output_grad(shape, output_grad, dh, b, t);
            let row = b * steps + t;
            let gates = &mut stash.gates[row * g..(row + 1) * g];
            for j in 0..h {
                let (r, z, n) = (gates[j], gates[h + j], gates[2 * h + j]);
                let hidden_n = stash.extra[row * h + j];
                let previous = stash.prev[row * h + j];
                let d_n = dh[j] * (1.0 - z) * (1.0 - n * n);
                let d_z = dh[j] * (previous - n) * z * (1.0 - z);
                let d_r = d_n * hidden_n * r * (1.0 - r);
                stash.extra[row * h + j] = d_n * r;
                (gates[j], gates[h + j], gates[2 * h + j]) = (d_r, d_z, d_n);
                dh[j] *= z; // the direct path h → h'
            }
        }
        if t > 0 {
            add_state_grad(
                &stash.gates[t * g..],
                steps * g,
                2 * h,
                w_rz,
                dh_all,
                h,
                batch,
            );
            add_state_grad(&stash.extra[t * h..], steps * h, h, w_n, dh_all, h, batch);
        } else {
            dh_all.fill(0.0);
        }
    }
}
