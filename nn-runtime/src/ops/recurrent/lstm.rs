//! LSTM, gates `i, f, g, o` in PyTorch's order:
//! `c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)`, `h' = σ(o) ⊙ tanh(c')`.

use super::unrolled::{
    add_hidden_projection, add_output_grad, add_state_grad, clear_initial_state, matvec_add,
    project_inputs, store_state,
};
use super::{RecurrentShape, Stash, Weights};
use crate::ops::activation::sigmoid;
use crate::ops::math;

/// Applies the gate nonlinearities in place to one step's `[4H]` pre-activations.
fn activate(gates: &mut [f32], h: usize) {
    let (ifg, o) = gates.split_at_mut(3 * h);
    let (i_f, g) = ifg.split_at_mut(2 * h);
    i_f.iter_mut().for_each(|v| *v = sigmoid(*v));
    g.iter_mut().for_each(|v| *v = math::tanh(*v));
    o.iter_mut().for_each(|v| *v = sigmoid(*v));
}

/// One step of single-sample inference; `work` holds the gates `[4H]` and the cell `[H]`.
pub(super) fn step(w: &Weights, x: &[f32], work: &mut [f32], h: &mut [f32]) {
    let units = h.len();
    let (gates, cell) = work.split_at_mut(4 * units);
    for (a, (&bi, &bh)) in gates.iter_mut().zip(w.bias_ih.iter().zip(w.bias_hh)) {
        *a = bi + bh;
    }
    matvec_add(w.ih, x, gates);
    matvec_add(w.hh, h, gates);
    activate(gates, units);
    for j in 0..units {
        let (i, f, g, o) = (
            gates[j],
            gates[units + j],
            gates[2 * units + j],
            gates[3 * units + j],
        );
        cell[j] = f * cell[j] + i * g;
        h[j] = o * math::tanh(cell[j]);
    }
}

/// Keeps every step's activated gates in `gates` and its cell state in `extra`.
pub(super) fn forward_batch(
    shape: &RecurrentShape,
    w: &Weights,
    input: &[f32],
    output: &mut [f32],
    stash: &mut Stash,
    batch: usize,
) {
    let (h, steps) = (shape.units, shape.steps);
    let g = 4 * h;
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
            let gates = &mut stash.gates[t * g..];
            add_hidden_projection(stash.prev, t, shape, w.hh, g, gates, steps * g, batch);
        }
        for b in 0..batch {
            let row = b * steps + t;
            let gates = &mut stash.gates[row * g..(row + 1) * g];
            activate(gates, h);
            let new_state = &mut stash.carried[b * h..(b + 1) * h];
            for j in 0..h {
                let previous = if t > 0 {
                    stash.extra[(row - 1) * h + j]
                } else {
                    0.0
                };
                let (i, f, gg, o) = (gates[j], gates[h + j], gates[2 * h + j], gates[3 * h + j]);
                let c = f * previous + i * gg;
                stash.extra[row * h + j] = c;
                new_state[j] = o * math::tanh(c);
            }
            store_state(shape, new_state, stash.prev, output, b, t);
        }
    }
}

/// Leaves in `gates` the gradient of every step's gate pre-activations.
pub(super) fn backward_through_time(
    shape: &RecurrentShape,
    w: &Weights,
    output_grad: &[f32],
    stash: &mut Stash,
    batch: usize,
) {
    let (h, steps) = (shape.units, shape.steps);
    let g = 4 * h;
    let (dh_all, dc_all) = stash.carried.split_at_mut(batch * h);
    dh_all.fill(0.0);
    dc_all.fill(0.0);
    for t in (0..steps).rev() {
        for b in 0..batch {
            let dh = &mut dh_all[b * h..(b + 1) * h];
            add_output_grad(shape, output_grad, dh, b, t);
            let dc = &mut dc_all[b * h..(b + 1) * h];
            let row = b * steps + t;
            let gates = &mut stash.gates[row * g..(row + 1) * g];
            for j in 0..h {
                let (i, f, gg, o) = (gates[j], gates[h + j], gates[2 * h + j], gates[3 * h + j]);
                let c = stash.extra[row * h + j];
                let previous = if t > 0 {
                    stash.extra[(row - 1) * h + j]
                } else {
                    0.0
                };
                let tanh_c = math::tanh(c);
                let d_o = dh[j] * tanh_c;
                let d_c = dc[j] + dh[j] * o * (1.0 - tanh_c * tanh_c);
                dc[j] = d_c * f;
                gates[j] = d_c * gg * i * (1.0 - i);
                gates[h + j] = d_c * previous * f * (1.0 - f);
                gates[2 * h + j] = d_c * i * (1.0 - gg * gg);
                gates[3 * h + j] = d_o * o * (1.0 - o);
            }
        }
        dh_all.fill(0.0);
        if t > 0 {
            let da = &stash.gates[t * g..];
            add_state_grad(da, steps * g, g, w.hh, dh_all, h, batch);
        }
    }
}
