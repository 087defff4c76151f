//! The tensor and layer tables of `impl nn::Network`.

use super::{lit, rt};
use crate::ir::{element_count, Layer, Network};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

pub fn tensors(net: &Network) -> Vec<TokenStream> {
    let rt = rt();
    net.layers
        .iter()
        .flat_map(|l| &l.tensors)
        .map(|t| {
            let (name, offset) = (&t.name, lit(t.offset));
            let shape = t.shape.iter().map(|&d| lit(d));
            quote!(#rt::TensorInfo { name: #name, offset: #offset, shape: &[#(#shape),*] })
        })
        .collect()
}

pub fn layers(net: &Network) -> Vec<TokenStream> {
    let rt = rt();
    net.layers
        .iter()
        .map(|l| {
            let (name, kind, flops) = (&l.name, l.keyword, l.flops());
            let params = lit(l.tensors.iter().map(|t| element_count(&t.shape)).sum());
            let input = l.input_shape.iter().map(|&d| lit(d));
            let inputs = l.inputs.iter().map(|&n| lit(n));
            let output = l.output_shape.iter().map(|&d| lit(d));
            let op = op(l);
            quote!(#rt::LayerInfo {
                name: #name, kind: #kind, op: #op, input_shape: &[#(#input),*],
                inputs: &[#(#inputs),*], output_shape: &[#(#output),*], params: #params,
                flops: #flops,
            })
        })
        .collect()
}

/// The `LayerOp` value of a layer, as its definition writes it.
fn op(layer: &Layer) -> TokenStream {
    let mut literal = String::new();
    let written = layer.op().write_literal("::nn::__private", &mut literal);
    match written
        .ok()
        .and_then(|()| literal.parse::<TokenStream>().ok())
    {
        Some(op) => op,
        None => {
            let core = super::core();
            let message = format!("the operation of `{}` wrote no valid Rust", layer.name);
            quote_spanned!(layer.span=> #core::compile_error!(#message))
        }
    }
}
