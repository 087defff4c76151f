//! `conv2d(filters, kernel = …)`: a 2-D convolution with bias over `[C, H, W]` samples; the
//! weight is `[filters, C, KH, KW]` (PyTorch's layout).

use super::args::{init_of, ArgKind, ArgSpec, KindInfo, SequenceRule, INIT};
use super::definition::product;
use super::shape::{shape_of, Padding, Shape, ShapeError, Window};
use super::AnyLayer;
use super::{Backward, Definition, Init, Kernel, SamplePass, TensorSpec, Tensors};
use crate::network::LayerOp;
use crate::network::Mode;
use crate::ops::conv::{
    conv2d_backward_batch_from_input, conv2d_forward, conv2d_forward_batch_for_training,
    conv2d_infer_batch, Conv2dShape,
};
use crate::rng::Rng;
use core::fmt;

/// A convolution of a fixed geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2d {
    /// Channels, sizes, kernel, stride and padding.
    pub shape: Conv2dShape,
    /// How the weight starts.
    pub init: Init,
}

impl Conv2d {
    fn weight_len(&self) -> usize {
        let s = &self.shape;
        s.out_channels * s.in_channels * s.kernel_h * s.kernel_w
    }
}

impl Kernel for Conv2d {
    /// Training keeps each sample's im2col matrix for the weight gradient.
    fn aux_width(&self) -> usize {
        self.shape.col_len()
    }

    fn state_len(&self) -> usize {
        0
    }

    fn init(&self, params: &mut [f32], rng: &mut Rng) {
        let s = &self.shape;
        let area = s.kernel_h * s.kernel_w;
        let weight = &mut params[..self.weight_len()];
        self.init
            .fill(weight, s.in_channels * area, s.out_channels * area, rng);
    }

    fn forward_sample(&self, params: &[f32], x: &[f32], y: &mut [f32], _state: &mut [f32]) {
        let (weight, bias) = params.split_at(self.weight_len());
        conv2d_forward(&self.shape, weight, bias, x, y);
    }

    fn forward_batch(
        &self,
        params: &[f32],
        x: &[f32],
        y: &mut [f32],
        aux: &mut [f32],
        batch: usize,
        mode: Mode,
        _rng: &mut Rng,
    ) {
        let (weight, bias) = params.split_at(self.weight_len());
        match mode {
            Mode::Train => {
                conv2d_forward_batch_for_training(&self.shape, weight, bias, x, y, aux, batch)
            }
            // Inference needs no im2col matrices for a backward pass.
            Mode::Infer => conv2d_infer_batch(&self.shape, weight, bias, x, y, batch),
        }
    }

    fn backward_batch(
        &self,
        params: &[f32],
        pass: Backward<'_>,
        param_grads: &mut [f32],
        batch: usize,
    ) {
        let (weight, _) = params.split_at(self.weight_len());
        let (weight_grad, bias_grad) = param_grads.split_at_mut(weight.len());
        conv2d_backward_batch_from_input(
            &self.shape,
            weight,
            pass.x,
            pass.dy,
            pass.dx,
            weight_grad,
            bias_grad,
            pass.aux,
            batch,
        );
    }
}

impl Definition for Conv2d {
    fn keyword(&self) -> &'static str {
        "conv2d"
    }

    fn tensors(&self) -> Tensors {
        let s = &self.shape;
        Tensors::of([
            TensorSpec::trained(
                "weight",
                [s.out_channels, s.in_channels, s.kernel_h, s.kernel_w],
            ),
            TensorSpec::trained("bias", [s.out_channels]),
        ])
    }

    fn flops(&self) -> u64 {
        let s = &self.shape;
        product(&[
            2,
            s.out_channels,
            s.in_channels,
            s.kernel_h,
            s.kernel_w,
            s.out_height,
            s.out_width,
        ])
    }

    fn op(&self) -> LayerOp {
        let s = &self.shape;
        LayerOp::Conv2d {
            filters: s.out_channels,
            kernel: [s.kernel_h, s.kernel_w],
            stride: [s.stride_h, s.stride_w],
            padding: pads(s),
        }
    }

    fn sample_pass(&self) -> SamplePass {
        SamplePass::OutOfPlace
    }

    fn per_sample(&self) -> bool {
        true
    }

    fn write_literal(&self, path: &str, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "{path}::Conv2d {{ shape: ")?;
        write_shape(&self.shape, path, out)?;
        write!(out, ", init: ")?;
        self.init.write_literal(path, out)?;
        write!(out, " }}")
    }
}

