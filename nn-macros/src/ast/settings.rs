//! The settings of a spec's body: `input:`, `outputs:`, `loss:` and `quantized:`.

use super::{reject_suffix, Arg, InputItem, LossItem, LossTerm, OutputsItem, QuantizedItem, Value};
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{bracketed, parenthesized, Ident, LitFloat, LitInt, Token};

impl LossTerm {
    /// How many of the arguments name tensors: the leading plain names.
    fn tensor_count(&self) -> usize {
        self.args
            .iter()
            .position(|arg| arg.key.is_some() || !matches!(arg.value, Value::Ident(_)))
            .unwrap_or(self.args.len())
    }

    /// The tensors the term reads, by name.
    pub fn tensors(&self) -> Vec<&Ident> {
        self.args[..self.tensor_count()]
            .iter()
            .filter_map(|arg| match &arg.value {
                Value::Ident(name) => Some(name),
                _ => None,
            })
            .collect()
    }

    /// The loss's own settings, after the tensors.
    pub fn settings(&self) -> &[Arg] {
        &self.args[self.tensor_count()..]
    }
}

pub(super) fn parse_loss(keyword: Ident, input: ParseStream) -> syn::Result<LossItem> {
    let mut terms = vec![parse_loss_term(input)?];
    while input.peek(Token![+]) {
        input.parse::<Token![+]>()?;
        terms.push(parse_loss_term(input)?);
    }
    Ok(LossItem { keyword, terms })
}

/// `(NUMBER *)? name ((tensors))?`
fn parse_loss_term(input: ParseStream) -> syn::Result<LossTerm> {
    use syn::ext::IdentExt;
    let mut weight = None;
    if input.peek(LitInt) || input.peek(LitFloat) {
        let (text, value, span) = if input.peek(LitInt) {
            let lit: LitInt = input.parse()?;
            reject_suffix(lit.suffix(), lit.span())?;
            let value = lit.base10_parse::<f64>()?;
            (lit.base10_digits().to_string(), value, lit.span())
        } else {
            let lit: LitFloat = input.parse()?;
            reject_suffix(lit.suffix(), lit.span())?;
            (
                lit.base10_digits().to_string(),
                lit.base10_parse::<f64>()?,
                lit.span(),
            )
        };
        if !input.peek(Token![*]) {
            return Err(syn::Error::new(span, format!(
                "expected a loss: `mse`, `mae`, `huber`, `cross_entropy` or `binary_cross_entropy`; a weight goes before one with `*`, as in `loss: {text} * mse`"
            )));
        }
        input.parse::<Token![*]>()?;
        weight = Some((text, value, span));
    }
    if !input.peek(Ident::peek_any) {
        return Err(input.error(
            "expected a loss: `mse`, `mae`, `huber`, `cross_entropy` or `binary_cross_entropy`, or `kl(mean, log_var)`",
        ));
    }
    let name = Ident::parse_any(input)?;
    let (mut args, mut paren_span) = (Vec::new(), None);
    if input.peek(syn::token::Paren) {
        let content;
        let paren = parenthesized!(content in input);
        paren_span = Some(paren.span.join());
        args = Punctuated::<Arg, Token![,]>::parse_terminated(&content)?
            .into_iter()
            .collect();
    }
    Ok(LossTerm {
        weight,
        name,
        args,
        paren_span,
    })
}

pub(super) fn parse_outputs(keyword: Ident, input: ParseStream) -> syn::Result<OutputsItem> {
    if !input.peek(syn::token::Bracket) {
        return Err(input.error(
            "expected the output tensors in brackets, e.g. `outputs: [digits, reconstruction]`",
        ));
    }
    let content;
    let bracket = bracketed!(content in input);
    let names = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?
        .into_iter()
        .collect();
    Ok(OutputsItem {
        keyword,
        bracket_span: bracket.span.join(),
        names,
    })
}

pub(super) fn parse_input(keyword: Ident, input: ParseStream) -> syn::Result<InputItem> {
    if !input.peek(syn::token::Bracket) {
        return Err(input.error(
            "expected the input shape in brackets, e.g. `input: [784]` or `input: [1, 28, 28]`",
        ));
    }
    let content;
    let bracket = bracketed!(content in input);
    let mut dims = Vec::new();
    let mut steps = None;
    while !content.is_empty() {
        if content.peek(Token![-]) && content.peek2(LitInt) {
            let minus: Token![-] = content.parse()?;
            let dim: LitInt = content.parse()?;
            let tokens = quote::quote!(#minus #dim);
            return Err(syn::Error::new_spanned(
                tokens,
                format!("an input dimension must be at least 1, found -{dim}"),
            ));
        }
        if content.peek(Token![_]) || (content.peek(Ident) && !content.peek(LitInt)) {
            let word = content.parse::<proc_macro2::TokenTree>()?;
            let message = match word.to_string().as_str() {
                "steps" => "write the number of steps before `steps`, as in `input: [28 steps, 16]`".to_string(),
                "None" | "_" | "batch" | "batch_size" | "N" => format!("`{word}` looks like a batch dimension: leave it out, `input:` is the shape of one sample, e.g. `input: [784]`"),
                _ => format!("expected a whole number of at least 1, found `{word}`: each input dimension is an integer literal"),
            };
            return Err(syn::Error::new(word.span(), message));
        }
        if !content.peek(LitInt) {
            return Err(content.error(
                "expected a whole number of at least 1: each input dimension is an integer literal",
            ));
        }
        let dim = content.parse::<LitInt>()?;
        reject_suffix(dim.suffix(), dim.span())?;
        if dim.base10_digits().starts_with('-') {
            // A negative literal arrives as one token through a `macro_rules!` `$x:literal`.
            return Err(syn::Error::new(
                dim.span(),
                format!("an input dimension must be at least 1, found {dim}"),
            ));
        }
        dims.push(dim);
        if content.peek(Ident) {
            let marker: Ident = content.parse()?;
            if marker != "steps" {
                return Err(syn::Error::new(
                    marker.span(),
                    format!("unexpected `{marker}`: the only word an input dimension takes is `steps`, as in `input: [28 steps, 28]`"),
                ));
            }
            if steps.is_some() {
                return Err(syn::Error::new(
                    marker.span(),
                    "only one dimension can be the steps",
                ));
            }
            steps = Some((dims.len() - 1, marker));
        }
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(InputItem {
        keyword,
        bracket_span: bracket.span.join(),
        dims,
        steps,
    })
}

/// `quantized: Name`: the int8 type's name, a plain identifier.
pub(super) fn parse_quantized(keyword: Ident, input: ParseStream) -> syn::Result<QuantizedItem> {
    if !input.peek(Ident) {
        return Err(input
            .error("expected the name of the int8 type to generate, e.g. `quantized: KwsInt8`"));
    }
    let name: Ident = input.parse()?;
    Ok(QuantizedItem { keyword, name })
}
