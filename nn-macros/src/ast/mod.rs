//! The syntax tree of a `network!` spec, parsed without judging it: every node keeps its
//! span so that `check` can point each diagnostic at the user's own token.
//!
//! ```text
//! spec     := attribute* visibility "struct" IDENT "{" item ("," item)* ","? "}"
//! item     := "input" ":" "[" INT "steps"? ("," INT)* "]"
//!           | "outputs" ":" "[" IDENT ("," IDENT)* ","? "]"
//!           | "loss" ":" term ("+" term)*
//!           | "quantized" ":" IDENT                // also generate the int8 type IDENT
//!           | (IDENT "->")? layer ("as" IDENT)?
//! term     := (NUMBER "*")? IDENT ( "(" arg ("," arg)* ","? ")" )?   // tensors, then settings
//! layer    := IDENT ( "(" arg ("," arg)* ","? ")" )?
//! arg      := value | IDENT "=" value
//! value    := "-"? INT | "-"? FLOAT | IDENT | BOOL | "(" value ("," value)* ","? ")"
//! ```

mod settings;

use proc_macro2::Span;
use settings::{parse_input, parse_loss, parse_outputs};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{
    braced, parenthesized, Attribute, Ident, LitBool, LitFloat, LitInt, LitStr, Token, Visibility,
};

/// A whole `network!` invocation.
pub struct Spec {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub items: Vec<Item>,
}

/// One comma-separated entry of the body.
pub enum Item {
    Input(InputItem),
    Outputs(OutputsItem),
    Loss(LossItem),
    Quantized(QuantizedItem),
    Layer(LayerItem),
}

/// `quantized: KwsInt8`: the name of the int8 type generated beside the network.
pub struct QuantizedItem {
    pub keyword: Ident,
    pub name: Ident,
}

/// `outputs: [a, b]`: the named tensors a network outputs, side by side.
pub struct OutputsItem {
    pub keyword: Ident,
    pub bracket_span: Span,
    pub names: Vec<Ident>,
}

/// `input: [d0, d1, …]`, or `input: [T steps, F]` for a sequence.
pub struct InputItem {
    pub keyword: Ident,
    pub bracket_span: Span,
    pub dims: Vec<LitInt>,
    /// A `steps` marker after a dimension: its position among `dims` and its token.
    pub steps: Option<(usize, Ident)>,
}

/// `loss: name`, or a weighted sum of terms: `loss: 784 * binary_cross_entropy + kl(mean, log_var)`.
pub struct LossItem {
    pub keyword: Ident,
    pub terms: Vec<LossTerm>,
}

/// `weight * name(tensors)`, the weight and the tensors optional.
pub struct LossTerm {
    /// The weight as written, its value and its span.
    pub weight: Option<(String, f64, Span)>,
    pub name: Ident,
    /// What is written in parentheses: first the tensors it reads, by name
    /// (`kl(mean, log_var)`, `mse(reconstruction)`), then the loss's settings
    /// (`huber(delta = 0.5)`).
    pub args: Vec<Arg>,
    pub paren_span: Option<Span>,
}

/// `name` or `name(args)`, optionally read from a named tensor (`skip -> conv2d(…)`) and
/// naming its output (`… as stem`).
pub struct LayerItem {
    /// `source ->`: the tensor the layer reads instead of the one before it.
    pub source: Option<Ident>,
    /// `as alias`: the name of its output.
    pub alias: Option<Ident>,
    pub name: Ident,
    /// Span of the parenthesized argument list, if any.
    pub paren_span: Option<Span>,
    pub args: Vec<Arg>,
}

/// A positional (`key == None`) or named argument.
pub struct Arg {
    pub key: Option<Ident>,
    pub value: Value,
}

