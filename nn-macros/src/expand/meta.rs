//! The tensor and layer tables of `impl nn::Network`.

use super::{lit, rt};
use crate::ir::{element_count, Network};
use proc_macro2::TokenStream;
use quote::quote;

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
            let (name, kind, flops) = (&l.name, l.kind.keyword(), l.flops);
            let params = lit(l.tensors.iter().map(|t| element_count(&t.shape)).sum());
            let shape = l.output_shape.iter().map(|&d| lit(d));
            quote!(#rt::LayerInfo { name: #name, kind: #kind, output_shape: &[#(#shape),*], params: #params, flops: #flops })
        })
        .collect()
}
