//! Puts `memory.x` where the linker script of cortex-m-rt (`link.x`) looks for it, and, for
//! the MLPerf Tiny features, imports the reference models on the host (`build/mlperf.rs`,
//! `build/mlperf_int8.rs`); for the int8 MNIST features, quantizes the trained networks
//! (`build/mnist_int8.rs`).

use std::{env, fs, path::PathBuf};

#[path = "build/mlperf.rs"]
mod mlperf;
#[path = "build/mlperf_int8.rs"]
mod mlperf_int8;
#[path = "build/mnist_int8.rs"]
mod mnist_int8;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy("memory.x", out.join("memory.x")).expect("copy memory.x to OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build");
    mlperf::write_enabled(&out);
    mlperf_int8::write_enabled(&out);
    mnist_int8::write_enabled(&out);
    harness_cfgs();
}

/// `mnist_harness` when the image carries an MNIST network or no network at all (the size
/// baseline runs the MNIST harness with a stub), `baseline` in the latter case.
fn harness_cfgs() {
    println!("cargo::rustc-check-cfg=cfg(mnist_harness)");
    println!("cargo::rustc-check-cfg=cfg(baseline)");
    let on =
        |feature: &str| env::var_os(format!("CARGO_FEATURE_{}", feature.to_uppercase())).is_some();
    let mnist = ["mlp", "cnn", "lstm", "resnet"].into_iter().any(on);
    let mlperf = [
        "kws",
        "vww",
        "ic",
        "ad",
        "kws-int8",
        "vww-int8",
        "ic-int8",
        "ad-int8",
        "mlp-int8",
        "cnn-int8",
        "int8-kernel-tests",
    ]
    .into_iter()
    .any(|feature| on(&feature.replace('-', "_")));
    if mnist || !mlperf {
        println!("cargo::rustc-cfg=mnist_harness");
    }
    // The int8 images' harness (src/int8_harness.rs) and the timer and stack readings only
    // it uses.
    println!("cargo::rustc-check-cfg=cfg(int8_harness)");
    let int8 = ["kws", "vww", "ic", "ad", "mlp", "cnn"]
        .into_iter()
        .any(|model| on(&format!("{model}_int8")));
    if int8 {
        println!("cargo::rustc-cfg=int8_harness");
    }
    if !mnist && !mlperf {
        println!("cargo::rustc-cfg=baseline");
    }
}