/// An argument value, with its source span (and that of a leading `-`).
pub enum Value {
    Int {
        value: i128,
        span: Span,
        minus: Option<Span>,
    },
    Float {
        value: f64,
        /// The number as written (`10.0`, `1e400`), for messages: `value` may have rounded.
        text: String,
        span: Span,
        minus: Option<Span>,
    },
    Bool {
        value: bool,
        span: Span,
    },
    Ident(Ident),
    /// `(a, b)`, e.g. a rectangular kernel.
    Tuple {
        items: Vec<Value>,
        span: Span,
    },
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::Int { span, .. }
            | Value::Float { span, .. }
            | Value::Bool { span, .. }
            | Value::Tuple { span, .. } => *span,
            Value::Ident(ident) => ident.span(),
        }
    }

    /// An error covering the whole value, sign included (stable Rust cannot join spans, but
    /// an error spanned over two tokens underlines both).
    pub fn error(&self, message: impl std::fmt::Display) -> syn::Error {
        let end = self.span();
        match self {
            Value::Int {
                minus: Some(start), ..
            }
            | Value::Float {
                minus: Some(start), ..
            } => {
                let tokens = quote::quote_spanned!(*start=> -)
                    .into_iter()
                    .chain(quote::quote_spanned!(end=> value));
                syn::Error::new_spanned(tokens.collect::<proc_macro2::TokenStream>(), message)
            }
            _ => syn::Error::new(end, message),
        }
    }

    /// How the value is described in "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match self {
            Value::Int { value, .. } => format!("the integer {value}"),
            Value::Float { text, .. } => format!("the number {text}"),
            Value::Bool { value, .. } => format!("`{value}`"),
            Value::Ident(ident) => format!("`{ident}`"),
            Value::Tuple { items, .. } => format!("a tuple of {}", items.len()),
        }
    }
}

impl Parse for Spec {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        if !input.peek(Token![struct]) {
            return Err(input.error("expected `struct Name { … }`: a network is declared like a struct, e.g. `pub struct Mlp { input: [784], dense(10), softmax }`"));
        }
        input.parse::<Token![struct]>()?;
        let name: Ident = input.parse()?;
        if !input.peek(syn::token::Brace) {
            return Err(input.error(format!(
                "expected `{{` after `struct {name}`, followed by the input shape and the layers"
            )));
        }
        let body;
        braced!(body in input);
        let items = Punctuated::<Item, Token![,]>::parse_terminated(&body)?;
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the network's closing brace: declare one network per `network!`"));
        }
        Ok(Spec {
            attrs,
            vis,
            name,
            items: items.into_iter().collect(),
        })
    }
}

impl Parse for Item {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(Token![#]) {
            return Err(input.error("attributes and doc comments (`///`) cannot be put on a layer: write a plain `//` comment, or document the network above `struct`"));
        }
        let mut keyword = input.call(parse_ident_like)?;
        let mut source = None;
        if input.peek(Token![->]) {
            input.parse::<Token![->]>()?;
            source = Some(keyword);
            keyword = input.call(parse_ident_like)?;
        }
        if (keyword == "input" || keyword == "loss") && input.peek(Token![::]) {
            let example = if keyword == "input" {
                "input: [784]"
            } else {
                "loss: cross_entropy"
            };
            return Err(input.error(format!(
                "expected a single `:` after `{keyword}`, as in `{example}`"
            )));
        }
        if input.peek(Token![::]) {
            return Err(syn::Error::new(
                keyword.span(),
                "layers are written without a path, e.g. `dense(10)`, not `nn::dense(10)`",
            ));
        }
        if input.peek(Token![:]) {
            input.parse::<Token![:]>()?;
            if let Some(source) = source {
                return Err(syn::Error::new(
                    source.span(),
                    format!(
                        "`{source} ->` goes before a layer, not before the setting `{keyword}:`"
                    ),
                ));
            }
            return match keyword.to_string().as_str() {
                "input" => parse_input(keyword, input).map(Item::Input),
                "outputs" => parse_outputs(keyword, input).map(Item::Outputs),
                "loss" => parse_loss(keyword, input).map(Item::Loss),
                "quantized" => settings::parse_quantized(keyword, input).map(Item::Quantized),
                other => Err(syn::Error::new(
                    keyword.span(),
                    format!("unknown setting `{other}:`; the settings are `input:`, `outputs:`, `loss:` and `quantized:`"),
                )),
            };
        }
        if keyword == "input" || keyword == "loss" {
            let example = if keyword == "input" {
                "input: [784]"
            } else {
                "loss: cross_entropy"
            };
            return Err(syn::Error::new(
                keyword.span(),
                format!("expected `:` after `{keyword}`, as in `{example}`"),
            ));
        }
        let mut layer = LayerItem {
            source,
            alias: None,
            name: keyword,
            paren_span: None,
            args: Vec::new(),
        };
        if input.peek(syn::token::Paren) {
            let content;
            let paren = parenthesized!(content in input);
            layer.paren_span = Some(paren.span.join());
            layer.args = Punctuated::<Arg, Token![,]>::parse_terminated(&content)?
                .into_iter()
                .collect();
        }
        if input.peek(Token![as]) {
            let as_token = input.parse::<Token![as]>()?;
            if !input.peek(Ident) {
                return Err(syn::Error::new(
                    as_token.span,
                    "expected a name after `as`, e.g. `relu as stem`",
                ));
            }
            layer.alias = Some(input.parse()?);
        }
        if !input.is_empty() && !input.peek(Token![,]) {
            let name = &layer.name;
            let message = if layer.paren_span.is_none()
                && (input.peek(syn::token::Bracket)
                    || input.peek(syn::token::Brace)
                    || input.peek(syn::Lit))
            {
                match crate::layers::example(&name.to_string()) {
                    Some(example) if *name != example => format!("the arguments of `{name}` go in parentheses, as in `{example}`"),
                    _ => format!("expected `,` after layer `{name}`; a layer's arguments go in parentheses, e.g. `dense(10)`"),
                }
            } else {
                format!("expected `,` after layer `{name}`: layers are separated by commas")
            };
            return Err(input.error(message));
        }
        Ok(Item::Layer(layer))
    }
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        use syn::ext::IdentExt;
        if input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let key = input.call(parse_ident_like)?;
            input.parse::<Token![=]>()?;
            return Ok(Arg {
                key: Some(key),
                value: input.parse()?,
            });
        }
        Ok(Arg {
            key: None,
            value: input.parse()?,
        })
    }
}