/// The zeros (top, left, bottom, right) around the input, as ONNX's `pads` orders them:
/// below and right, whatever the last window reaches past the input.
pub(super) fn pads(s: &Conv2dShape) -> [usize; 4] {
    let after = |input: usize, size: usize, stride: usize, output: usize, before: usize| {
        (output.saturating_sub(1) * stride + size).saturating_sub(input + before)
    };
    let bottom = after(s.in_height, s.kernel_h, s.stride_h, s.out_height, s.pad_top);
    let right = after(s.in_width, s.kernel_w, s.stride_w, s.out_width, s.pad_left);
    [s.pad_top, s.pad_left, bottom, right]
}

/// `Conv2dShape { … }` as a Rust expression.
pub(super) fn write_shape(
    shape: &Conv2dShape,
    path: &str,
    out: &mut dyn fmt::Write,
) -> fmt::Result {
    let Conv2dShape {
        in_channels,
        in_height,
        in_width,
        out_channels,
        kernel_h,
        kernel_w,
        stride_h,
        stride_w,
        pad_top,
        pad_left,
        out_height,
        out_width,
    } = shape;
    write!(
        out,
        "{path}::Conv2dShape {{ in_channels: {in_channels}, in_height: {in_height}, \
         in_width: {in_width}, out_channels: {out_channels}, kernel_h: {kernel_h}, \
         kernel_w: {kernel_w}, stride_h: {stride_h}, stride_w: {stride_w}, \
         pad_top: {pad_top}, pad_left: {pad_left}, out_height: {out_height}, \
         out_width: {out_width} }}"
    )
}

impl Conv2d {
    /// A convolution of `filters` windows of `kernel` over a `[channels, height, width]`
    /// input; with its output shape `[filters, out_height, out_width]`.
    ///
    /// # Errors
    /// [`ShapeError::NotImage`] or [`ShapeError::WindowTooLarge`].
    pub fn resolve(
        input: &[usize],
        filters: usize,
        kernel: (usize, usize),
        stride: (usize, usize),
        padding: Padding,
        init: Init,
    ) -> Result<(Conv2d, Shape), ShapeError> {
        let w = Window::resolve("conv2d", "kernel", input, kernel, stride, padding)?;
        let shape = conv_shape(&w, filters);
        let output = shape_of(&[filters, w.output.0, w.output.1]);
        Ok((Conv2d { shape, init }, output))
    }
}

/// The geometry of a convolution of `out_channels` over the window `w`.
pub(super) fn conv_shape(w: &Window, out_channels: usize) -> Conv2dShape {
    Conv2dShape {
        in_channels: w.channels,
        in_height: w.input.0,
        in_width: w.input.1,
        out_channels,
        kernel_h: w.size.0,
        kernel_w: w.size.1,
        stride_h: w.stride.0,
        stride_w: w.stride.1,
        pad_top: w.pad_before.0,
        pad_left: w.pad_before.1,
        out_height: w.output.0,
        out_width: w.output.1,
    }
}

/// `conv2d(filters, kernel = K, stride = S, padding = P, init = he | glorot)`.
pub const KIND: KindInfo = KindInfo {
    keyword: "conv2d",
    args: &[
        ArgSpec::new(
            "filters",
            ArgKind::Count,
            true,
            true,
            "conv2d(8, kernel = 3)",
        )
        .zero_means("a layer of no filters has no outputs"),
        ArgSpec::new("kernel", ArgKind::Pair, true, true, "conv2d(8, kernel = 3)")
            .zero_means("an empty kernel sees nothing"),
        ArgSpec::new("stride", ArgKind::Pair, false, false, "stride = 2")
            .zero_means("a stride of zero never moves the kernel"),
        ArgSpec::new("padding", ArgKind::Padding, false, false, "padding = same"),
        INIT,
    ],
    sequence: SequenceRule::Rejects,
    resolve: |args, input| {
        let kernel = args
            .pair("kernel")
            .ok_or(ShapeError::MissingArgument { name: "kernel" })?;
        let (layer, output) = Conv2d::resolve(
            input,
            args.count("filters")?,
            kernel,
            args.pair("stride").unwrap_or((1, 1)),
            args.padding("padding"),
            init_of(args),
        )?;
        Ok((AnyLayer::Conv2d(layer), output))
    },
};
