//! 2-D max and average pooling over `[channels, height, width]` samples; slices may hold a
//! whole batch (any whole number of samples). Windows that overhang the input are not used
//! (`out = (in − size) / stride + 1`, as Keras' and PyTorch's defaults).

/// The fixed geometry of one pooling layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2dShape {
    /// Channels.
    pub channels: usize,
    /// Input height.
    pub in_height: usize,
    /// Input width.
    pub in_width: usize,
    /// Window height.
    pub size_h: usize,
    /// Window width.
    pub size_w: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Horizontal stride.
    pub stride_w: usize,
    /// Output height.
    pub out_height: usize,
    /// Output width.
    pub out_width: usize,
}

/// Checks the geometry and the slice lengths; returns the number of `in_height × in_width`
/// planes (samples × channels) the slices hold.
fn planes(what: &str, shape: &Pool2dShape, input: usize, output: usize) -> usize {
    let s = shape;
    assert!(
        s.stride_h >= 1 && s.stride_w >= 1,
        "{what}: strides must be at least 1, got {}×{}",
        s.stride_h,
        s.stride_w
    );
    assert!(
        (1..=s.in_height).contains(&s.size_h) && (1..=s.in_width).contains(&s.size_w),
        "{what}: a {}×{} window does not fit a {}×{} input",
        s.size_h,
        s.size_w,
        s.in_height,
        s.in_width
    );
    let want_h = (s.in_height - s.size_h) / s.stride_h + 1;
    let want_w = (s.in_width - s.size_w) / s.stride_w + 1;
    assert!(
        (s.out_height, s.out_width) == (want_h, want_w),
        "{what}: a {}×{} window with stride {}×{} over {}×{} gives {want_h}×{want_w} outputs, \
         but the shape says {}×{}",
        s.size_h,
        s.size_w,
        s.stride_h,
        s.stride_w,
        s.in_height,
        s.in_width,
        s.out_height,
        s.out_width
    );
    let sample = s.channels * s.in_height * s.in_width;
    if sample == 0 {
        assert!(
            input == 0 && output == 0,
            "{what}: 0 channels hold no values, got {input} inputs and {output} outputs"
        );
        return 0;
    }
    assert!(
        input.is_multiple_of(sample),
        "{what}: {input} input values are not a whole number of samples of {} channels × {}×{}",
        s.channels,
        s.in_height,
        s.in_width
    );
    let batch = input / sample;
    let want = batch * s.channels * s.out_height * s.out_width;
    assert_eq!(
        output, want,
        "{what}: {output} output values, but {batch} samples × {} channels × {}×{} need {want}",
        s.channels, s.out_height, s.out_width
    );
    batch * s.channels
}

/// Offset in the input plane of the first element of output `(y, x)`'s window.
#[inline(always)]
fn window_origin(s: &Pool2dShape, y: usize, x: usize) -> usize {
    y * s.stride_h * s.in_width + x * s.stride_w
}

/// The offset (in the plane) and value of the first maximal element of the window starting
/// at `origin`, in row-major window order. A NaN counts as the maximum, so it propagates.
#[inline]
fn window_argmax(s: &Pool2dShape, plane: &[f32], origin: usize) -> (usize, f32) {
    let (mut best, mut best_at) = (plane[origin], origin);
    for i in 0..s.size_h {
        let start = origin + i * s.in_width;
        for (j, &v) in plane[start..start + s.size_w].iter().enumerate() {
            if v.is_nan() {
                return (start + j, v);
            }
            if v > best {
                (best, best_at) = (v, start + j);
            }
        }
    }
    (best_at, best)
}

/// Maximum over each window.
pub fn max_pool2d_forward(shape: &Pool2dShape, input: &[f32], output: &mut [f32]) {
    let s = shape;
    if planes("max_pool2d_forward", s, input.len(), output.len()) == 0 {
        return;
    }
    let in_plane = s.in_height * s.in_width;
    let out_plane = s.out_height * s.out_width;
    let halving = is_halving(s);
    let halving_forward = super::kernels::active().max_pool_halving_forward;
    for (plane, out) in input
        .chunks_exact(in_plane)
        .zip(output.chunks_exact_mut(out_plane))
    {
        if halving {
            (halving_forward)(s, plane, out);
            continue;
        }
        for (y, row) in out.chunks_exact_mut(s.out_width).enumerate() {
            for (x, o) in row.iter_mut().enumerate() {
                *o = window_argmax(s, plane, window_origin(s, y, x)).1;
            }
        }
    }
}

/// 2×2 windows with stride 2, the common case, which has loops of its own below.
fn is_halving(s: &Pool2dShape) -> bool {
    (s.size_h, s.size_w, s.stride_h, s.stride_w) == (2, 2, 2, 2)
}

/// `b` if it beats `a` as the window's first maximum (greater, or the first NaN), else `a`.
#[inline(always)]
fn first_max(a: f32, b: f32) -> f32 {
    if b > a || (b.is_nan() && !a.is_nan()) {
        b
    } else {
        a
    }
}

