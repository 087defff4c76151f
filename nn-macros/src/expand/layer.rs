//! Per-layer code: the runtime value each layer resolves to (a type of
//! `nn::__private::layers` holding its geometry), and the few calls generated code makes
//! with it, the same for every kind. The kernels live with those types in the runtime.

use super::{lit, rt};
use crate::ir::{element_count, Cell, Init, Layer, LayerKind};
use crate::shape;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

/// The layer's runtime value, e.g. `::nn::__private::layers::Dense { inputs: 784, … }`.
pub fn value(layer: &Layer) -> TokenStream {
    let rt = rt();
    let layers = quote!(#rt::layers);
    let init = |init: Init| match init {
        Init::He => quote!(#layers::Init::He),
        Init::Glorot => quote!(#layers::Init::Glorot),
    };
    let width = lit(element_count(&layer.output_shape));
    match layer.kind {
        LayerKind::Dense { units, init: i } => {
            let (inputs, units, init) =
                (lit(element_count(&layer.input_shape)), lit(units), init(i));
            quote!(#layers::Dense { inputs: #inputs, units: #units, init: #init })
        }
        LayerKind::Relu => quote!(#layers::Relu),
        LayerKind::LeakyRelu { alpha } => quote!(#layers::LeakyRelu { alpha: #alpha }),
        LayerKind::Sigmoid => quote!(#layers::Sigmoid),
        LayerKind::Tanh => quote!(#layers::Tanh),
        LayerKind::Softmax => quote!(#layers::Softmax { width: #width }),
        LayerKind::Flatten => quote!(#layers::Flatten { width: #width }),
        LayerKind::Conv2d { init: i, .. } => {
            let (shape, init) = (window_shape(layer), init(i));
            quote!(#layers::Conv2d { shape: #shape, init: #init })
        }
        LayerKind::MaxPool2d { .. } => {
            let shape = window_shape(layer);
            quote!(#layers::MaxPool2d(#shape))
        }
        LayerKind::AvgPool2d { .. } => {
            let shape = window_shape(layer);
            quote!(#layers::AvgPool2d(#shape))
        }
        LayerKind::Dropout { rate } => quote!(#layers::Dropout { rate: #rate, width: #width }),
        LayerKind::BatchNorm { momentum, epsilon } => {
            let (channels, spatial) = shape::batch_norm_groups(&layer.input_shape);
            let (channels, spatial) = (lit(channels), lit(spatial));
            quote!(#layers::BatchNorm(#rt::BatchNormShape {
                channels: #channels, spatial: #spatial, momentum: #momentum, epsilon: #epsilon,
            }))
        }
        LayerKind::Recurrent {
            cell: kind,
            units,
            sequences,
        } => {
            let (steps, features) = match layer.input_shape[..] {
                [steps, features] => (lit(steps), lit(features)),
                _ => {
                    return checked_away(layer, "a recurrent layer needs a [steps, features] input")
                }
            };
            let (cell, units) = (cell(kind), lit(units));
            quote!(#layers::Recurrent(#rt::RecurrentShape {
                cell: #cell, steps: #steps, features: #features, units: #units, sequences: #sequences,
            }))
        }
    }
}

/// `Conv2dShape { … }` or `Pool2dShape { … }` of a windowed layer.
fn window_shape(layer: &Layer) -> TokenStream {
    let rt = rt();
    let w = match shape::window(&layer.kind, &layer.input_shape) {
        Ok(window) => window,
        Err(message) => return checked_away(layer, &message),
    };
    let [c, ih, iw, kh, kw, sh, sw, oh, ow] = [
        w.channels, w.input.0, w.input.1, w.size.0, w.size.1, w.stride.0, w.stride.1, w.output.0,
        w.output.1,
    ]
    .map(lit);
    match layer.kind {
        LayerKind::Conv2d { filters, .. } => {
            let (f, pt, pl) = (lit(filters), lit(w.pad_before.0), lit(w.pad_before.1));
            quote!(#rt::Conv2dShape {
                in_channels: #c, in_height: #ih, in_width: #iw, out_channels: #f, kernel_h: #kh, kernel_w: #kw,
                stride_h: #sh, stride_w: #sw, pad_top: #pt, pad_left: #pl, out_height: #oh, out_width: #ow,
            })
        }
        _ => quote!(#rt::Pool2dShape {
            channels: #c, in_height: #ih, in_width: #iw, size_h: #kh, size_w: #kw,
            stride_h: #sh, stride_w: #sw, out_height: #oh, out_width: #ow,
        }),
    }
}

/// What `check` rules out: should it ever reach code generation, a compile error on the
/// layer, never a panic.
fn checked_away(layer: &Layer, message: &str) -> TokenStream {
    let core = super::core();
    quote_spanned!(layer.span=> #core::compile_error!(#message))
}

/// The runtime's `Cell` value.
pub fn cell(cell: Cell) -> TokenStream {
    let rt = rt();
    match cell {
        Cell::Rnn => quote!(#rt::Cell::Rnn),
        Cell::Lstm => quote!(#rt::Cell::Lstm),
        Cell::Gru => quote!(#rt::Cell::Gru),
    }
}

/// The `start..end` range of all of a layer's tensors, which are adjacent (`0..0` for none).
fn param_range(layer: &Layer) -> TokenStream {
    let (start, end) = match (layer.tensors.first(), layer.tensors.last()) {
        (Some(first), Some(last)) => (first.offset, last.offset + element_count(&last.shape)),
        _ => (0, 0),
    };
    let (start, end) = (lit(start), lit(end));
    quote!(#start..#end)
}

/// Single-sample scratch a layer needs besides its input and output buffers.
pub fn state_len(layer: &Layer) -> usize {
    match layer.kind {
        LayerKind::Recurrent { cell, units, .. } => {
            let extra = usize::from(cell != Cell::Rnn);
            (cell.gates() + extra + 1) * units
        }
        _ => 0,
    }
}

/// Single-sample inference of a layer that changes its buffer's size: `src` → `dst`.
pub fn sample_out_of_place(layer: &Layer, src: TokenStream, dst: TokenStream) -> TokenStream {
    let rt = rt();
    let (value, params, state) = (value(layer), param_range(layer), lit(state_len(layer)));
    quote!(#rt::Kernel::forward_sample(&#value, &self.params[#params], #src, #dst, &mut state[..#state]);)
}

/// Single-sample inference of a layer that keeps its buffer: applied to `values` in place.
pub fn sample_in_place(layer: &Layer, values: TokenStream) -> TokenStream {
    let rt = rt();
    let (value, params) = (value(layer), param_range(layer));
    quote!(#rt::InPlace::forward_in_place(&#value, &self.params[#params], #values);)
}

/// Inference of one sample from `x` into `y` (both one sample wide), for a layer that
/// [`runs_per_sample`] in batched inference.
pub fn infer_sample(layer: &Layer) -> TokenStream {
    let rt = rt();
    let (value, params) = (value(layer), param_range(layer));
    quote!(#rt::Kernel::forward_sample(&#value, &self.params[#params], x, y, &mut []);)
}

/// Whether batched inference runs the layer sample by sample inside a chain of such layers:
/// layers whose work is per sample anyway (convolution, pooling, element-wise), as opposed
/// to dense and recurrent layers, which gain from one GEMM over the whole batch.
pub fn runs_per_sample(layer: &Layer) -> bool {
    !matches!(
        layer.kind,
        LayerKind::Dense { .. } | LayerKind::Recurrent { .. } | LayerKind::Softmax
    )
}

/// `(aux_offset, aux_width)` of a layer.
fn aux(layer: &Layer) -> TokenStream {
    let (offset, width) = (lit(layer.aux_offset), lit(layer.aux_width));
    quote!((#offset, #width))
}

/// The batched forward pass of layer `index`.
pub fn batch_forward(index: usize, layer: &Layer) -> TokenStream {
    let rt = rt();
    let (value, params, i, aux) = (value(layer), param_range(layer), lit(index), aux(layer));
    quote!(#rt::forward_layer(&#value, &self.params[#params], nodes, WIDTHS, #i, batch, #aux, mode, rng);)
}

/// The backward pass of layer `index`; `needs_input_grad` is false for the lowest layer
/// with parameters, below which nothing needs a gradient.
pub fn batch_backward(index: usize, layer: &Layer, needs_input_grad: bool) -> TokenStream {
    let rt = rt();
    let (value, params, i, aux) = (value(layer), param_range(layer), lit(index), aux(layer));
    quote! {
        #rt::backward_layer(
            &#value, &self.params[#params], &mut param_grads[#params], nodes, node_grads, WIDTHS,
            #i, batch, #aux, #needs_input_grad,
        );
    }
}

/// Initialization of a layer's parameters (all start at zero).
pub fn init(layer: &Layer) -> TokenStream {
    let rt = rt();
    let (value, params) = (value(layer), param_range(layer));
    quote!(#rt::Kernel::init(&#value, &mut self.params[#params], &mut rng);)
}

/// After a training forward pass: the running state of a layer that has one (batch norm's
/// running statistics).
pub fn update_state(layer: &Layer) -> Option<TokenStream> {
    let rt = rt();
    let LayerKind::BatchNorm { .. } = layer.kind else {
        return None;
    };
    let (value, params, aux) = (value(layer), param_range(layer), aux(layer));
    Some(
        quote!(#rt::update_layer_state(&#value, &mut self.params[#params], nodes, WIDTHS, batch, #aux);),
    )
}
