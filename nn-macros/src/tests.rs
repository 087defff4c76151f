//! The whole macro on `proc_macro2` tokens: valid specs expand to parseable Rust, malformed
//! ones become `compile_error!` with the right message, and no input makes the macro panic
//! (hand-written malformed specs plus systematic mutations of valid ones).

use crate::harness::{error_messages, mutants, run, Outcome};
use crate::network_tokens;
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::collections::HashSet;

/// Valid specs, in the styles a user writes them: docs, attributes, visibilities, trailing
/// commas, named and positional arguments, explicit and implied losses.
pub(crate) const VALID_SPECS: &[&str] = &[
    "/// Classifies 28×28 digits.
     pub struct Mlp { input: [784], dense(128), relu, dense(64), relu, dense(10), softmax }",
    "/// Two inputs, one hidden layer, one probability out.
     pub struct Xor { input: [2], dense(8), tanh, dense(1), sigmoid, }",
    "#[allow(dead_code)]
     pub(crate) struct Digits {
         input: [1, 28, 28], flatten,
         dense(32, init = he), leaky_relu(0.1),
         dense(units = 10, init = glorot,), softmax,
         loss: cross_entropy,
     }",
    "struct Regressor { input: [3], dense(4), relu, dense(1), loss: mse }",
    "struct Robust { input: [3], dense(2), loss: huber(delta = 0.5) }",
    "struct Median { input: [3], dense(2), loss: mae, }",
    "struct Gate { input: [1], leaky_relu, sigmoid, loss: binary_cross_entropy }",
    "pub struct Reader {
         input: [28 steps, 28],
         lstm(32, return_sequences = true), dropout(0.1),
         gru(units = 16, return_sequences = true), tanh, rnn(8, return_sequences = false),
         dense(10), softmax,
     }",
    "struct Tagger { input: [6 steps, 2], gru(4, return_sequences = true), flatten, dense(1) }",
];

