//! Generated code compiles in 2018- and 2015-edition crates (trybuild compiles its cases
//! in this crate's edition, 2021): builds `tests/editions/`, a library in edition 2018 and
//! a binary in edition 2015, each with `#![deny(warnings)]`.

use std::path::Path;
use std::process::Command;

#[test]
fn specs_compile_in_editions_2018_and_2015() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/editions/Cargo.toml");
    // Its own target directory under the workspace's: the outer `cargo test` holds the lock
    // of the main one.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("editions");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["build", "--quiet", "--offline", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "the edition crates do not compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
