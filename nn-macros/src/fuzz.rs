//! Property-based fuzzing of the whole macro: specs generated from the grammar (mostly
//! well-formed networks with arguments drawn from ordinary and boundary values) and random
//! mutations of them and of hand-written valid specs. For each input the macro must not
//! panic, and must expand either to its errors plus the stub type, or to Rust that parses;
//! a seeded sample of the specs that expand without error is compiled as a crate
//! ([`a_sample_of_valid_specs_compiles`]).
//!
//! `cargo test` runs a fixed, seeded number of cases in a few seconds. A long run:
//! `NN_FUZZ_SECONDS=600 cargo test -p nn-macros --release --lib fuzz_the_macro -- --nocapture`,
//! which prints the number of cases and of specs that expanded to a network.

use crate::harness::{
    error_messages, lex, render, run, Lexeme, Outcome, ODD_VALUES, STRAY_PUNCTUATION,
};
use crate::tests::VALID_SPECS;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use std::time::{Duration, Instant};

/// Counts: ordinary values, the edges of each range check, and values past every integer
/// and float type the generated code uses.
fn count() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (1u32..=20).prop_map(|n| n.to_string()),
        2 => prop::sample::select(vec![
            "0", "1", "2", "32", "33", "268435455", "268435456", "268435457", "4294967295",
            "4294967296", "18446744073709551615", "18446744073709551616",
            "100000000000000000000", "-1", "-784", "1.0", "10.0", "1e30", "1e400", "3u8",
        ])
        .prop_map(str::to_string),
    ]
}

/// Numbers for rates, momenta, epsilons and slopes.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u32..100).prop_map(|n| format!("0.{n:02}")),
        2 => prop::sample::select(vec![
            "0", "1", "0.5", "0.99999999", "0.9999999", "1e-5", "1e-38", "1e-45", "1e-50",
            "3.4e38", "3.5e38", "1e39", "1e400", "-0.1", "-1e39", "2", "0.0",
        ])
        .prop_map(str::to_string),
    ]
}

/// A kernel, stride, window or padding: a count, a pair, or something odder.
fn pair() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (1u32..=4).prop_map(|n| n.to_string()),
        2 => ((1u32..=4), (1u32..=4)).prop_map(|(a, b)| format!("({a}, {b})")),
        1 => (count(), count()).prop_map(|(a, b)| format!("({a}, {b})")),
        1 => count(),
        1 => prop::sample::select(vec!["same", "valid", "\"same\"", "(3)", "(1, 2, 3)", "((3))", "true"])
            .prop_map(str::to_string),
    ]
}

/// One layer, written as a user would (or almost).
fn layer() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => count().prop_map(|n| format!("dense({n})")),
        2 => (count(), prop::sample::select(vec!["he", "glorot", "xavier"]))
            .prop_map(|(n, i)| format!("dense({n}, init = {i})")),
        6 => prop::sample::select(vec![
            "relu", "sigmoid", "tanh", "softmax", "flatten", "leaky_relu", "batch_norm",
            "relu6", "global_avg_pool2d", "global_max_pool2d",
        ])
        .prop_map(str::to_string),
        2 => number().prop_map(|a| format!("leaky_relu({a})")),
        2 => number().prop_map(|r| format!("dropout({r})")),
        2 => (number(), number())
            .prop_map(|(m, e)| format!("batch_norm(momentum = {m}, epsilon = {e})")),
        4 => (count(), pair(), pair(), pair()).prop_map(|(f, k, s, p)| {
            format!("conv2d({f}, kernel = {k}, stride = {s}, padding = {p})")
        }),
        3 => (count(), pair()).prop_map(|(f, k)| format!("conv2d({f}, kernel = {k})")),
        3 => (pair(), pair(), pair(), count(), prop::sample::select(vec!["true", "false", "1"]))
            .prop_map(|(k, s, p, m, b)| {
                format!(
                    "depthwise_conv2d(kernel = {k}, stride = {s}, padding = {p}, \
                     depth_multiplier = {m}, bias = {b})"
                )
            }),
        3 => (prop::sample::select(vec!["max_pool2d", "avg_pool2d"]), pair())
            .prop_map(|(p, s)| format!("{p}({s})")),
        4 => (
            prop::sample::select(vec!["rnn", "lstm", "gru"]),
            count(),
            prop::sample::select(vec!["", ", return_sequences = true", ", return_sequences = false"]),
        )
            .prop_map(|(c, n, r)| format!("{c}({n}{r})")),
        1 => prop::sample::select(vec![
            "linear(10)", "Conv2D(4, kernel = 3)", "gelu", "conv1d(3)", "dens(3)", "dense[3]",
            "dense 3", "/// doc\n dense(3)", "#[cfg(test)] relu", "dense(kernel = (((3))))",
            "loss: mse", "loss: cross_entropy", "loss: huber(delta = 0.5)", "input: [4]",
        ])
        .prop_map(str::to_string),
    ]
}