/// Malformed specs and the message of each error they must produce, in order: fragments of a
/// message are joined by ` && `. An empty list only demands *some* error: it marks a case whose
/// message is not yet the right one (said beside it), so that the wrong one is not pinned.
#[rustfmt::skip] // one case per line reads as a table
const MALFORMED_SPECS: &[(&str, &[&str])] = &[
    // The frame: `struct Name { … }`.
    ("", &["unexpected end of input"]),
    ("struct", &["unexpected end of input"]),
    ("struct Mlp", &["expected `{` after `struct Mlp`"]),
    ("struct Mlp;", &["expected `{` after `struct Mlp`"]),
    ("struct Mlp<T> { input: [4], dense(1) }", &["expected `{` after `struct Mlp`"]),
    ("struct Mlp ( input: [4], dense(1) )", &["expected `{` after `struct Mlp`"]),
    ("pub Mlp { input: [4], dense(1) }", &["expected `struct Name { … }`"]),
    ("Mlp { input: [4], dense(1) }", &["expected `struct Name { … }`"]),
    ("struct { input: [4], dense(1) }", &["expected identifier"]),
    ("struct Mlp { input: [4], dense(1) } extra", &["unexpected tokens after"]),
    ("struct A { input: [1], dense(1) } struct B { input: [1], dense(1) }", &["one network per"]),
    ("struct Mlp {}", &["`Mlp` is empty"]),
    ("struct Mlp { input: [4], dense(10, he) }", &["too many arguments"]),
    ("struct Mlp { input: [4], leaky_relu(1e39) }", &["alpha = 1e39 does not fit in an f32"]),
    ("struct Mlp { input: [4], leaky_relu(-1e39) }", &["alpha = -1e39 does not fit in an f32"]),
    ("struct Mlp { input: [4], dense(10u8) }", &["without the `u8` suffix"]),
    ("#[derive(Debug)] struct Mlp { input: [4], dense(10) }", &["already implements `Debug`"]),
    ("struct Mlp { input: [4] }", &["has no layers"]),
    ("struct Mlp { dense(10), relu }", &["has no input shape"]),
    // Input shapes.
    ("struct Mlp { input: 784, dense(10) }", &["input shape in brackets"]),
    ("struct Mlp { input: [], dense(10) }", &["at least one dimension"]),
    ("struct Mlp { input: [0], dense(10) }", &["at least 1"]),
    ("struct Mlp { input: [1.5], dense(10) }", &["expected a whole number"]),
    ("struct Mlp { input: [a], dense(10) }", &["expected a whole number"]),
    ("struct Mlp { input: [784 28], dense(10) }", &["expected `,`"]),
    ("struct Mlp { input: [784,,], dense(10) }", &["expected a whole number"]),
    ("struct Mlp { input: [99999999999999999999999], dense(10) }", &["is larger than a fixed-size network can hold"]),
    ("struct Mlp { input: [65536, 65536], dense(10) }", &["more than 268435456 values"]),
    ("struct Mlp { input: [784], input: [784], dense(10) }", &["duplicate `input:`"]),
    ("struct Mlp { dense(10), input: [784] }", &["must come before the layers"]),
    // Two errors ("no input shape", "unknown layer `input`"); one should say `input: [784]`.
    ("struct Mlp { input (784), dense(10) }", &["expected `:` after `input`, as in `input: [784]`"]),
    // Layers and their arguments.
    ("struct Mlp { input: [4], dens(10) }", &["unknown layer `dens`; did you mean `dense`?"]),
    ("struct Mlp { input: [4], Dense(10) }", &["the layer is called `dense` here"]),
    ("struct Mlp { input: [4], transformer(8) }", &["unknown layer `transformer`"]),
    ("struct Mlp { input: [4], struct }", &["unknown layer `struct`"]),
    ("struct Mlp { input: [4], dense(0) }", &["units must be at least 1, found 0"]),
    // Says "a layer of width zero" for -1.
    ("struct Mlp { input: [4], dense(-1) }", &["units must be at least 1, found -1"]),
    ("struct Mlp { input: [4], dense(1.5) }", &["whole number && found the float `1.5`"]),
    ("struct Mlp { input: [4], dense(relu) }", &["whole number && found `relu`"]),
    ("struct Mlp { input: [4], dense(true) }", &["found `true`"]),
    ("struct Mlp { input: [4], dense(\"10\") }", &["expected a number"]),
    ("struct Mlp { input: [4], dense() }", &["`dense` needs its units"]),
    ("struct Mlp { input: [4], dense }", &["`dense` needs its units"]),
    // Blames `init` ("found the integer 20") instead of "too many arguments".
    ("struct Mlp { input: [4], dense(10, 20) }", &["too many arguments: `dense` takes one positional argument (units) && options are named"]),
    ("struct Mlp { input: [4], relu(3) }", &["`relu` takes no arguments"]),
    ("struct Mlp { input: [4], leaky_relu(0.1, 0.2) }", &["too many arguments"]),
    ("struct Mlp { input: [4], dense(10, int = he) }", &["option `int` && did you mean `init`?"]),
    ("struct Mlp { input: [4], dense(10, init = he, init = he) }", &["duplicate option `init`"]),
    ("struct Mlp { input: [4], dense(10, init = xavier) }", &["`he`, `glorot`, found `xavier` && called `glorot` here"]),
    ("struct Mlp { input: [4], dense(10, init = 3) }", &["found the integer 3"]),
    ("struct Mlp { input: [4], dense(99999999999999999999999) }", &["too large"]),
    ("struct Mlp { input: [4], dense(4294967296) }", &["too large"]),
    ("struct Mlp { input: [784], dense(100000), dense(100000) }", &["too large"]),
    ("struct Mlp { input: [4], leaky_relu(alpha = fast) }", &["alpha must be a number"]),
    ("struct Mlp { input: [4], leaky_relu(1e400) }", &["alpha must be a finite number"]),
    ("struct Mlp { input: [4], leaky_relu(slope = 0.1) }", &["unknown option `slope`"]),
    ("struct Mlp { input: [4], relu(inplace = true) }", &["`relu` takes no options"]),
    ("struct Mlp { input: [4], dense(10,, ) }", &["expected a number"]),
    ("struct Mlp { input: [4], dense(= 10) }", &["expected a number"]),
    ("struct Mlp { input: [4], dense(units =) }", &["expected a number"]),
    ("struct Mlp { input: [4], dense(- relu) }", &["expected a number after `-`"]),
    ("struct Mlp { input: [4], dense(10) relu }", &["expected `,` after layer `dense`"]),
    ("struct Mlp { input: [4], dense(10) ; relu }", &["expected `,` after layer `dense`"]),
    ("struct Mlp { input: [4], dense[10] }", &["arguments of `dense` go in parentheses, as in `dense(128)`"]),
    ("struct Mlp { input: [4] dense(3) }", &["expected `,`"]),
    ("struct Mlp { input: [4], dense(3),, relu }", &["expected a layer name"]),
    ("struct Mlp { input: [4], 10 }", &["expected a layer name"]),
    // "expected `,` after layer `nn`": should say that layers are written without a path.
    ("struct Mlp { input: [4], nn::dense(10) }", &["layers are written without a path"]),
    // Shapes.
    ("struct Mlp { input: [1, 28, 28], dense(10) }", &["1-D input, but receives [1, 28, 28]"]),
    ("struct Mlp { input: [4], dense(1), softmax }", &["softmax over 1 value"]),
    ("struct Mlp { input: [2, 5], softmax }", &["softmax works on a 1-D input"]),
    // Losses.
    ("struct Mlp { input: [4], dense(1), loss: cross_entropy }", &["at least 2 classes"]),
    ("struct Mlp { input: [4], dense(3), loss: cross_entropy }", &["`softmax` && with `dense`"]),
    ("struct Mlp { input: [4], dense(1), loss: binary_cross_entropy }", &["`sigmoid` && `dense`"]),
    ("struct Mlp { input: [4], dense(3), softmax, loss: cross_entrpy }", &["`cross_entropy`?"]),
    ("struct Mlp { input: [4], dense(3), loss: hinge }", &["unknown loss `hinge`"]),
    ("struct Mlp { input: [4], dense(3), loss: mse, loss: mse }", &["duplicate `loss:`"]),
    ("struct Mlp { input: [4], dense(3), loss: huber(delta = -1) }", &["delta must be greater than 0, found -1"]),
    ("struct Mlp { input: [4], dense(3), loss: huber(1e400) }", &["delta must be greater than 0, found 1e400"]),
    ("struct Mlp { input: [4], dense(3), loss: huber(1e-50) }", &["becomes 0 as an f32"]),
    ("struct Mlp { input: [4], dense(3), loss: huber(0.5, 1) }", &["too many arguments: `huber` takes one positional argument (delta)"]),
    ("struct Mlp { input: [4], dense(3), loss: huber(delta = same) }", &["delta must be a number"]),
    ("struct Mlp { input: [4], dense(3), loss: mse(reduction = sum) }", &["unknown option `reduction`: `mse` takes no options"]),
    ("struct Mlp { input: [4], dense(3), loss: huber(delta = 0.5) softmax }", &["expected `,`"]),
    // Both ask for a layer name; they should list the losses.
    ("struct Mlp { input: [4], dense(3), loss: 5 }", &["expected a loss: `mse`, `mae`, `huber`, `cross_entropy` or `binary_cross_entropy`"]),
    ("struct Mlp { input: [4], dense(3), loss: }", &["expected a loss: `mse`, `mae`, `huber`, `cross_entropy` or `binary_cross_entropy`"]),
    ("struct Mlp { input: [4], dense(3), optimizer: adam }", &["unknown setting `optimizer:`"]),
    // Sequences.
    ("struct R { input: [5 steps 3], lstm(2) }", &["expected `,`"]),
    ("struct R { input: [5 steps steps, 3], lstm(2) }", &["expected `,`"]),
    ("struct R { input: [5 seq, 3], lstm(2) }", &["only word an input dimension takes is `steps`"]),
    ("struct R { input: [5 steps], lstm(2) }", &["first of two dimensions"]),
    ("struct R { input: [5 steps, 3, 2], lstm(2) }", &["first of two dimensions"]),
    ("struct R { input: [5, 3], lstm(2) }", &["mark the steps in the input: `input: [5 steps, 3]`"]),
    ("struct R { input: [15], rnn(2) }", &["rnn expects a sequence && a sequence input is written"]),
    ("struct R { input: [5 steps, 3], gru(0) }", &["units must be at least 1, found 0"]),
    ("struct R { input: [5 steps, 3], lstm() }", &["`lstm` needs its units"]),
    ("struct R { input: [5 steps, 3], lstm(2, return_sequences = 1) }", &["must be `true` or `false`, found the integer 1"]),
    ("struct R { input: [5 steps, 3], lstm(2, true) }", &["too many arguments"]),
    ("struct R { input: [5 steps, 3], gru(2), gru(2) }", &["`gru_0` returns only its last state [2]"]),
    ("struct R { input: [5 steps, 3], gru(2, return_sequences = true), softmax }", &["softmax does not take a sequence"]),
    ("struct R { input: [5 steps, 3], batch_norm, lstm(2) }", &["batch_norm does not take a sequence"]),
    ("struct R { input: [5 steps, 3], flatten, lstm(2) }", &["lstm expects a sequence"]),
    // Numbers out of range in the type the generated code holds: errors, never panics,
    // wraps, dropped layers or roundings into another meaning.
    ("struct C { input: [1, 8, 8], conv2d(2, kernel = 3, padding = 18446744073709551615) }", &["padding = 18446744073709551615 is too large"]),
    ("struct C { input: [1, 8, 8], conv2d(2, kernel = 3, padding = 4294967296) }", &["padding = 4294967296 is too large"]),
    ("struct C { input: [1, 8, 8], conv2d(2, kernel = 3, padding = 100000000000000000000), dense(0) }", &["padding = 100000000000000000000 is too large", "units must be at least 1"]),
    ("struct C { input: [1, 8, 8], conv2d(2, kernel = (1, 4294967295), padding = (0, 4294967295)) }", &["kernel = 4294967295 is too large", "padding = 4294967295 is too large"]),
    ("struct C { input: [1, 8, 8], conv2d(2, kernel = 268435456, padding = 268435456) }", &[]),
    ("struct C { input: [1, 8, 8], conv2d(2, kernel = 3, padding = -1) }", &["padding must be at least 0"]),
    ("struct R { input: [100000 steps, 100000], lstm(268435456) }", &[]),
    ("struct B { input: [4], batch_norm(epsilon = 1e39) }", &["epsilon = 1e39 becomes inf as an f32"]),
    ("struct B { input: [4], batch_norm(epsilon = 1e-50) }", &["epsilon = 1e-50 becomes 0 as an f32 && at least 1e-38"]),
    ("struct D { input: [4], dropout(0.99999999) }", &["rate = 0.99999999 becomes 1 as an f32 && the largest rate below 1"]),
    ("struct D { input: [4], dense(10.0) }", &["a whole number && found the float `10.0`"]),
    ("struct D { input: [4], dense(1e30) }", &["found the float `1e30`"]),
    ("struct D { input: [4], dense(1e400) }", &["found the float `1e400`"]),
    ("struct D { input: [-784], dense(10) }", &["must be at least 1, found -784"]),
    ("struct D { input: [None, 784], dense(10) }", &["`None` looks like a batch dimension"]),
    ("struct D { input: [32, 784], dense(10) }", &["1-D input && if 32 is the batch size, leave it out"]),
    ("struct D { input: [64, 1, 28, 28], conv2d(8, kernel = 3) }", &["if 64 is the batch size, leave it out"]),
    ("struct D { input: [28, 28, 1], conv2d(8, kernel = 3) }", &["does not fit the 28×1 input && [channels, height, width] && [1, 28, 28]"]),
    // Syntax that other languages or frameworks suggest.
    ("struct D { input:: [784], dense(10) }", &["a single `:` after `input`"]),
    ("struct D { input: [4], dense{10} }", &["go in parentheses, as in `dense(128)`"]),
    ("struct D { input: [4], dense 10 }", &["go in parentheses, as in `dense(128)`"]),
    ("struct D { input: [4], linear(10) }", &["`linear`: the layer is called `dense` here, e.g. `dense(128)`"]),
    ("struct D { input: [1, 8, 8], Conv2D(4, kernel = 3) }", &["called `conv2d` here"]),
    ("struct D { input: [4], gelu }", &["`gelu`: `nn` has no such layer; the layers are `dense`"]),
    ("struct D { input: [8 steps, 4], conv1d(4) }", &["`conv1d`: `nn` has no such layer"]),
    ("struct D { input: [4], /// hidden\n dense(10) }", &["doc comments (`///`) cannot be put on a layer"]),
    ("struct D { input: [4], #[allow(dead_code)] dense(10) }", &["attributes and doc comments"]),
    ("struct C { input: [1, 8, 8], conv2d(2, kernel = 3, padding = \"same\") }", &["found the string \"same\": write it without quotes, `same`"]),
    ("struct D { input: [4], dense(3), loss: mse, sigmoid }", &["`loss:` comes after the layers, but `sigmoid` follows it"]),
    ("struct R { input: [3, 5 steps], lstm(2) }", &["the steps come first: write `input: [5 steps, 3]`"]),
    ("struct R { input: [steps 5, 3], lstm(2) }", &["number of steps before `steps`"]),
    ("struct R { input: [5 steps, 3], lstm(8), relu, lstm(4) }", &["`lstm_0` returns only its last state [8]; give `lstm_0` the option `return_sequences = true`"]),
    ("#[derive(Hash)] struct D { input: [4], dense(1) }", &["cannot derive `Hash`"]),
    ("#[derive(Default)] struct D { input: [40], dense(1) }", &["41 parameters cannot derive `Default`"]),
    // Several problems: all reported by one expansion.
    (
        "struct Multi {
             input: [784], dense(0), relu(3), dense(1.5), dense(10, init = xavier), softmax,
             loss: crossentropy,
         }",
        &["found 0", "`relu` takes", "found the float `1.5`", "found `xavier`", "`cross_entropy`?"],
    ),
];

