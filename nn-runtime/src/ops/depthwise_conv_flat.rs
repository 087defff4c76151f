//! The forward pass of a depthwise convolution at unit stride: the channel is copied once
//! into a zero-padded plane `Hp × Wp` (this thread's scratch), and the output is computed on
//! the padded plane's grid, `out_height` rows of `Wp`, as one contiguous sum per tap:
//! `grid[k] += w[i, j] · plane[k + i·Wp + j]`. Each output at `(y, x)`, `x < out_width`, is
//! `grid[y·Wp + x]`; the `Wp − out_width` columns past it are never read. Every tap is then a
//! single `axpy` of `out_height · Wp` values that vectorizes whole, where the direct loop
//! summed a 3-wide window per output on narrow maps (MobileNet's 12 × 12 to 3 × 3, keyword
//! spotting's 25 × 5) and the row-by-row loop paid its set-up per row on wide ones.
//!
//! Strided maps keep the direct loop: splitting the padded map into one plane per stride
//! phase (so that each tap reads contiguously again) cost more in the gathering copy than
//! it saved on visual wake words' stride-2 layers.

use super::{axpy, Conv2dShape};
use core::cell::RefCell;

/// Padded plane and grid up to this many floats together.
const MAX_SCRATCH: usize = 16_384;

std::thread_local! {
    /// The padded plane and the output grid: a fixed array in the thread's static storage (a
    /// const initializer and no destructor), so that using it never allocates.
    static SCRATCH: RefCell<[f32; MAX_SCRATCH]> = const { RefCell::new([0.0; MAX_SCRATCH]) };
}

/// `(Hp, Wp)`: the padded plane the windows of `s` (unit strides) read.
fn padded(s: &Conv2dShape) -> (usize, usize) {
    (s.out_height + s.kernel_h - 1, s.out_width + s.kernel_w - 1)
}

/// Whether [`channel`] computes `s`: unit strides, a nonempty output, the plane and the grid
/// within [`MAX_SCRATCH`].
pub(super) fn takes(s: &Conv2dShape) -> bool {
    if s.stride_h != 1 || s.stride_w != 1 || s.out_height == 0 || s.out_width == 0 {
        return false;
    }
    if s.kernel_h == 0 || s.kernel_w == 0 {
        return false;
    }
    let (hp, wp) = padded(s);
    let grid = s.out_height.checked_mul(wp);
    let plane = hp.checked_mul(wp);
    plane
        .zip(grid)
        .and_then(|(plane, grid)| plane.checked_add(grid))
        .is_some_and(|len| len <= MAX_SCRATCH)
}

/// One output map of a shape [`takes`] accepts: `out_map = bias + filter ⊛ in_map`.
pub(super) fn channel(
    s: &Conv2dShape,
    filter: &[f32],
    bias: f32,
    in_map: &[f32],
    out_map: &mut [f32],
) {
    let (hp, wp) = padded(s);
    let grid_len = s.out_height * wp;
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        let (plane, grid) = scratch.split_at_mut(hp * wp);
        let grid = &mut grid[..grid_len];
        fill_plane(s, in_map, (hp, wp), &mut plane[..hp * wp]);
        grid.fill(bias);
        // The last row's columns past `Wp − kernel_w + 1 = out_width` would read past the
        // plane: they are never read, so the sums stop before them.
        let len = grid_len - (s.kernel_w - 1);
        for i in 0..s.kernel_h {
            for j in 0..s.kernel_w {
                let w = filter[i * s.kernel_w + j];
                axpy(w, &plane[i * wp + j..][..len], 1, &mut grid[..len]);
            }
        }
        for (out_row, grid_row) in out_map.chunks_exact_mut(s.out_width).zip(grid.chunks(wp)) {
            out_row.copy_from_slice(&grid_row[..s.out_width]);
        }
    });
}

/// The zero-padded plane: input row `iy` at plane row `iy + pad_top`, column `ix` at
/// `ix + pad_left`, where those lie inside the plane; zeros elsewhere.
fn fill_plane(s: &Conv2dShape, in_map: &[f32], (hp, wp): (usize, usize), plane: &mut [f32]) {
    plane.fill(0.0);
    let cols = s.in_width.min(wp.saturating_sub(s.pad_left));
    let rows = s.in_height.min(hp.saturating_sub(s.pad_top));
    for (iy, in_row) in in_map
        .chunks_exact(s.in_width.max(1))
        .take(rows)
        .enumerate()
    {
        let at = (iy + s.pad_top) * wp + s.pad_left;
        plane[at..][..cols].copy_from_slice(&in_row[..cols]);
    }
}
