//! Compile-error tests of `network!`: one case per diagnostic, grouped by what the case
//! gets wrong. The `.stderr` files are generated with `TRYBUILD=overwrite cargo test --test ui`
//! and reviewed like code; never edit them by hand.

/// The groups of `tests/ui/` whose cases must fail to compile. (`tests/ui/pass/` holds specs
/// that must compile, so a single `tests/ui/*/*.rs` glob would not do.)
const COMPILE_FAIL_GROUPS: &[&str] = &[
    "syntax",
    "input",
    "layers",
    "shapes",
    "conv",
    "recurrent",
    "loss",
    "multi",
    "budget",
    "limits",
    "hygiene",
    "graph",
    "quantized",
];

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    for group in COMPILE_FAIL_GROUPS {
        cases.compile_fail(format!("tests/ui/{group}/*.rs"));
    }
    cases.pass("tests/ui/pass/*.rs");
}
