//! Code generation for a checked network. The output is thin wiring: types, constants and
//! a sequence of calls into `nn::__private`, where the arithmetic lives.

mod batch;
mod int8;
mod layer;
mod meta;
mod sample;
mod summary;
mod types;

use crate::ir::{element_count, Network};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

pub fn expand(net: &Network) -> TokenStream {
    let types = types::expand(net);
    let sample = sample::expand(net);
    let network_impl = batch::expand(net);
    let int8 = int8::expand(net);
    quote! { #types #sample #network_impl #int8 }
}

/// The attributes of every generated item beside the struct: the user's `#[cfg]`s, so the
/// impls exist exactly when the struct does; the user's `#[allow]`s; and an allowance for
/// what the user's own attributes would otherwise make the impls warn about (a
/// `#[deprecated]` network is named by each of its impls) or for constants a program
/// does not use. The other attributes (docs, derives, `#[deprecated]`, `#[deny]`, …) belong
/// to the struct alone.
fn impl_attrs(net: &Network) -> Vec<TokenStream> {
    let mut attrs: Vec<TokenStream> = net
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg") || a.path().is_ident("allow"))
        .map(|a| quote!(#a))
        .collect();
    attrs.push(quote!(#[allow(dead_code, deprecated)]));
    attrs
}

/// The runtime path that generated code calls.
fn rt() -> TokenStream {
    quote!(::nn::__private)
}

/// `core`, reached through the runtime: `::core` does not resolve in a 2015-edition crate
/// (nor does anything unqualified inside `#[no_implicit_prelude]`), `::nn` does wherever the
/// crate is a dependency.
fn core() -> TokenStream {
    quote!(::nn::__private::core)
}

/// The primitive types by full path, so a network (or anything else in the user's module)
/// named `f32` or `usize` cannot shadow them.
struct Primitives {
    f32: TokenStream,
    usize: TokenStream,
    u64: TokenStream,
    u8: TokenStream,
    str: TokenStream,
}

fn primitives() -> Primitives {
    let core = core();
    Primitives {
        f32: quote!(#core::primitive::f32),
        usize: quote!(#core::primitive::usize),
        u64: quote!(#core::primitive::u64),
        u8: quote!(#core::primitive::u8),
        str: quote!(#core::primitive::str),
    }
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
