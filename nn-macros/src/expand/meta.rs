//! The tensor and layer tables of `impl nn::Network`.

use super::{lit, rt};
use crate::ir::{element_count, Layer, LayerKind, Network, Pair};
use crate::shape;
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
            let (name, kind, flops) = (&l.name, l.kind.keyword(), l.flops);
            let params = lit(l.tensors.iter().map(|t| element_count(&t.shape)).sum());
            let input = l.input_shape.iter().map(|&d| lit(d));
            let output = l.output_shape.iter().map(|&d| lit(d));
            let op = op(l);
            quote!(#rt::LayerInfo {
                name: #name, kind: #kind, op: #op, input_shape: &[#(#input),*],
                output_shape: &[#(#output),*], params: #params, flops: #flops,
            })
        })
        .collect()
}

/// The `LayerOp` value of a layer.
fn op(layer: &Layer) -> TokenStream {
    let rt = rt();
    let pair = |(a, b): Pair| {
        let (a, b) = (lit(a), lit(b));
        quote!([#a, #b])
    };
    match layer.kind {
        LayerKind::Dense { units, .. } => {
            let units = lit(units);
            quote!(#rt::LayerOp::Dense { units: #units })
        }
        LayerKind::Relu => quote!(#rt::LayerOp::Relu),
        LayerKind::LeakyRelu { alpha } => quote!(#rt::LayerOp::LeakyRelu { alpha: #alpha }),
        LayerKind::Sigmoid => quote!(#rt::LayerOp::Sigmoid),
        LayerKind::Tanh => quote!(#rt::LayerOp::Tanh),
        LayerKind::Softmax => quote!(#rt::LayerOp::Softmax),
        LayerKind::Flatten => quote!(#rt::LayerOp::Flatten),
        LayerKind::Conv2d { filters, .. } => {
            let w = match shape::window(&layer.kind, &layer.input_shape) {
                Ok(window) => window,
                Err(message) => {
                    let core = super::core();
                    return quote_spanned!(layer.span=> #core::compile_error!(#message));
                }
            };
            // Zeros below and right: whatever the last window reaches past the input.
            let after = |input: usize, size: usize, stride: usize, output: usize, before: usize| {
                ((output - 1) * stride + size).saturating_sub(input + before)
            };
            let bottom = after(w.input.0, w.size.0, w.stride.0, w.output.0, w.pad_before.0);
            let right = after(w.input.1, w.size.1, w.stride.1, w.output.1, w.pad_before.1);
            let padding = [w.pad_before.0, w.pad_before.1, bottom, right].map(lit);
            let (filters, kernel, stride) = (lit(filters), pair(w.size), pair(w.stride));
            quote!(#rt::LayerOp::Conv2d { filters: #filters, kernel: #kernel, stride: #stride, padding: [#(#padding),*] })
        }
        LayerKind::MaxPool2d { size, stride } => {
            let (size, stride) = (pair(size), pair(stride));
            quote!(#rt::LayerOp::MaxPool2d { size: #size, stride: #stride })
        }
        LayerKind::AvgPool2d { size, stride } => {
            let (size, stride) = (pair(size), pair(stride));
            quote!(#rt::LayerOp::AvgPool2d { size: #size, stride: #stride })
        }
        LayerKind::Dropout { rate } => quote!(#rt::LayerOp::Dropout { rate: #rate }),
        LayerKind::BatchNorm { momentum, epsilon } => {
            quote!(#rt::LayerOp::BatchNorm { momentum: #momentum, epsilon: #epsilon })
        }
        LayerKind::Recurrent {
            cell,
            units,
            sequences,
        } => {
            let (cell, units) = (super::layer::cell(cell), lit(units));
            quote!(#rt::LayerOp::Recurrent { cell: #cell, units: #units, return_sequences: #sequences })
        }
    }
}
