//! What a spec with errors expands to: the errors, plus an empty stand-in type, so the
//! user sees the real diagnostics rather than a cascade of "cannot find type" errors.

use proc_macro2::TokenStream;
use quote::quote;

pub fn fallback(name: Option<(&syn::Visibility, &syn::Ident)>, error: syn::Error) -> TokenStream {
    let errors = error.into_compile_error();
    match name {
        Some((vis, name)) => quote! {
            #errors
            #[allow(dead_code)]
            #vis struct #name;
        },
        None => errors,
    }
}
