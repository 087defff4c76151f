//! The shape of one sample, and why a layer cannot take the one it is given: the shape
//! rules every kind's `resolve` applies, with the messages `network!` reports.

use core::fmt;

/// Dimensions a sample may have.
pub const MAX_RANK: usize = 8;

/// The shape of one sample, row-major: at most [`MAX_RANK`] dimensions.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    dims: [usize; MAX_RANK],
    rank: usize,
}

impl Shape {
    /// `dims` as a shape, or `None` past [`MAX_RANK`] dimensions.
    pub fn new(dims: &[usize]) -> Option<Shape> {
        let mut shape = Shape {
            dims: [0; MAX_RANK],
            rank: dims.len(),
        };
        shape.dims.get_mut(..dims.len())?.copy_from_slice(dims);
        Some(shape)
    }

    /// The dimensions.
    pub fn dims(&self) -> &[usize] {
        &self.dims[..self.rank]
    }

    /// Values in one sample, saturating (sizes are bounded by `network!` before they count).
    pub fn len(&self) -> usize {
        element_count(self.dims())
    }

    /// True for a shape with a zero dimension (never one `network!` accepts).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `[1, 28, 28]`.
impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[")?;
        for (i, d) in self.dims().iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{d}")?;
        }
        write!(f, "]")
    }
}

/// The values in a tensor of `dims`, saturating at `usize::MAX`.
pub fn element_count(dims: &[usize]) -> usize {
    dims.iter().fold(1, |n: usize, &d| n.saturating_mul(d))
}

/// Zeros around the input of a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// None: windows stay inside the input.
    Valid,
    /// The output is `ceil(input / stride)`; an odd total puts the extra row and column at
    /// the bottom and right (as Keras).
    Same,
    /// The same number of zeros on both sides: (rows, columns).
    Explicit(usize, usize),
}

/// A window (kernel or pooling) resolved over a `[channels, height, width]` input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Input channels.
    pub channels: usize,
    /// Input (height, width).
    pub input: (usize, usize),
    /// Window (height, width).
    pub size: (usize, usize),
    /// Step (height, width).
    pub stride: (usize, usize),
    /// Zeros above and left of the input; those below and right follow from `output`.
    pub pad_before: (usize, usize),
    /// Output (height, width).
    pub output: (usize, usize),
}

impl Window {
    /// The window of a `size` kernel moving by `stride` over `input`, padded as `padding`
    /// says, for a layer called `kind` (whose window is a `what`, for messages).
    pub fn resolve(
        kind: &'static str,
        what: &'static str,
        input: &[usize],
        size: (usize, usize),
        stride: (usize, usize),
        padding: Padding,
    ) -> Result<Window, ShapeError> {
        let &[channels, height, width] = input else {
            return Err(ShapeError::NotImage {
                kind,
                found: shape_of(input),
            });
        };
        let (height_pad, width_pad) = (
            axis_padding(height, size.0, stride.0, padding, 0),
            axis_padding(width, size.1, stride.1, padding, 1),
        );
        let padded = (
            height
                .saturating_add(height_pad.0)
                .saturating_add(height_pad.1),
            width
                .saturating_add(width_pad.0)
                .saturating_add(width_pad.1),
        );
        if size.0 > padded.0 || size.1 > padded.1 {
            return Err(ShapeError::WindowTooLarge {
                what,
                size,
                input: [channels, height, width],
                padded,
            });
        }
        Ok(Window {
            channels,
            input: (height, width),
            size,
            stride,
            pad_before: (height_pad.0, width_pad.0),
            output: (
                (padded.0 - size.0) / stride.0.max(1) + 1,
                (padded.1 - size.1) / stride.1.max(1) + 1,
            ),
        })
    }
}