#[test]
fn valid_specs_expand_to_parseable_rust() {
    for spec in VALID_SPECS {
        let Some(Outcome::Expanded(output)) = run(spec) else {
            panic!("macro failed on {spec}")
        };
        assert!(
            !output.to_string().contains("compile_error"),
            "{spec}\n=> {output}"
        );
        let file: syn::File =
            syn::parse2(output).unwrap_or_else(|e| panic!("{spec}: output is not Rust: {e}"));
        let name = spec
            .split("struct")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap();
        let declares_it = file
            .items
            .iter()
            .any(|item| matches!(item, syn::Item::Struct(s) if s.ident == name));
        assert!(declares_it, "{spec}: no `struct {name}` in the output");
    }
}

#[test]
fn the_mlp_of_the_docs_has_its_parameter_count() {
    let Some(Outcome::Expanded(output)) = run(VALID_SPECS[0]) else {
        panic!("macro failed")
    };
    // 784·128+128 + 128·64+64 + 64·10+10, as the doc test of `nn` asserts.
    assert!(
        output
            .to_string()
            .contains("PARAM_COUNT : :: nn :: __private :: core :: primitive :: usize = 109386"),
        "{output}"
    );
}

#[test]
fn malformed_specs_give_their_errors_and_only_those() {
    assert!(MALFORMED_SPECS.len() >= 50);
    for (spec, expected) in MALFORMED_SPECS {
        let output = match run(spec) {
            None => panic!("test input does not tokenize: {spec}"),
            Some(Outcome::Panicked(message)) => panic!("macro panicked on {spec}: {message}"),
            Some(Outcome::Expanded(output)) => output,
        };
        let messages =
            error_messages(&output).unwrap_or_else(|problem| panic!("{spec}: {problem}"));
        assert!(
            !messages.is_empty(),
            "no compile_error for {spec}\n=> {output}"
        );
        if expected.is_empty() {
            continue;
        }
        assert_eq!(messages.len(), expected.len(), "{spec}: {messages:#?}");
        for (message, fragments) in messages.iter().zip(expected.iter()) {
            for fragment in fragments.split(" && ") {
                assert!(
                    message.contains(fragment),
                    "{spec}: expected `{fragment}` in `{message}`"
                );
            }
        }
    }
}