/// [`first_max`] for values without NaN: one `maxss`, no branch.
#[inline(always)]
fn first_max_finite(a: f32, b: f32) -> f32 {
    if b > a {
        b
    } else {
        a
    }
}

/// The four values of each 2×2 window of a pair of input rows, `used` columns wide.
#[inline(always)]
fn windows_of(pair: &[f32], width: usize, used: usize) -> impl Iterator<Item = [f32; 4]> + '_ {
    let (top, bottom) = (&pair[..used], &pair[width..width + used]);
    top.chunks_exact(2)
        .zip(bottom.chunks_exact(2))
        .map(|(t, b)| [t[0], t[1], b[0], b[1]])
}

/// True if any of the values is NaN (or the sum overflows to one: then the careful path
/// runs for nothing, which is still right).
#[inline(always)]
fn has_nan(v: [f32; 4]) -> bool {
    (v[0] + v[1] + v[2] + v[3]).is_nan()
}

/// [`max_pool2d_forward`] of one plane with 2×2 windows, stride 2: two input rows per output
/// row, paired columns, no index arithmetic and no data-dependent branch in the loop; a row
/// with a NaN is redone with the NaN rule. Same result as [`window_argmax`]. The kernel
/// table's entry: the x86 tables run the same rows on AVX2.
pub(crate) fn max_pool_halving_forward(s: &Pool2dShape, plane: &[f32], out: &mut [f32]) {
    let (width, used) = (s.in_width, 2 * s.out_width);
    for (row, pair) in out
        .chunks_exact_mut(s.out_width)
        .zip(plane.chunks_exact(2 * width))
    {
        max_pool_halving_forward_row(pair, width, used, row);
    }
}

/// One output row of [`max_pool_halving_forward`]: `pair` holds the two input rows, `width`
/// long each, of which the windows use the first `used` columns.
pub(crate) fn max_pool_halving_forward_row(
    pair: &[f32],
    width: usize,
    used: usize,
    row: &mut [f32],
) {
    let mut nan = false;
    for (o, v) in row.iter_mut().zip(windows_of(pair, width, used)) {
        *o = first_max_finite(first_max_finite(v[0], v[1]), first_max_finite(v[2], v[3]));
        nan |= has_nan(v);
    }
    if nan {
        for (o, v) in row.iter_mut().zip(windows_of(pair, width, used)) {
            *o = first_max(first_max(v[0], v[1]), first_max(v[2], v[3]));
        }
    }
}

/// [`max_pool2d_backward`] of one plane with 2×2 windows, stride 2, overwriting `dx` (the
/// windows write all four of their places; what no window covers is zeroed). The kernel
/// table's entry: the x86 tables run the same rows on AVX2.
pub(crate) fn max_pool_halving_backward(
    s: &Pool2dShape,
    plane: &[f32],
    dy: &[f32],
    dx: &mut [f32],
) {
    let (width, used) = (s.in_width, 2 * s.out_width);
    for_each_halving_row(s, plane, dy, dx, |pair, dy, grads| {
        max_pool_halving_backward_row(pair, width, used, dy, grads);
    });
}

/// Calls `row(input pair, output gradient row, gradient pair)` for each output row of a 2×2,
/// stride-2 max pool's backward pass over one plane, after zeroing an odd last input row,
/// which no window covers.
#[inline(always)]
pub(crate) fn for_each_halving_row(
    s: &Pool2dShape,
    plane: &[f32],
    dy: &[f32],
    dx: &mut [f32],
    mut row: impl FnMut(&[f32], &[f32], &mut [f32]),
) {
    let width = s.in_width;
    dx[2 * s.out_height * width..].fill(0.0);
    let rows = plane
        .chunks_exact(2 * width)
        .zip(dx.chunks_exact_mut(2 * width));
    for ((pair, grads), dy) in rows.zip(dy.chunks_exact(s.out_width)) {
        row(pair, dy, grads);
    }
}

/// One output row of [`max_pool_halving_backward`]: `pair` holds the two input rows, `width`
/// long each, of which the windows use the first `used` columns; their gradients `grads`
/// (the same layout) are overwritten. Each gradient goes to its window's first maximum,
/// found as [`window_argmax`] finds it, without data-dependent branches (the maximum's
/// place is random); a row with a NaN is redone with the NaN rule.
pub(crate) fn max_pool_halving_backward_row(
    pair: &[f32],
    width: usize,
    used: usize,
    dy: &[f32],
    grads: &mut [f32],
) {
    let (grad_top, grad_bottom) = grads.split_at_mut(width);
    grad_top[used..].fill(0.0);
    grad_bottom[used..].fill(0.0);
    let grads = grad_top[..used]
        .chunks_exact_mut(2)
        .zip(grad_bottom[..used].chunks_exact_mut(2));
    let mut nan = false;
    for ((v, (gt, gb)), &g) in windows_of(pair, width, used).zip(grads).zip(dy) {
        let m = first_max_finite(first_max_finite(v[0], v[1]), first_max_finite(v[2], v[3]));
        // The first of the four equal to the maximum.
        let (e0, e1, e2) = (v[0] == m, v[1] == m, v[2] == m);
        let pick = |first: bool| if first { g } else { 0.0 };
        gt[0] = pick(e0);
        gt[1] = pick(e1 && !e0);
        gb[0] = pick(e2 && !(e0 || e1));
        gb[1] = pick(!(e0 || e1 || e2));
        nan |= has_nan(v);
    }
    if nan {
        let grads = grad_top[..used]
            .chunks_exact_mut(2)
            .zip(grad_bottom[..used].chunks_exact_mut(2));
        for ((v, (gt, gb)), &g) in windows_of(pair, width, used).zip(grads).zip(dy) {
            let mut best = 0;
            for k in 1..4 {
                if v[best].is_nan() {
                    break;
                }
                if v[k] > v[best] || v[k].is_nan() {
                    best = k;
                }
            }
            let mut to = [0.0; 4];
            to[best] = g;
            (gt[0], gt[1], gb[0], gb[1]) = (to[0], to[1], to[2], to[3]);
        }
    }
}

