//! Code generation for a checked network. The output is thin wiring: types, constants and
//! a sequence of calls into `nn::__private`, where the arithmetic lives.

mod batch;
mod layer;
mod meta;
mod sample;
mod summary;
mod types;

use crate::ir::{element_count, Layer, Network};
use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};

pub fn expand(net: &Network) -> TokenStream {
    let types = types::expand(net);
    let sample = sample::expand(net);
    let network_impl = batch::expand(net);
    quote! { #types #sample #network_impl }
}

/// The runtime path that generated code calls.
fn rt() -> TokenStream {
    quote!(::nn::__private)
}

fn lit(n: usize) -> Literal {
    Literal::usize_unsuffixed(n)
}

fn input_len(net: &Network) -> usize {
    element_count(&net.input_shape)
}

fn output_len(net: &Network) -> usize {
    net.layers
        .last()
        .map_or(input_len(net), |l| element_count(&l.output_shape))
}

/// `self.params[start..end]` of a layer's `index`-th tensor.
fn tensor(layer: &Layer, index: usize) -> TokenStream {
    let t = &layer.tensors[index];
    let start = lit(t.offset);
    let end = lit(t.offset + element_count(&t.shape));
    quote_spanned!(layer.span=> self.params[#start..#end])
}