#[test]
fn no_input_makes_the_macro_panic() {
    let hand_written = MALFORMED_SPECS
        .iter()
        .map(|(spec, _)| spec)
        .chain(VALID_SPECS);
    let mut inputs: Vec<String> = hand_written.map(|spec| spec.to_string()).collect();
    for spec in VALID_SPECS {
        inputs.extend(mutants(spec));
    }
    let mut seen = HashSet::new();
    let (mut ran, mut valid) = (0, 0);
    let mut failures = Vec::new();
    for input in inputs {
        if !seen.insert(input.clone()) {
            continue;
        }
        let output = match run(&input) {
            None => continue,
            Some(Outcome::Panicked(message)) => {
                failures.push(format!("panicked ({message}) on: {input}"));
                continue;
            }
            Some(Outcome::Expanded(output)) => output,
        };
        ran += 1;
        // A mutant may still be a valid spec; then it must expand to plain Rust.
        match error_messages(&output) {
            Ok(messages) if messages.is_empty() => valid += 1,
            Ok(_) => {}
            Err(problem) => failures.push(format!("{problem}\n  on: {input}")),
        }
    }
    println!("no-panic test: {ran} inputs ran through the macro ({valid} of them valid specs)");
    assert!(
        failures.is_empty(),
        "{} failures, e.g.:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    assert!(
        ran >= 3000,
        "only {ran} inputs: the mutation generator broke"
    );
}

