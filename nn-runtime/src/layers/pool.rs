//! `max_pool2d(size)` and `avg_pool2d(size)`: the maximum or the mean over windows, per
//! channel, without padding.

use super::args::{ArgKind, ArgSpec, Args, KindInfo, SequenceRule};
use super::shape::{shape_of, Padding, Shape, ShapeError, Window};
use super::AnyLayer;
use super::{Definition, SamplePass, Tensors};
use crate::network::LayerOp;
use crate::ops::pool::{
    avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward, Pool2dShape,
};
use core::fmt;

/// Max pooling of a fixed geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPool2d(pub Pool2dShape);

/// Average pooling of a fixed geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvgPool2d(pub Pool2dShape);

// The gradient goes to each window's maximum, found again from `x` and `y`.
pooling_kernel!(MaxPool2d, max_pool2d_forward, |shape, pass, dx| {
    max_pool2d_backward(shape, pass.x, pass.y, pass.dy, dx)
});
// Each window's gradient is spread evenly over it.
pooling_kernel!(AvgPool2d, avg_pool2d_forward, |shape, pass, dx| {
    avg_pool2d_backward(shape, pass.dy, dx)
});

/// The window's size and stride, as [`LayerOp`] gives them.
fn window(shape: &Pool2dShape) -> ([usize; 2], [usize; 2]) {
    (
        [shape.size_h, shape.size_w],
        [shape.stride_h, shape.stride_w],
    )
}

/// `Pool2dShape { … }` as a Rust expression.
fn write_shape(shape: &Pool2dShape, path: &str, out: &mut dyn fmt::Write) -> fmt::Result {
    let Pool2dShape {
        channels,
        in_height,
        in_width,
        size_h,
        size_w,
        stride_h,
        stride_w,
        out_height,
        out_width,
    } = shape;
    write!(
        out,
        "{path}::Pool2dShape {{ channels: {channels}, in_height: {in_height}, \
         in_width: {in_width}, size_h: {size_h}, size_w: {size_w}, stride_h: {stride_h}, \
         stride_w: {stride_w}, out_height: {out_height}, out_width: {out_width} }}"
    )
}

/// The definition of a pooling kind: no tensors, no multiply-accumulates.
macro_rules! pooling_definition {
    ($kind:ident, $keyword:literal) => {
        impl Definition for $kind {
            fn keyword(&self) -> &'static str {
                $keyword
            }

            fn tensors(&self) -> Tensors {
                Tensors::NONE
            }

            fn flops(&self) -> u64 {
                0
            }

            fn op(&self) -> LayerOp {
                let (size, stride) = window(&self.0);
                LayerOp::$kind { size, stride }
            }

            fn sample_pass(&self) -> SamplePass {
                SamplePass::OutOfPlace
            }

            fn per_sample(&self) -> bool {
                true
            }

            fn write_literal(&self, path: &str, out: &mut dyn fmt::Write) -> fmt::Result {
                write!(out, concat!("{}::", stringify!($kind), "("), path)?;
                write_shape(&self.0, path, out)?;
                write!(out, ")")
            }
        }
    };
}

pooling_definition!(MaxPool2d, "max_pool2d");
pooling_definition!(AvgPool2d, "avg_pool2d");

/// The pooling geometry of windows of `size` moving by `stride` over `input`, for `kind`.
fn resolve_window(
    kind: &'static str,
    input: &[usize],
    size: (usize, usize),
    stride: (usize, usize),
) -> Result<(Pool2dShape, Shape), ShapeError> {
    let w = Window::resolve(kind, "pooling window", input, size, stride, Padding::Valid)?;
    let shape = Pool2dShape {
        channels: w.channels,
        in_height: w.input.0,
        in_width: w.input.1,
        size_h: w.size.0,
        size_w: w.size.1,
        stride_h: w.stride.0,
        stride_w: w.stride.1,
        out_height: w.output.0,
        out_width: w.output.1,
    };
    Ok((shape, shape_of(&[w.channels, w.output.0, w.output.1])))
}

impl MaxPool2d {
    /// Max pooling over a `[channels, height, width]` input; windows that overhang it are
    /// dropped. With the output shape.
    ///
    /// # Errors
    /// [`ShapeError::NotImage`] or [`ShapeError::WindowTooLarge`].
    pub fn resolve(
        input: &[usize],
        size: (usize, usize),
        stride: (usize, usize),
    ) -> Result<(MaxPool2d, Shape), ShapeError> {
        let (shape, output) = resolve_window("max_pool2d", input, size, stride)?;
        Ok((MaxPool2d(shape), output))
    }
}

impl AvgPool2d {
    /// Average pooling over a `[channels, height, width]` input; windows that overhang it
    /// are dropped. With the output shape.
    ///
    /// # Errors
    /// [`ShapeError::NotImage`] or [`ShapeError::WindowTooLarge`].
    pub fn resolve(
        input: &[usize],
        size: (usize, usize),
        stride: (usize, usize),
    ) -> Result<(AvgPool2d, Shape), ShapeError> {
        let (shape, output) = resolve_window("avg_pool2d", input, size, stride)?;
        Ok((AvgPool2d(shape), output))
    }
}

/// `max_pool2d(size)` and `avg_pool2d(size)`: `stride` defaults to the size.
const POOL_ARGS: &[ArgSpec] = &[
    ArgSpec::new("size", ArgKind::Pair, true, true, "max_pool2d(2)")
        .zero_means("an empty window sees nothing"),
    ArgSpec::new("stride", ArgKind::Pair, false, false, "stride = 2")
        .zero_means("a stride of zero never moves the window"),
];

/// (height, width).
type Pair = (usize, usize);

/// The window and stride of a pooling layer's arguments.
fn window_args(args: &Args<'_>) -> Result<(Pair, Pair), ShapeError> {
    let size = args
        .pair("size")
        .ok_or(ShapeError::MissingArgument { name: "size" })?;
    Ok((size, args.pair("stride").unwrap_or(size)))
}

/// `max_pool2d(size, stride = S)`.
pub const MAX_POOL2D: KindInfo = KindInfo {
    keyword: "max_pool2d",
    args: POOL_ARGS,
    sequence: SequenceRule::Rejects,
    resolve: |args, input| {
        let (size, stride) = window_args(args)?;
        let (layer, output) = MaxPool2d::resolve(input, size, stride)?;
        Ok((AnyLayer::MaxPool2d(layer), output))
    },
};

/// `avg_pool2d(size, stride = S)`.
pub const AVG_POOL2D: KindInfo = KindInfo {
    keyword: "avg_pool2d",
    args: POOL_ARGS,
    sequence: SequenceRule::Rejects,
    resolve: |args, input| {
        let (size, stride) = window_args(args)?;
        let (layer, output) = AvgPool2d::resolve(input, size, stride)?;
        Ok((AnyLayer::AvgPool2d(layer), output))
    },
};
