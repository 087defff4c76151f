//! The `network!` macro of `nn`. Parse, check and generate are separate passes: parsing
//! keeps spans, checking reports every problem on the user's token, and generation may
//! assume a valid network. The macro never panics; errors become `compile_error!`.

mod ast;
mod check;
mod derives;
mod errors;
mod expand;
mod fallback;
mod ir;
mod items;
mod layers;
mod loss;
mod nesting;
mod quantized;
mod resolve;
mod shape;
mod suggest;
mod tensors;

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod harness;
#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;

/// Declares a neural network; see the `nn` crate documentation for the grammar.
#[proc_macro]
pub fn network(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    network_tokens(input.into()).into()
}

/// The whole macro on `proc_macro2` tokens, so it can be tested outside a compiler.
fn network_tokens(input: TokenStream) -> TokenStream {
    // Before syn, whose token buffer (like the parser) recurses once per nesting level.
    if let Err(error) = nesting::check(&input) {
        return fallback::fallback(None, error);
    }
    let spec: ast::Spec = match syn::parse2(input) {
        Ok(spec) => spec,
        Err(error) => return fallback::fallback(None, error),
    };
    let stub = (spec.vis.clone(), spec.name.clone());
    match check::check(spec) {
        Ok(network) => expand::expand(&network),
        Err(error) => fallback::fallback(Some((&stub.0, &stub.1)), error),
    }
}