/// A kernel tuple nested ten thousand levels deep is one error on the first group past the
/// bound, not a stack overflow. Built from the inside out (parsing the text would recurse)
/// and run on a thread with room for the recursive drop of the nested tokens.
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let worker = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let mut kernel: TokenStream = "3".parse().unwrap();
            for _ in 0..10_000 {
                let group = proc_macro2::Group::new(Delimiter::Parenthesis, kernel);
                kernel = TokenTree::Group(group).into();
            }
            let spec: TokenStream = "struct Cnn { input: [1, 28, 28], conv2d(8, kernel = KERNEL) }"
                .parse()
                .unwrap();
            // Put the nested tuple where `KERNEL` stands, one level down.
            let spec: TokenStream = spec
                .into_iter()
                .map(|tree| match tree {
                    TokenTree::Group(body) => {
                        let inner: TokenStream = body
                            .stream()
                            .into_iter()
                            .map(|tree| match tree {
                                TokenTree::Group(args)
                                    if args.delimiter() == Delimiter::Parenthesis =>
                                {
                                    let args: TokenStream = args
                                        .stream()
                                        .into_iter()
                                        .flat_map(|t| match t {
                                            TokenTree::Ident(i) if i == "KERNEL" => kernel.clone(),
                                            other => other.into(),
                                        })
                                        .collect();
                                    TokenTree::Group(proc_macro2::Group::new(
                                        Delimiter::Parenthesis,
                                        args,
                                    ))
                                }
                                other => other,
                            })
                            .collect();
                        TokenTree::Group(proc_macro2::Group::new(body.delimiter(), inner))
                    }
                    other => other,
                })
                .collect();
            let output = network_tokens(spec);
            error_messages(&output)
        })
        .expect("thread starts");
    let messages = worker.join().expect("no panic").expect("errors plus stub");
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("nested more than 32 levels"),
        "{}",
        messages[0]
    );
}