/// Routes each output gradient to the first maximal input of its window (recomputed from
/// `input` and `output`); *overwrites* `input_grad`.
pub fn max_pool2d_backward(
    shape: &Pool2dShape,
    input: &[f32],
    output: &[f32],
    output_grad: &[f32],
    input_grad: &mut [f32],
) {
    let what = "max_pool2d_backward";
    let s = shape;
    check_same_len(
        what,
        "output_grad",
        output_grad.len(),
        "output",
        output.len(),
    );
    check_same_len(what, "input_grad", input_grad.len(), "input", input.len());
    if planes(what, s, input.len(), output.len()) == 0 {
        return;
    }
    let halving = is_halving(s);
    if !halving {
        input_grad.fill(0.0);
    }
    let halving_backward = super::kernels::active().max_pool_halving_backward;
    let in_plane = s.in_height * s.in_width;
    let out_plane = s.out_height * s.out_width;
    let grads = input_grad.chunks_exact_mut(in_plane);
    for ((plane, dx), dy) in input
        .chunks_exact(in_plane)
        .zip(grads)
        .zip(output_grad.chunks_exact(out_plane))
    {
        if halving {
            (halving_backward)(s, plane, dy, dx);
            continue;
        }
        for (y, row) in dy.chunks_exact(s.out_width).enumerate() {
            for (x, &g) in row.iter().enumerate() {
                // Recomputed rather than matched against `output`: the same scan as the
                // forward pass, so ties and NaNs resolve the same way.
                dx[window_argmax(s, plane, window_origin(s, y, x)).0] += g;
            }
        }
    }
}

/// Mean over each window.
pub fn avg_pool2d_forward(shape: &Pool2dShape, input: &[f32], output: &mut [f32]) {
    let s = shape;
    if planes("avg_pool2d_forward", s, input.len(), output.len()) == 0 {
        return;
    }
    let in_plane = s.in_height * s.in_width;
    let out_plane = s.out_height * s.out_width;
    let area = (s.size_h * s.size_w) as f32;
    for (plane, out) in input
        .chunks_exact(in_plane)
        .zip(output.chunks_exact_mut(out_plane))
    {
        for (y, row) in out.chunks_exact_mut(s.out_width).enumerate() {
            for (x, o) in row.iter_mut().enumerate() {
                let origin = window_origin(s, y, x);
                let mut sum = 0.0f32;
                for i in 0..s.size_h {
                    let start = origin + i * s.in_width;
                    sum += plane[start..start + s.size_w].iter().sum::<f32>();
                }
                *o = sum / area;
            }
        }
    }
}

/// Spreads each output gradient evenly over its window; *overwrites* `input_grad`.
pub fn avg_pool2d_backward(shape: &Pool2dShape, output_grad: &[f32], input_grad: &mut [f32]) {
    let s = shape;
    if planes(
        "avg_pool2d_backward",
        s,
        input_grad.len(),
        output_grad.len(),
    ) == 0
    {
        return;
    }
    input_grad.fill(0.0);
    let in_plane = s.in_height * s.in_width;
    let out_plane = s.out_height * s.out_width;
    let area = (s.size_h * s.size_w) as f32;
    let grads = input_grad.chunks_exact_mut(in_plane);
    for (dx, dy) in grads.zip(output_grad.chunks_exact(out_plane)) {
        for (y, row) in dy.chunks_exact(s.out_width).enumerate() {
            for (x, &g) in row.iter().enumerate() {
                let (origin, share) = (window_origin(s, y, x), g / area);
                for i in 0..s.size_h {
                    let start = origin + i * s.in_width;
                    dx[start..start + s.size_w]
                        .iter_mut()
                        .for_each(|d| *d += share);
                }
            }
        }
    }
}

/// Asserts that two slices the caller must pair up have the same length.
fn check_same_len(what: &str, name: &str, len: usize, other: &str, other_len: usize) {
    assert_eq!(
        len, other_len,
        "{what}: {name} has {len} values, but {other} has {other_len}"
    );
}

#[cfg(test)]
#[path = "pool_tests.rs"]
mod tests;