/// An input shape: a vector, an image or a sequence, now and then an odd one.
fn input() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (1u32..=64).prop_map(|n| format!("[{n}]")),
        4 => ((1u32..=3), (1u32..=12), (1u32..=12)).prop_map(|(c, h, w)| format!("[{c}, {h}, {w}]")),
        4 => ((1u32..=6), (1u32..=5)).prop_map(|(t, f)| format!("[{t} steps, {f}]")),
        2 => prop::collection::vec(count(), 1..=4).prop_map(|dims| format!("[{}]", dims.join(", "))),
        1 => prop::sample::select(vec![
            "[None, 4]", "[28, 28, 1]", "[4, 5 steps]", "[steps 4, 5]", "[-4]", "[]", "784",
        ])
        .prop_map(str::to_string),
    ]
}

fn attributes() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "",
        "",
        "",
        "/// Documented.\n",
        "#[derive(Copy)]",
        "#[derive(Default)]",
        "#[derive(Hash, Eq)]",
        "#[derive(Debug)]",
        "#[cfg(test)]",
        "#[deprecated]",
        "#[allow(dead_code)]",
    ])
    .prop_map(str::to_string)
}

/// A spec from the grammar: attributes, a name, an input, layers and maybe a loss.
fn spec() -> impl Strategy<Value = String> {
    (
        attributes(),
        prop::sample::select(vec!["Net", "f32", "usize", "Self_", "r#type"]),
        input(),
        prop::collection::vec(layer(), 0..7),
        prop::option::of(prop::sample::select(vec![
            "mse",
            "cross_entropy",
            "binary_cross_entropy",
            "hinge",
        ])),
    )
        .prop_map(|(attrs, name, input, layers, loss)| {
            let loss = loss.map(|l| format!(", loss: {l}")).unwrap_or_default();
            let layers: String = layers.iter().map(|l| format!(", {l}")).collect();
            format!("{attrs} pub struct {name} {{ input: {input}{layers}{loss} }}")
        })
}

