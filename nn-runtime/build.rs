//! `cfg(nn_arm_dsp)` on Cortex-M targets with the DSP extension (`thumbv7em`), where the
//! int8 kernels use `SMLAD` and `SXTB16` (`src/int8/dsp.rs`). Stable Rust does not report
//! Arm's `dsp` target feature to `cfg`, so the target's name decides (or the feature, when
//! a toolchain does report it).

use std::env;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(nn_arm_dsp)");
    println!("cargo:rerun-if-changed=build.rs");
    let target = env::var("TARGET").unwrap_or_default();
    let features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    if target.starts_with("thumbv7em") || features.split(',').any(|f| f == "dsp") {
        println!("cargo::rustc-cfg=nn_arm_dsp");
    }
}
