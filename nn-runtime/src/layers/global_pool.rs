//! `global_avg_pool2d` and `global_max_pool2d`: the mean or the maximum of each channel's
//! whole map, `[C, H, W]` → `[C]` (Keras' `GlobalAveragePooling2D`, `GlobalMaxPooling2D`).

use super::args::{KindInfo, SequenceRule};
use super::shape::{shape_of, Shape, ShapeError};
use super::AnyLayer;
use super::{Definition, SamplePass, Tensors};
use crate::network::LayerOp;
use crate::ops::global_pool::{
    global_avg_pool2d_backward, global_avg_pool2d_forward, global_max_pool2d_backward,
    global_max_pool2d_forward, GlobalPoolShape,
};
use core::fmt;

/// Global average pooling over maps of a fixed size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalAvgPool2d(pub GlobalPoolShape);

/// Global max pooling over maps of a fixed size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalMaxPool2d(pub GlobalPoolShape);

/// A global pooling kind: its kernels (`$forward` over any number of samples, the backward
/// pass `$backward(shape, pass, dx)`), its definition and how it resolves.
macro_rules! global_pool_kind {
    ($kind:ident, $keyword:literal, $forward:ident, |$shape:ident, $pass:ident, $dx:ident| $backward:expr) => {
        pooling_kernel!($kind, $forward, |$shape, $pass, $dx| $backward);

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
                LayerOp::$kind
            }

            fn sample_pass(&self) -> SamplePass {
                SamplePass::OutOfPlace
            }

            fn per_sample(&self) -> bool {
                true
            }

            fn write_literal(&self, path: &str, out: &mut dyn fmt::Write) -> fmt::Result {
                let GlobalPoolShape {
                    channels,
                    height,
                    width,
                } = self.0;
                write!(
                    out,
                    concat!(
                        "{path}::",
                        stringify!($kind),
                        "({path}::GlobalPoolShape {{ channels: {channels}, height: {height}, \
                         width: {width} }})"
                    ),
                    path = path,
                    channels = channels,
                    height = height,
                    width = width
                )
            }
        }

        impl $kind {
            /// Over a `[channels, height, width]` input; with the output shape `[channels]`.
            ///
            /// # Errors
            /// [`ShapeError::NotImage`].
            pub fn resolve(input: &[usize]) -> Result<($kind, Shape), ShapeError> {
                let &[channels, height, width] = input else {
                    return Err(ShapeError::NotImage {
                        kind: $keyword,
                        found: shape_of(input),
                    });
                };
                let shape = GlobalPoolShape {
                    channels,
                    height,
                    width,
                };
                Ok(($kind(shape), shape_of(&[channels])))
            }
        }
    };
}

// Each map's gradient is spread evenly over it.
global_pool_kind!(
    GlobalAvgPool2d,
    "global_avg_pool2d",
    global_avg_pool2d_forward,
    |shape, pass, dx| global_avg_pool2d_backward(shape, pass.dy, dx)
);
// The gradient goes to each map's first maximum, found again from `x`.
global_pool_kind!(
    GlobalMaxPool2d,
    "global_max_pool2d",
    global_max_pool2d_forward,
    |shape, pass, dx| global_max_pool2d_backward(shape, pass.x, pass.dy, dx)
);

/// `global_avg_pool2d`.
pub const GLOBAL_AVG_POOL2D: KindInfo = KindInfo {
    keyword: "global_avg_pool2d",
    args: &[],
    sequence: SequenceRule::Rejects,
    resolve: |_args, input| {
        let (layer, output) = GlobalAvgPool2d::resolve(input)?;
        Ok((AnyLayer::GlobalAvgPool2d(layer), output))
    },
};

/// `global_max_pool2d`.
pub const GLOBAL_MAX_POOL2D: KindInfo = KindInfo {
    keyword: "global_max_pool2d",
    args: &[],
    sequence: SequenceRule::Rejects,
    resolve: |_args, input| {
        let (layer, output) = GlobalMaxPool2d::resolve(input)?;
        Ok((AnyLayer::GlobalMaxPool2d(layer), output))
    },
};
