//! Running the macro in tests: what it did with an input, the messages of its errors, and
//! mutations of valid specs at the token level (shared by the mutation test and the fuzzer).

use crate::network_tokens;
use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Values that replace each identifier and literal of a valid spec.
pub(crate) const ODD_VALUES: &[&str] = &[
    "1e39",
    "-1e39",
    "10u8",
    "0",
    "-1",
    "1.5",
    "99999999999999999999999",
    "true",
    "r#type",
    "struct",
    "\"\"",
    "-0.0",
    "1e400",
    "0x10",
    "1_000",
    "10u8",
    "'c'",
    "_",
    "self",
    "dense",
    "input",
];

/// Punctuation inserted at every token boundary of a valid spec.
pub(crate) const STRAY_PUNCTUATION: &[&str] = &[
    ",", ":", ";", "=", "-", "::", "#", ".", "!", "@", "=>", "&", "<", ">", "()", "[]", "{}",
];

#[derive(Clone)]
pub(crate) enum Lexeme {
    Open(Delimiter),
    Close(Delimiter),
    /// An identifier, a literal, or text inserted by a mutation.
    Word(String),
    Punct(char, Spacing),
}

/// The token trees of `stream`, flattened so that groups become open/close lexemes.
pub(crate) fn lex(stream: TokenStream, out: &mut Vec<Lexeme>) {
    for tree in stream {
        match tree {
            TokenTree::Group(group) => {
                out.push(Lexeme::Open(group.delimiter()));
                lex(group.stream(), out);
                out.push(Lexeme::Close(group.delimiter()));
            }
            TokenTree::Ident(ident) => out.push(Lexeme::Word(ident.to_string())),
            TokenTree::Literal(literal) => out.push(Lexeme::Word(literal.to_string())),
            TokenTree::Punct(punct) => out.push(Lexeme::Punct(punct.as_char(), punct.spacing())),
        }
    }
}

pub(crate) fn render(lexemes: &[Lexeme]) -> String {
    let mut text = String::new();
    for lexeme in lexemes {
        match lexeme {
            Lexeme::Open(delimiter) => text += delimiter_text(*delimiter).0,
            Lexeme::Close(delimiter) => text += delimiter_text(*delimiter).1,
            Lexeme::Word(word) => text += word,
            Lexeme::Punct(c, spacing) => {
                text.push(*c);
                if *spacing == Spacing::Joint {
                    continue; // `::`, `=>`: the next punct is glued on
                }
            }
        }
        text.push(' ');
    }
    text
}

fn delimiter_text(delimiter: Delimiter) -> (&'static str, &'static str) {
    match delimiter {
        Delimiter::Parenthesis => ("(", ")"),
        Delimiter::Brace => ("{", "}"),
        Delimiter::Bracket => ("[", "]"),
        Delimiter::None => ("", ""),
    }
}

/// Index of the close lexeme of the group that `start` opens, or of the first close lexeme
/// of the group enclosing `start` (or the end, at top level) when `start` opens nothing.
fn group_end(lexemes: &[Lexeme], start: usize) -> usize {
    let mut depth = 0usize;
    for (index, lexeme) in lexemes.iter().enumerate().skip(start) {
        match lexeme {
            Lexeme::Open(_) => depth += 1,
            Lexeme::Close(_) if depth == 0 => return index,
            Lexeme::Close(_) => {
                depth -= 1;
                if depth == 0 && matches!(lexemes[start], Lexeme::Open(_)) {
                    return index;
                }
            }
            _ => {}
        }
    }
    lexemes.len()
}

/// Systematic mutations of a valid spec, as source text (some will not tokenize).
pub(crate) fn mutants(spec: &str) -> Vec<String> {
    let mut lexemes = Vec::new();
    lex(spec.parse().expect("valid specs tokenize"), &mut lexemes);
    let n = lexemes.len();
    let with = |range: std::ops::Range<usize>, middle: &[Lexeme]| {
        let mut mutant = lexemes[..range.start].to_vec();
        mutant.extend_from_slice(middle);
        mutant.extend_from_slice(&lexemes[range.end..]);
        render(&mutant)
    };
    let mut out = Vec::new();
    for i in 0..=n {
        // Truncation at each boundary, with every open group closed again.
        let mut truncated = lexemes[..i].to_vec();
        let mut open: Vec<Delimiter> = Vec::new();
        for lexeme in &truncated {
            match lexeme {
                Lexeme::Open(delimiter) => open.push(*delimiter),
                Lexeme::Close(_) => drop(open.pop()),
                _ => {}
            }
        }
        truncated.extend(open.into_iter().rev().map(Lexeme::Close));
        out.push(render(&truncated));
        // Truncation of the innermost group only: the rest of the spec stays.
        out.push(with(i..group_end(&lexemes, i).max(i), &[]));
        for stray in STRAY_PUNCTUATION {
            out.push(with(i..i, &[Lexeme::Word(stray.to_string())]));
        }
    }
    for i in 0..n {
        let end = group_end(&lexemes, i);
        match &lexemes[i] {
            Lexeme::Open(_) => {
                out.push(with(i..end + 1, &[])); // delete the whole group
                out.push(with(i..end + 1, &lexemes[i + 1..end])); // unwrap it
                out.push(with(i..i, &lexemes[i..=end])); // duplicate it
            }
            Lexeme::Close(_) => {}
            token => {
                out.push(with(i..i + 1, &[]));
                out.push(with(i..i, std::slice::from_ref(token)));
                if i + 1 < n && !matches!(lexemes[i + 1], Lexeme::Open(_) | Lexeme::Close(_)) {
                    out.push(with(i..i + 2, &[lexemes[i + 1].clone(), token.clone()]));
                }
                if matches!(token, Lexeme::Word(_)) {
                    for odd in ODD_VALUES {
                        out.push(with(i..i + 1, &[Lexeme::Word(odd.to_string())]));
                    }
                }
            }
        }
    }
    out
}

/// What the macro did with one input.
pub(crate) enum Outcome {
    Expanded(TokenStream),
    Panicked(String),
}

/// Runs the macro on `source`, or `None` when `source` does not tokenize (the compiler
/// never passes such input to a macro).
pub(crate) fn run(source: &str) -> Option<Outcome> {
    let tokens: TokenStream = source.parse().ok()?;
    Some(
        match catch_unwind(AssertUnwindSafe(|| network_tokens(tokens))) {
            Ok(output) => Outcome::Expanded(output),
            Err(payload) => Outcome::Panicked(
                payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_default(),
            ),
        },
    )
}

/// The messages of the `compile_error!`s in an expansion, or why the expansion is not the
/// errors-plus-stub shape that `fallback` promises (which would mean cascading errors).
pub(crate) fn error_messages(output: &TokenStream) -> Result<Vec<String>, String> {
    let file: syn::File =
        syn::parse2(output.clone()).map_err(|e| format!("output is not Rust: {e}"))?;
    let mut messages = Vec::new();
    let mut stubs = 0;
    for item in &file.items {
        match item {
            syn::Item::Macro(m)
                if m.mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "compile_error") =>
            {
                let message: syn::LitStr = syn::parse2(m.mac.tokens.clone())
                    .map_err(|e| format!("odd compile_error: {e}"))?;
                messages.push(message.value());
            }
            syn::Item::Struct(s) if matches!(s.fields, syn::Fields::Unit) => stubs += 1,
            _ => {}
        }
    }
    if !messages.is_empty() && (stubs > 1 || messages.len() + stubs != file.items.len()) {
        return Err(format!(
            "errors come with generated code beside the stub: {output}"
        ));
    }
    Ok(messages)
}