impl Parse for Value {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let minus = if input.peek(Token![-]) {
            Some(input.parse::<Token![-]>()?.span)
        } else {
            None
        };
        let sign = if minus.is_some() { -1.0 } else { 1.0 };
        if input.peek(LitInt) {
            let lit: LitInt = input.parse()?;
            reject_suffix(lit.suffix(), lit.span())?;
            let value = lit
                .base10_parse::<i128>()
                .map_err(|_| syn::Error::new(lit.span(), "this number is too large"))?;
            let value = if minus.is_some() { -value } else { value };
            return Ok(Value::Int {
                value,
                span: lit.span(),
                minus,
            });
        }
        if input.peek(LitFloat) {
            let lit: LitFloat = input.parse()?;
            reject_suffix(lit.suffix(), lit.span())?;
            let value: f64 = lit.base10_parse()?;
            let sign_text = if minus.is_some() { "-" } else { "" };
            return Ok(Value::Float {
                value: sign * value,
                text: format!("{sign_text}{}", lit.base10_digits()),
                span: lit.span(),
                minus,
            });
        }
        if minus.is_some() {
            return Err(input.error("expected a number after `-`"));
        }
        if input.peek(syn::token::Paren) {
            let content;
            let paren = parenthesized!(content in input);
            let items = Punctuated::<Value, Token![,]>::parse_terminated(&content)?
                .into_iter()
                .collect();
            return Ok(Value::Tuple {
                items,
                span: paren.span.join(),
            });
        }
        if input.peek(LitBool) {
            let lit: LitBool = input.parse()?;
            return Ok(Value::Bool {
                value: lit.value,
                span: lit.span,
            });
        }
        if input.peek(Ident) {
            return Ok(Value::Ident(input.call(parse_ident_like)?));
        }
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            let text = lit.value();
            let unquoted = if syn::parse_str::<Ident>(&text).is_ok() || text.parse::<f64>().is_ok()
            {
                format!(": write it without quotes, `{text}`")
            } else {
                String::new()
            };
            return Err(syn::Error::new(
                lit.span(),
                format!("expected a number, `true`/`false`, a name or a tuple such as `(3, 5)`, found the string {}{unquoted}", lit.token()),
            ));
        }
        Err(input.error("expected a number, `true`/`false`, a name or a tuple such as `(3, 5)`"))
    }
}

/// Sizes and rates are plain numbers; a suffix such as `10u8` would suggest a type that is
/// not used.
fn reject_suffix(suffix: &str, span: Span) -> syn::Result<()> {
    if suffix.is_empty() {
        return Ok(());
    }
    Err(syn::Error::new(
        span,
        format!("write the number without the `{suffix}` suffix"),
    ))
}

/// An identifier, also accepting keywords (so `type = …` or a layer misspelled as a keyword
/// reaches `check` and gets a helpful message instead of a bare syntax error).
fn parse_ident_like(input: ParseStream) -> syn::Result<Ident> {
    use syn::ext::IdentExt;
    if input.peek(Ident::peek_any) {
        return Ident::parse_any(input);
    }
    Err(input.error(
        "expected a layer name such as `dense(10)` or `relu`, or a setting such as `input: [784]`",
    ))
}