/// Names the generated code must never use unqualified: prelude items (absent in a
/// `#[no_implicit_prelude]` module, `TryFrom` absent before edition 2021, any of them
/// shadowable by a user's glob import) and primitive types (shadowable by a network named
/// `f32`). Complements the real 2015/2018 builds of `tests/editions.rs`, in milliseconds.
#[test]
fn expansions_name_prelude_items_and_primitives_by_full_path() {
    const UNQUALIFIED: &[&str] = &[
        "Ok",
        "Err",
        "Some",
        "None",
        "Option",
        "Result",
        "TryFrom",
        "TryInto",
        "From",
        "Into",
        "Clone",
        "Copy",
        "Default",
        "PartialEq",
        "Debug",
        "Box",
        "Vec",
        "String",
        "panic",
        "assert",
        "unreachable",
        "compile_error",
        "f32",
        "f64",
        "usize",
        "u64",
        "u8",
        "u32",
        "i32",
        "str",
        "bool",
    ];
    fn walk(stream: TokenStream, previous: &mut Option<TokenTree>, found: &mut Vec<String>) {
        for tree in stream {
            if let TokenTree::Group(group) = &tree {
                *previous = None;
                walk(group.stream(), previous, found);
            }
            if let TokenTree::Ident(ident) = &tree {
                let after_path =
                    matches!(previous, Some(TokenTree::Punct(p)) if p.as_char() == ':');
                if !after_path && UNQUALIFIED.iter().any(|name| ident == name) {
                    found.push(ident.to_string());
                }
            }
            *previous = Some(tree);
        }
    }
    let specs = VALID_SPECS.iter().copied().chain([
        "struct Cnn { input: [1, 8, 8], conv2d(2, kernel = 3, padding = same), max_pool2d(2), batch_norm, avg_pool2d(1), flatten, dropout(0.5), dense(2), softmax }",
        "struct Res { input: [2, 8, 8], quantized: ResInt8, conv2d(2, kernel = 3, padding = same), relu6 as stem, depthwise_conv2d(kernel = 3, padding = same), relu as branch, add(stem, branch), relu, avg_pool2d(2), flatten, dense(4), relu, dense(2), softmax }",
    ]);
    for spec in specs {
        let Some(Outcome::Expanded(output)) = run(spec) else {
            panic!("macro failed on {spec}")
        };
        let mut found = Vec::new();
        walk(output, &mut None, &mut found);
        // A struct's own name is the one unqualified item the user wrote.
        assert!(found.is_empty(), "{spec}: unqualified {found:?}");
    }
}

