//! `depthwise_conv2d(kernel = …)`: a convolution of each input channel on its own, with
//! `depth_multiplier` filters per channel, over `[C, H, W]` samples → `[C·M, H', W']`.
//! The weight is `[C·M, 1, KH, KW]`, PyTorch's layout for `Conv2d(C, C·M, groups = C)`, so a
//! PyTorch depthwise layer's `weight` and `bias` load as they are (Keras' `(KH, KW, C, M)`
//! kernel becomes ours by moving `C` and `M` to the front, `C` first); the bias is optional.

use super::args::{init_of, ArgKind, ArgSpec, ArgValue, KindInfo, SequenceRule, INIT};
use super::conv2d::{conv_shape, pads, write_shape};
use super::definition::product;
use super::shape::{shape_of, Padding, Shape, ShapeError, Window};
use super::AnyLayer;
use super::{Backward, Definition, Init, Kernel, SamplePass, TensorSpec, Tensors};
use crate::network::LayerOp;
use crate::network::Mode;
use crate::ops::conv::Conv2dShape;
use crate::ops::depthwise_conv::{depthwise_conv2d_backward, depthwise_conv2d_forward, multiplier};
use crate::rng::Rng;
use core::fmt;

/// A depthwise convolution of a fixed geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DepthwiseConv2d {
    /// Channels, sizes, kernel, stride and padding; `out_channels` is `in_channels` times
    /// the depth multiplier.
    pub shape: Conv2dShape,
    /// Whether it adds a bias per output channel.
    pub bias: bool,
    /// How the weight starts.
    pub init: Init,
}

impl DepthwiseConv2d {
    fn weight_len(&self) -> usize {
        let s = &self.shape;
        s.out_channels * s.kernel_h * s.kernel_w
    }
}

impl Kernel for DepthwiseConv2d {
    /// The backward pass reads the layer's input, which the network keeps anyway.
    fn aux_width(&self) -> usize {
        0
    }

    fn state_len(&self) -> usize {
        0
    }

    /// Each output sees `KH·KW` inputs, each input feeds `M·KH·KW` outputs.
    fn init(&self, params: &mut [f32], rng: &mut Rng) {
        let s = &self.shape;
        let area = s.kernel_h * s.kernel_w;
        let weight = &mut params[..self.weight_len()];
        self.init.fill(weight, area, multiplier(s) * area, rng);
    }

    fn forward_sample(&self, params: &[f32], x: &[f32], y: &mut [f32], _state: &mut [f32]) {
        let (weight, bias) = params.split_at(self.weight_len());
        depthwise_conv2d_forward(&self.shape, weight, bias, x, y);
    }

    fn forward_batch(
        &self,
        params: &[f32],
        x: &[f32],
        y: &mut [f32],
        _aux: &mut [f32],
        _batch: usize,
        _mode: Mode,
        _rng: &mut Rng,
    ) {
        let (weight, bias) = params.split_at(self.weight_len());
        depthwise_conv2d_forward(&self.shape, weight, bias, x, y);
    }

    fn backward_batch(
        &self,
        params: &[f32],
        pass: Backward<'_>,
        param_grads: &mut [f32],
        _batch: usize,
    ) {
        let weight = &params[..self.weight_len()];
        let (weight_grad, bias_grad) = param_grads.split_at_mut(self.weight_len());
        depthwise_conv2d_backward(
            &self.shape,
            weight,
            pass.x,
            pass.dy,
            pass.dx,
            weight_grad,
            bias_grad,
        );
    }
}