/// A network that is meant to be valid: an MLP, a CNN or a recurrent network with small,
/// consistent sizes (some still fail, e.g. a window past a pooled image: fine too).
fn coherent_spec() -> impl Strategy<Value = String> {
    let element_wise = prop::sample::select(vec![
        "relu",
        "sigmoid",
        "tanh",
        "leaky_relu(0.2)",
        "dropout(0.3)",
        "batch_norm",
        "batch_norm(momentum = 0.5, epsilon = 1e-3)",
    ]);
    let mlp = (
        1u32..=16,
        prop::collection::vec(((1u32..=12), element_wise.clone()), 1..4),
        prop::sample::select(vec!["", ", softmax", ", sigmoid"]),
    )
        .prop_map(|(n, layers, end)| {
            let body: String = layers
                .iter()
                .map(|(k, a)| format!(", dense({k}), {a}"))
                .collect();
            let units = if end == ", softmax" { 3 } else { 1 };
            format!("struct Mlp {{ input: [{n}]{body}, dense({units}){end} }}")
        });
    let cnn = (
        (1u32..=3, 6u32..=12, 6u32..=12),
        prop::collection::vec(
            (
                1u32..=4,
                1u32..=3,
                prop::sample::select(vec![
                    "",
                    ", padding = same",
                    ", padding = 1",
                    ", stride = 2",
                    ", padding = (1, 0)",
                ]),
                prop::sample::select(vec![
                    "",
                    ", relu",
                    ", max_pool2d(2)",
                    ", avg_pool2d((1, 2))",
                    ", batch_norm",
                ]),
            ),
            1..3,
        ),
        1u32..=5,
    )
        .prop_map(|((c, h, w), convs, out)| {
            let body: String = convs
                .iter()
                .map(|(f, k, opt, after)| format!(", conv2d({f}, kernel = {k}{opt}){after}"))
                .collect();
            format!("struct Cnn {{ input: [{c}, {h}, {w}]{body}, flatten, dense({out}) }}")
        });
    let rnn = (
        (1u32..=6, 1u32..=4),
        prop::collection::vec(
            (
                prop::sample::select(vec!["rnn", "lstm", "gru"]),
                1u32..=5,
                element_wise,
            ),
            1..3,
        ),
        any::<bool>(),
    )
        .prop_map(|((t, f), cells, flatten)| {
            let last = cells.len() - 1;
            let body: String = cells
                .iter()
                .enumerate()
                .map(|(i, (cell, units, act))| {
                    let sequences = i < last || flatten;
                    let act = if act.starts_with("batch_norm") {
                        "tanh"
                    } else {
                        act
                    };
                    format!(", {cell}({units}, return_sequences = {sequences}), {act}")
                })
                .collect();
            let end = if flatten { ", flatten" } else { "" };
            format!("struct Reader {{ input: [{t} steps, {f}]{body}{end}, dense(2) }}")
        });
    prop_oneof![mlp, cnn, rnn]
}

/// A mutation of a lexeme sequence: one to three deletions, duplications, swaps,
/// replacements by odd values and insertions of stray punctuation.
fn mutate(source: &str, ops: &[(u8, usize, usize)]) -> Option<String> {
    let mut lexemes = Vec::new();
    lex(source.parse().ok()?, &mut lexemes);
    for &(op, at, pick) in ops {
        if lexemes.is_empty() {
            break;
        }
        let i = at % lexemes.len();
        match op % 5 {
            0 => drop(lexemes.remove(i)),
            1 => lexemes.insert(i, lexemes[i].clone()),
            2 if i + 1 < lexemes.len() => lexemes.swap(i, i + 1),
            3 => lexemes[i] = Lexeme::Word(ODD_VALUES[pick % ODD_VALUES.len()].to_string()),
            _ => lexemes.insert(
                i,
                Lexeme::Word(STRAY_PUNCTUATION[pick % STRAY_PUNCTUATION.len()].to_string()),
            ),
        }
    }
    Some(render(&lexemes))
}

/// A generated spec, or a mutation of one or of a hand-written valid spec.
fn fuzz_input() -> impl Strategy<Value = String> {
    let ops = prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..=3);
    prop_oneof![
        3 => coherent_spec(),
        2 => spec(),
        1 => (coherent_spec(), ops.clone()).prop_map(|(s, ops)| mutate(&s, &ops).unwrap_or(s)),
        2 => (spec(), ops.clone()).prop_map(|(s, ops)| mutate(&s, &ops).unwrap_or(s)),
        1 => (prop::sample::select(VALID_SPECS.to_vec()), ops)
            .prop_map(|(s, ops)| mutate(s, &ops).unwrap_or_else(|| s.to_string())),
    ]
}

/// Whether the macro behaved on `source`: `Ok(true)` if it expanded to a network.
fn check_one(source: &str) -> Result<bool, String> {
    match run(source) {
        None => Ok(false), // does not tokenize: the compiler would never call the macro
        Some(Outcome::Panicked(message)) => Err(format!("panicked ({message}) on: {source}")),
        Some(Outcome::Expanded(output)) => match error_messages(&output) {
            Ok(messages) => Ok(messages.is_empty()),
            Err(problem) => Err(format!("{problem}\n  on: {source}")),
        },
    }
}

