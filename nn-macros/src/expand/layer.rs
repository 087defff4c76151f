//! Per-layer code: the runtime value each layer resolves to (a type of
//! `nn::__private::layers` holding its geometry), and the few calls generated code makes
//! with it, the same for every kind. The kernels live with those types in the runtime.

use super::{lit, rt};
use crate::ir::{element_count, Layer};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

/// The layer's runtime value as generated code builds it, e.g.
/// `::nn::__private::layers::Dense { inputs: 784, units: 128, init: … }`: written by the
/// kind's own definition.
pub fn value(layer: &Layer) -> TokenStream {
    let mut literal = String::new();
    let written = layer
        .definition()
        .write_literal("::nn::__private::layers", &mut literal);
    match written
        .ok()
        .and_then(|()| literal.parse::<TokenStream>().ok())
    {
        Some(value) => value,
        None => {
            let core = super::core();
            let message = format!("the definition of `{}` wrote no valid Rust", layer.name);
            quote_spanned!(layer.span=> #core::compile_error!(#message))
        }
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
    layer.definition().state_len()
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

/// Whether batched inference runs the layer sample by sample inside a chain of such layers
/// (its definition says: work per sample anyway, rather than one GEMM over the batch).
pub fn runs_per_sample(layer: &Layer) -> bool {
    layer.definition().per_sample()
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

/// After a training forward pass: the running state of a layer that has one, i.e. a tensor
/// training does not optimize (batch norm's running statistics).
pub fn update_state(layer: &Layer) -> Option<TokenStream> {
    let rt = rt();
    if layer.tensors.iter().all(|t| t.trainable) {
        return None;
    }
    let (value, params, aux) = (value(layer), param_range(layer), aux(layer));
    Some(
        quote!(#rt::update_layer_state(&#value, &mut self.params[#params], nodes, WIDTHS, batch, #aux);),
    )
}