/// Zeros (before, after) one axis of `input` values for a window of `size` and `stride`.
fn axis_padding(
    input: usize,
    size: usize,
    stride: usize,
    padding: Padding,
    axis: usize,
) -> (usize, usize) {
    match padding {
        Padding::Valid => (0, 0),
        Padding::Explicit(rows, columns) => {
            let pad = if axis == 0 { rows } else { columns };
            (pad, pad)
        }
        Padding::Same => {
            let output = input.div_ceil(stride.max(1));
            let total = output
                .saturating_sub(1)
                .saturating_mul(stride)
                .saturating_add(size)
                .saturating_sub(input);
            (total / 2, total - total / 2)
        }
    }
}

/// `dims` as a [`Shape`] for a message; `network!` never passes more than [`MAX_RANK`].
pub(super) fn shape_of(dims: &[usize]) -> Shape {
    Shape::new(dims).unwrap_or(Shape {
        dims: [0; MAX_RANK],
        rank: 0,
    })
}

/// Why a layer cannot take the shape it is given. Its message says what arrived and what
/// to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShapeError {
    /// A layer that needs a vector received more dimensions.
    NotVector {
        /// The layer's keyword.
        kind: &'static str,
        /// What it received.
        found: Shape,
    },
    /// Softmax received more than one dimension.
    SoftmaxNotVector {
        /// What it received.
        found: Shape,
    },
    /// Softmax over a single value.
    SoftmaxOfOne,
    /// A windowed layer received something other than `[channels, height, width]`.
    NotImage {
        /// The layer's keyword.
        kind: &'static str,
        /// What it received.
        found: Shape,
    },
    /// The window is larger than the (padded) input.
    WindowTooLarge {
        /// `kernel` or `pooling window`.
        what: &'static str,
        /// Window (height, width).
        size: (usize, usize),
        /// The input `[channels, height, width]`.
        input: [usize; 3],
        /// The input's (height, width) with its padding.
        padded: (usize, usize),
    },
    /// A required argument was not bound (`network!` reports it before resolving).
    MissingArgument {
        /// Its name.
        name: &'static str,
    },
    /// A recurrent layer received something other than `[steps, features]`.
    NotSequence {
        /// The layer's keyword.
        kind: &'static str,
        /// What it received.
        found: Shape,
    },
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShapeError::NotVector { kind, found } => {
                write!(f, "{kind} expects a 1-D input, but receives {found} (")?;
                for (i, d) in found.dims().iter().enumerate() {
                    write!(f, "{}{d}", if i > 0 { "×" } else { "" })?;
                }
                write!(f, " = {} values); add `flatten` before it", found.len())
            }
            ShapeError::SoftmaxNotVector { found } => write!(
                f,
                "softmax works on a 1-D input, but receives {found}; add `flatten` before it"
            ),
            ShapeError::SoftmaxOfOne => write!(
                f,
                "softmax over 1 value always outputs 1.0; use `sigmoid` for a single output"
            ),
            ShapeError::NotImage { kind, found } => {
                write!(
                    f,
                    "{kind} expects a [channels, height, width] input, but receives {found}"
                )?;
                if found.dims().len() == 2 {
                    write!(f, "; give the input a channel dimension, e.g. [1, h, w]")?;
                }
                Ok(())
            }
            ShapeError::WindowTooLarge {
                what,
                size,
                input: [channels, height, width],
                padded,
            } => {
                write!(
                    f,
                    "the {what} {}×{} does not fit the {height}×{width} input",
                    size.0, size.1
                )?;
                if *padded != (*height, *width) {
                    write!(f, " (padded: {}×{})", padded.0, padded.1)?;
                }
                // An input that looks like `[height, width, channels]`, the layout of
                // Keras and image files, rather than `nn`'s (and PyTorch's) channels first.
                let (h, w, c) = (*channels, *height, *width);
                if c <= 4 && h > c && w > c {
                    write!(
                        f,
                        "; `nn` takes images as [channels, height, width]: if {c} is the \
                         channels, write the shape [{c}, {h}, {w}]"
                    )?;
                }
                Ok(())
            }
            ShapeError::MissingArgument { name } => write!(f, "the argument `{name}` is missing"),
            ShapeError::NotSequence { kind, found } => write!(
                f,
                "{kind} expects a [steps, features] sequence, but receives {found}"
            ),
        }
    }
}