impl Definition for DepthwiseConv2d {
    fn keyword(&self) -> &'static str {
        "depthwise_conv2d"
    }

    fn tensors(&self) -> Tensors {
        let s = &self.shape;
        let weight = TensorSpec::trained("weight", [s.out_channels, 1, s.kernel_h, s.kernel_w]);
        if self.bias {
            Tensors::of([weight, TensorSpec::trained("bias", [s.out_channels])])
        } else {
            Tensors::of([weight])
        }
    }

    fn flops(&self) -> u64 {
        let s = &self.shape;
        product(&[
            2,
            s.out_channels,
            s.kernel_h,
            s.kernel_w,
            s.out_height,
            s.out_width,
        ])
    }

    fn op(&self) -> LayerOp {
        let s = &self.shape;
        LayerOp::DepthwiseConv2d {
            depth_multiplier: multiplier(s),
            kernel: [s.kernel_h, s.kernel_w],
            stride: [s.stride_h, s.stride_w],
            padding: pads(s),
            bias: self.bias,
        }
    }

    fn sample_pass(&self) -> SamplePass {
        SamplePass::OutOfPlace
    }

    fn per_sample(&self) -> bool {
        true
    }

    fn write_literal(&self, path: &str, out: &mut dyn fmt::Write) -> fmt::Result {
        write!(out, "{path}::DepthwiseConv2d {{ shape: ")?;
        write_shape(&self.shape, path, out)?;
        write!(out, ", bias: {}, init: ", self.bias)?;
        self.init.write_literal(path, out)?;
        write!(out, " }}")
    }
}

impl DepthwiseConv2d {
    /// A depthwise convolution of `kernel` with `multiplier` filters per channel over a
    /// `[channels, height, width]` input; with its output shape
    /// `[channels · multiplier, out_height, out_width]`.
    ///
    /// # Errors
    /// [`ShapeError::NotImage`] or [`ShapeError::WindowTooLarge`].
    pub fn resolve(
        input: &[usize],
        kernel: (usize, usize),
        stride: (usize, usize),
        padding: Padding,
        multiplier: usize,
        bias: bool,
        init: Init,
    ) -> Result<(DepthwiseConv2d, Shape), ShapeError> {
        let w = Window::resolve("depthwise_conv2d", "kernel", input, kernel, stride, padding)?;
        let channels = w.channels.saturating_mul(multiplier);
        let shape = conv_shape(&w, channels);
        let output = shape_of(&[channels, w.output.0, w.output.1]);
        Ok((DepthwiseConv2d { shape, bias, init }, output))
    }
}

/// `depthwise_conv2d(kernel = K, stride = S, padding = P, depth_multiplier = M,
/// bias = true | false, init = he | glorot)`.
pub const KIND: KindInfo = KindInfo {
    keyword: "depthwise_conv2d",
    args: &[
        // Named, not positional: a count written first, as `conv2d`'s filters are, is then
        // an error on that count rather than a kernel.
        ArgSpec::new(
            "kernel",
            ArgKind::Pair,
            true,
            false,
            "depthwise_conv2d(kernel = 3)",
        )
        .zero_means("an empty kernel sees nothing"),
        ArgSpec::new("stride", ArgKind::Pair, false, false, "stride = 2")
            .zero_means("a stride of zero never moves the kernel"),
        ArgSpec::new("padding", ArgKind::Padding, false, false, "padding = same"),
        ArgSpec::new(
            "depth_multiplier",
            ArgKind::Count,
            false,
            false,
            "depth_multiplier = 2",
        )
        .zero_means("a multiplier of zero makes no filters"),
        ArgSpec::new("bias", ArgKind::Bool, false, false, "bias = false"),
        INIT,
    ],
    sequence: SequenceRule::Rejects,
    resolve: |args, input| {
        let kernel = args
            .pair("kernel")
            .ok_or(ShapeError::MissingArgument { name: "kernel" })?;
        let multiplier = match args.get("depth_multiplier") {
            Some(ArgValue::Count(m)) => m,
            _ => 1,
        };
        let (layer, output) = DepthwiseConv2d::resolve(
            input,
            kernel,
            args.pair("stride").unwrap_or((1, 1)),
            args.padding("padding"),
            multiplier,
            // A bias unless told otherwise.
            !matches!(args.get("bias"), Some(ArgValue::Bool(false))),
            init_of(args),
        )?;
        Ok((AnyLayer::DepthwiseConv2d(layer), output))
    },
};
