//! The bound on bracket nesting. Parsing recurses once per nested group, so a spec nested
//! deep enough (say a kernel tuple ten thousand levels down) would overflow the compiler's
//! stack; no valid spec comes near the bound.

use proc_macro2::{TokenStream, TokenTree};

/// The deepest nesting of `()`, `[]` and `{}` a spec may have, counting the braces around
/// its body (a spec needs at most four levels; attributes on the network may add a few).
pub const MAX_NESTING: usize = 32;

/// An error on the first group nested deeper than [`MAX_NESTING`]. Walks the tokens with an
/// explicit stack, so the check itself cannot overflow.
pub fn check(input: &TokenStream) -> syn::Result<()> {
    let mut stack = vec![input.clone().into_iter()];
    while let Some(tokens) = stack.last_mut() {
        match tokens.next() {
            Some(TokenTree::Group(group)) => {
                if stack.len() > MAX_NESTING {
                    return Err(syn::Error::new(
                        group.span_open(),
                        format!("brackets nested more than {MAX_NESTING} levels deep: a spec needs at most a few, e.g. `conv2d(8, kernel = (3, 5))`"),
                    ));
                }
                stack.push(group.stream().into_iter());
            }
            Some(_) => {}
            None => {
                stack.pop();
            }
        }
    }
    Ok(())
}
