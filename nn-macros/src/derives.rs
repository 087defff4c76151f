//! The spec's `#[derive(…)]`s: what `network!` implements itself, and what a flat array of
//! f32 cannot have.

use crate::errors::Errors;

/// The traits named in the spec's `#[derive(…)]`s, by their last path segment.
fn derived(attrs: &[syn::Attribute]) -> Vec<syn::Ident> {
    let mut traits = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue; // rustc reports a malformed derive itself
        };
        traits.extend(
            paths
                .into_iter()
                .filter_map(|p| p.segments.last().map(|s| s.ident.clone())),
        );
    }
    traits
}

/// `network!` implements Clone, PartialEq and Debug itself, so a derive of them would
/// clash; the parameters are f32, which have no Eq, Ord or Hash. Each is one error on the
/// derive's own token, not a trait error over the whole macro call.
pub fn check_derives(attrs: &[syn::Attribute], errors: &mut Errors) {
    for ident in derived(attrs) {
        if ["Clone", "PartialEq", "Debug"].iter().any(|t| ident == t) {
            errors.push(
                ident.span(),
                format!("`network!` already implements `{ident}`; remove it from the derive"),
            );
        } else if ["Eq", "Ord", "Hash"].iter().any(|t| ident == t) {
            errors.push(
                ident.span(),
                format!("a network cannot derive `{ident}`: its parameters are f32, which have no `{ident}`; remove it from the derive"),
            );
        }
    }
}

/// `Default` is derivable only for up to 32 parameters (the arrays the standard library
/// implements it for); `zeroed()` and `new(seed)` build any network.
pub fn check_default_derive(attrs: &[syn::Attribute], param_count: usize, errors: &mut Errors) {
    for ident in derived(attrs).into_iter().filter(|i| i == "Default") {
        if param_count > 32 {
            errors.push(
                ident.span(),
                format!("a network of {param_count} parameters cannot derive `Default` (arrays of more than 32 values have no `Default`); remove it and use `zeroed()` or `new(seed)`"),
            );
        }
    }
}