/// Runs `cases` cases from `seed`; returns how many expanded to a network.
fn fuzz(seed: u64, cases: u32) -> Result<u32, String> {
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let valid = std::cell::Cell::new(0u32);
    runner
        .run(&fuzz_input(), |source| {
            let expanded = check_one(&source).map_err(TestCaseError::fail)?;
            valid.set(valid.get() + u32::from(expanded));
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    Ok(valid.get())
}

/// The specs of `seed` that expand to a network, for compiling a sample of them.
pub fn valid_sample(seed: u64, wanted: usize) -> Vec<String> {
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let strategy = fuzz_input();
    let mut sample = Vec::new();
    for _ in 0..20_000 {
        if sample.len() == wanted {
            break;
        }
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        let source = proptest::strategy::ValueTree::current(&tree);
        if check_one(&source) == Ok(true) && !sample.contains(&source) {
            sample.push(source);
        }
    }
    sample
}

#[test]
fn fuzz_the_macro() {
    // A long run: as many seeds as fit in the given time.
    if let Some(seconds) = std::env::var("NN_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let (mut cases, mut valid, mut seed) = (0u64, 0u64, 1u64);
        let start = Instant::now();
        while Instant::now() < deadline {
            match fuzz(seed, 5_000) {
                Ok(v) => valid += u64::from(v),
                Err(failure) => panic!("seed {seed}: {failure}"),
            }
            cases += 5_000;
            seed += 1;
        }
        println!(
            "fuzz: {cases} cases in {:.0} s ({valid} expanded to a network), no finding",
            start.elapsed().as_secs_f64()
        );
        return;
    }
    let valid = fuzz(0, 1_000).unwrap_or_else(|failure| panic!("{failure}"));
    println!("fuzz: 1000 cases, {valid} expanded to a network");
    assert!(
        valid >= 100,
        "only {valid} valid specs: the generator broke"
    );
}

/// The other half of the property: a spec that expands without error compiles. A sample of
/// generated valid specs (fixed seed, so the same sample each run; 10 unless
/// `NN_FUZZ_SAMPLE` says otherwise) is built as one crate,
/// in edition 2018, beside the crates of `tests/editions.rs` (sharing their dependencies).
#[test]
fn a_sample_of_valid_specs_compiles() {
    // `NN_FUZZ_SAMPLE` asks for a larger sample in a long run.
    let wanted = std::env::var("NN_FUZZ_SAMPLE")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let sample = valid_sample(7, wanted);
    assert_eq!(
        sample.len(),
        wanted,
        "the generator found too few valid specs"
    );
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("nn-macros lies in the workspace")
        .to_path_buf();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
        .join("tmp");
    let krate = target.join("fuzz-sample");
    std::fs::create_dir_all(krate.join("src")).expect("scratch directory");
    let manifest = format!(
        "[package]\nname = \"nn-fuzz-sample\"\nversion = \"0.0.0\"\nedition = \"2018\"\npublish = false\n\n\
         [dependencies]\nnn = {{ path = {:?}, default-features = false }}\n\n[workspace]\n",
        workspace.display().to_string()
    );
    let mut source = String::from(
        "//! Generated by `a_sample_of_valid_specs_compiles`.\n#![no_std]\n#![deny(warnings)]\n\n",
    );
    for (index, spec) in sample.iter().enumerate() {
        source += &format!(
            "#[allow(dead_code, deprecated, non_camel_case_types)]\nmod spec_{index} {{\n    ::nn::network! {{ {spec} }}\n}}\n\n"
        );
    }
    std::fs::write(krate.join("Cargo.toml"), manifest).expect("manifest");
    std::fs::write(krate.join("src/lib.rs"), &source).expect("source");
    let lock = workspace.join("tests/editions/Cargo.lock");
    if lock.exists() {
        // The same dependency versions as the editions check, resolved without the network.
        let _ = std::fs::copy(&lock, krate.join("Cargo.lock"));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = std::process::Command::new(cargo)
        .args(["build", "--quiet", "--manifest-path"])
        .arg(krate.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target.join("editions"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "valid specs that do not compile:\n{source}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
