//! Per-layer code: the runtime value each layer resolves to (a type of
//! `nn::__private::layers` holding its geometry), declared once per network as an associated
//! constant, and the few calls generated code makes with it, the same for every kind. The
//! kernels live with those types in the runtime.

use super::{lit, rt};
use crate::ir::{element_count, Layer, Network};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

/// The name of the constant that holds layer `index`: its kind and its place among the
/// layers of that kind, e.g. `CONV2D_0` for the first `conv2d` (as the default layer
/// names count), so no two layers share one and none meets a generated constant.
pub fn const_name(net: &Network, index: usize) -> Ident {
    let layer = &net.layers[index];
    let nth = net.layers[..index]
        .iter()
        .filter(|l| l.keyword == layer.keyword)
        .count();
    format_ident!(
        "{}_{}",
        layer.keyword.to_uppercase(),
        nth,
        span = layer.span
    )
}

/// How generated code names layer `index`'s value: `Self::CONV2D_0`.
pub fn reference(net: &Network, index: usize) -> TokenStream {
    let name = const_name(net, index);
    quote!(Self::#name)
}

/// One associated constant per layer, so every pass refers to the layer's geometry by name
/// instead of repeating its literal.
pub fn consts(net: &Network) -> TokenStream {
    let attrs = super::impl_attrs(net);
    let name = &net.name;
    let consts = net.layers.iter().enumerate().map(|(index, layer)| {
        let konst = const_name(net, index);
        let value = value(layer);
        match type_of(&value) {
            Some(ty) => quote_spanned!(layer.span=> const #konst: #ty = #value;),
            None => {
                let core = super::core();
                let message = format!("the definition of `{}` wrote no struct literal", layer.name);
                quote_spanned!(layer.span=> #core::compile_error!(#message);)
            }
        }
    });
    quote! {
        #(#attrs)*
        impl #name {
            #(#consts)*
        }
    }
}

/// The type of a layer's value: the path of its struct literal, tuple struct or unit
/// struct.
fn type_of(value: &TokenStream) -> Option<syn::Path> {
    match syn::parse2::<syn::Expr>(value.clone()).ok()? {
        syn::Expr::Struct(literal) => Some(literal.path),
        syn::Expr::Path(path) => Some(path.path),
        syn::Expr::Call(call) => match *call.func {
            syn::Expr::Path(path) => Some(path.path),
            _ => None,
        },
        _ => None,
    }
}

/// The layer's runtime value as generated code builds it, e.g.
/// `::nn::__private::layers::Dense { inputs: 784, units: 128, init: … }`: written by the
/// kind's own definition.
fn value(layer: &Layer) -> TokenStream {
    let mut literal = String::new();
    let written = layer.write_literal("::nn::__private::layers", &mut literal);
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
    layer.state_len()
}

/// Single-sample inference of a layer that changes its buffer's size: `src` → `dst`.
pub fn sample_out_of_place(
    layer: &Layer,
    value: &TokenStream,
    src: TokenStream,
    dst: TokenStream,
) -> TokenStream {
    let rt = rt();
    let (params, state) = (param_range(layer), lit(state_len(layer)));
    quote!(#rt::Kernel::forward_sample(&#value, &self.params[#params], #src, #dst, &mut state[..#state]);)
}

/// Single-sample inference of a layer that keeps its buffer: applied to `values` in place.
pub fn sample_in_place(layer: &Layer, value: &TokenStream, values: TokenStream) -> TokenStream {
    let rt = rt();
    let params = param_range(layer);
    quote!(#rt::InPlace::forward_in_place(&#value, &self.params[#params], #values);)
}

/// Inference of one sample from `x` into `y` (both one sample wide), for a layer that
/// [`runs_per_sample`] in batched inference.
pub fn infer_sample(layer: &Layer, value: &TokenStream) -> TokenStream {
    let rt = rt();
    let params = param_range(layer);
    quote!(#rt::Kernel::forward_sample(&#value, &self.params[#params], x, y, &mut []);)
}

/// Whether batched inference runs the layer sample by sample inside a chain of such layers
/// (its definition says: work per sample anyway, rather than one GEMM over the batch).
pub fn runs_per_sample(layer: &Layer) -> bool {
    layer.definition().is_some_and(|d| d.per_sample())
}

/// Where a layer's auxiliary floats start in the arena's auxiliary region, per sample (how
/// many there are, its kind says).
fn aux(layer: &Layer) -> TokenStream {
    let offset = lit(layer.aux_offset);
    quote!(#offset)
}

/// The nodes a join reads, as an array literal.
fn input_nodes(layer: &Layer) -> TokenStream {
    let inputs = layer.inputs.iter().map(|&n| lit(n));
    quote!([#(#inputs),*])
}

/// The batched forward pass of layer `index`.
pub fn batch_forward(net: &Network, index: usize) -> TokenStream {
    let rt = rt();
    let layer = &net.layers[index];
    let (value, i, aux) = (reference(net, index), lit(index), aux(layer));
    if layer.join().is_some() {
        let inputs = input_nodes(layer);
        return quote!(#rt::forward_join(&#value, nodes, WIDTHS, #inputs, #i, batch, #aux, mode, rng););
    }
    let (params, input) = (param_range(layer), lit(layer.inputs[0]));
    quote!(#rt::forward_layer(&#value, &self.params[#params], nodes, WIDTHS, (#input, #i), batch, #aux, mode, rng);)
}

/// How the backward pass of a layer delivers the gradient of one of its inputs.
#[derive(Clone, Copy, PartialEq)]
pub enum InputGrad {
    Skip,
    Write,
    Add,
}

/// The backward pass of layer `index`, delivering each input's gradient as `grads` says.
pub fn batch_backward(net: &Network, index: usize, grads: &[InputGrad]) -> TokenStream {
    let rt = rt();
    let layer = &net.layers[index];
    let (value, i, aux) = (reference(net, index), lit(index), aux(layer));
    if layer.join().is_some() {
        let inputs = input_nodes(layer);
        let steps = grads.iter().enumerate().filter(|(_, g)| **g != InputGrad::Skip).map(|(which, grad)| {
            let (which, accumulate) = (lit(which), *grad == InputGrad::Add);
            quote!(#rt::backward_join(&#value, #which, nodes, node_grads, WIDTHS, #inputs, #i, batch, #aux, #accumulate);)
        });
        return quote!(#(#steps)*);
    }
    let (params, input) = (param_range(layer), lit(layer.inputs[0]));
    let grad = match grads.first() {
        Some(InputGrad::Write) => quote!(Write),
        Some(InputGrad::Add) => quote!(Add),
        _ => quote!(Skip),
    };
    quote! {
        #rt::backward_layer(
            &#value, &self.params[#params], &mut param_grads[#params], nodes, node_grads, WIDTHS,
            (#input, #i), batch, #aux, #rt::InputGrad::#grad,
        );
    }
}

/// Initialization of a layer's parameters (all start at zero); nothing for a join.
pub fn init(net: &Network, index: usize) -> TokenStream {
    let rt = rt();
    let layer = &net.layers[index];
    if layer.join().is_some() {
        return quote!();
    }
    let (value, params) = (reference(net, index), param_range(layer));
    quote!(#rt::Kernel::init(&#value, &mut self.params[#params], &mut rng);)
}

/// After a training forward pass: the running state of a layer that has one, i.e. a tensor
/// training does not optimize (batch norm's running statistics).
pub fn update_state(net: &Network, index: usize) -> Option<TokenStream> {
    let rt = rt();
    let layer = &net.layers[index];
    if layer.tensors.iter().all(|t| t.trainable) {
        return None;
    }
    let (value, params, aux) = (reference(net, index), param_range(layer), aux(layer));
    Some(
        quote!(#rt::update_layer_state(&#value, &mut self.params[#params], nodes, WIDTHS, batch, #aux);),
    )
}