#[test]
fn every_layer_name_binds_and_resolves_to_its_own_kind() {
    // One valid use of every name the grammar lists, with the input it needs.
    let uses: &[(&str, &str)] = &[
        ("dense", "input: [4], dense(3)"),
        ("relu", "input: [4], relu"),
        ("relu6", "input: [4], relu6"),
        ("leaky_relu", "input: [4], leaky_relu"),
        ("sigmoid", "input: [4], sigmoid"),
        ("tanh", "input: [4], tanh"),
        ("softmax", "input: [4], softmax"),
        ("flatten", "input: [2, 2], flatten"),
        ("conv2d", "input: [1, 4, 4], conv2d(2, kernel = 3)"),
        ("max_pool2d", "input: [1, 4, 4], max_pool2d(2)"),
        ("avg_pool2d", "input: [1, 4, 4], avg_pool2d(2)"),
        (
            "depthwise_conv2d",
            "input: [2, 4, 4], depthwise_conv2d(kernel = 3, depth_multiplier = 2)",
        ),
        ("global_avg_pool2d", "input: [2, 4, 4], global_avg_pool2d"),
        ("global_max_pool2d", "input: [2, 4, 4], global_max_pool2d"),
        ("dropout", "input: [4], dropout(0.5)"),
        ("batch_norm", "input: [4], batch_norm"),
        ("rnn", "input: [3 steps, 2], rnn(4)"),
        ("lstm", "input: [3 steps, 2], lstm(4)"),
        ("gru", "input: [3 steps, 2], gru(4)"),
    ];
    let listed: HashSet<&str> = crate::layers::layer_names().into_iter().collect();
    let used: HashSet<&str> = uses.iter().map(|(name, _)| *name).collect();
    assert_eq!(listed, used, "every listed layer name has a use here");
    for (name, body) in uses {
        let spec: crate::ast::Spec = syn::parse_str(&format!("struct N {{ {body} }}")).unwrap();
        let network = crate::check::check(spec).unwrap_or_else(|e| panic!("{name}: {e}"));
        let layer = network.layers.last().unwrap();
        assert_eq!(layer.keyword, *name);
    }
}
