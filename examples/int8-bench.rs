//! MLPerf Tiny's four int8 models (KWS, VWW, IC, AD) on the host at batch 1, one thread: µs
//! per inference (`forward_into`) over 100 seeded random int8 inputs, with every kernel
//! variant this CPU runs. The int8 convolutions and dense layers follow the variant:
//! `portable` runs the portable kernels, `avx2` the AVX2 ones, `avx512` the AVX-512 VNNI ones
//! where the CPU has VNNI.
//!
//! The kernel table is chosen once per process (`NN_KERNELS`), so each variant runs in a
//! child process of this one; the variants take turns round by round, so that they share
//! whatever else the machine is doing, and each speed-up is the median of the rounds' ratios,
//! all measured in this one run.
//!
//! ```sh
//! cargo run --release --example int8-bench              # 5 rounds
//! cargo run --release --example int8-bench -- --rounds 9
//! cargo run --release --example int8-bench -- --only kws,ic
//! ```
//!
//! The models are read from `../shared/mlperf-tiny/` beside the repository, or from the folder
//! `NN_MLPERF_DIR` names.

use nn::int8::QuantizedNetwork;
use nn::ops::kernels::Variant;
use nn::Rng;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

include!("../models/mlperf/kws.rs");
include!("../models/mlperf/vww.rs");
include!("../models/mlperf/ic.rs");
include!("../models/mlperf/ad.rs");

/// Inputs of one timed pass.
const SAMPLES: usize = 100;
/// Passes per model in one child process; it reports the fastest.
const PASSES: usize = 2;
/// The environment variable that makes this process a child, measuring its own variant.
const CHILD: &str = "NN_INT8_BENCH_CHILD";
const MODELS: [&str; 4] = ["kws", "vww", "ic", "ad"];

fn models_dir() -> PathBuf {
    std::env::var_os("NN_MLPERF_DIR").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/mlperf-tiny"
            ))
        },
        PathBuf::from,
    )
}

/// µs per inference of the int8 model in `dir/file`: the fastest of [`PASSES`] passes over
/// [`SAMPLES`] seeded inputs, after a warm-up pass.
fn measure<N: QuantizedNetwork>(
    dir: &Path,
    file: &str,
    mut net: Box<N>,
    forward: impl Fn(&N, &[i8], &mut [i8], &mut [i8]),
    scratch_len: usize,
) -> Result<f64, String> {
    let path = dir.join(file);
    nn::io::tflite::load_int8(&path, &mut *net).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rng = Rng::new(11);
    let inputs: Vec<i8> = (0..SAMPLES * N::INPUT_LEN)
        .map(|_| (rng.next_u64() >> 56) as u8 as i8)
        .collect();
    let mut scratch = vec![0i8; scratch_len];
    let mut output = vec![0i8; N::OUTPUT_LEN];
    let mut pass = || {
        let start = Instant::now();
        for x in inputs.chunks_exact(N::INPUT_LEN) {
            forward(&net, x, &mut scratch, &mut output);
            std::hint::black_box(&output);
        }
        start.elapsed().as_secs_f64() * 1e6 / SAMPLES as f64
    };
    pass();
    Ok((0..PASSES).map(|_| pass()).fold(f64::INFINITY, f64::min))
}

/// A child: this process's variant on the models `only` lists (all four if empty), one
/// `model µs` line each.
fn child(only: &str) -> Result<(), String> {
    let dir = models_dir();
    macro_rules! run {
        ($ty:ty, $name:expr, $file:expr) => {{
            if only.is_empty() || only.split(',').any(|m| m == $name) {
                let us = measure(
                    &dir,
                    $file,
                    Box::new(<$ty>::ZERO),
                    |net: &$ty, x, scratch, y| {
                        net.forward_into(
                            x.try_into().unwrap(),
                            scratch.try_into().unwrap(),
                            y.try_into().unwrap(),
                        )
                    },
                    <$ty>::SCRATCH_BYTES,
                )?;
                println!("{} {us}", $name);
            }
        }};
    }
    run!(KwsInt8, "kws", "kws_ref_model.tflite");
    run!(VwwInt8, "vww", "vww_96_int8.tflite");
    run!(IcInt8, "ic", "pretrainedResnet_quant.tflite");
    run!(AdInt8, "ad", "ad01_int8.tflite");
    Ok(())
}

/// Which int8 kernels the `avx512` variant runs on this CPU.
fn int8_kernels() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx512vnni") && std::is_x86_feature_detected!("avx512bw") {
        return "int8 kernels: avx2 = AVX2 (vpmaddwd), avx512 = AVX-512 VNNI (vpdpbusd)";
    }
    "int8 kernels: avx2 = AVX2 (vpmaddwd); avx512, where it runs, the same (no AVX-512 VNNI)"
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    (values[(n - 1) / 2] + values[n / 2]) / 2.0
}

fn main() -> Result<(), String> {
    if let Some(only) = std::env::var_os(CHILD) {
        return child(&only.to_string_lossy());
    }
    let only = std::env::args()
        .skip_while(|a| a != "--only")
        .nth(1)
        .unwrap_or_default();
    let models: Vec<&str> = MODELS
        .into_iter()
        .filter(|m| only.is_empty() || only.split(',').any(|o| o == *m))
        .collect();
    let rounds: usize = std::env::args()
        .skip_while(|a| a != "--rounds")
        .nth(1)
        .map_or(Ok(5), |r| r.parse().map_err(|e| format!("--rounds: {e}")))?;
    let variants: Vec<Variant> = [Variant::Portable, Variant::Avx2, Variant::Avx512]
        .into_iter()
        .filter(|v| v.is_supported())
        .collect();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // times[(variant, model)][round]
    let mut times: HashMap<(&str, &str), Vec<f64>> = HashMap::new();
    for round in 0..rounds {
        eprintln!("round {} of {rounds} …", round + 1);
        for v in &variants {
            let out = Command::new(&exe)
                .env(CHILD, &only)
                .env("NN_KERNELS", v.name())
                .output()
                .map_err(|e| e.to_string())?;
            if !out.status.success() {
                return Err(String::from_utf8_lossy(&out.stderr).into_owned());
            }
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                let (model, us) = line.split_once(' ').ok_or("a child's line")?;
                let model = MODELS.into_iter().find(|m| *m == model).ok_or("a model")?;
                let us: f64 = us.parse().map_err(|_| "a child's figure")?;
                times.entry((v.name(), model)).or_default().push(us);
            }
        }
    }
    println!(
        "MLPerf Tiny int8, batch 1, one thread: µs per inference (median of {rounds} rounds, \
         each the fastest of {PASSES} passes over {SAMPLES} inputs); speed-up over portable: \
         the median of the rounds' ratios\n{}\n",
        int8_kernels()
    );
    print!("| model |");
    for v in &variants {
        print!(" {} µs |", v.name());
    }
    for v in variants.iter().skip(1) {
        print!(" {} speed-up |", v.name());
    }
    println!();
    println!("|---|{}", "---:|".repeat(2 * variants.len() - 1));
    for &model in &models {
        print!("| {model} |");
        for v in &variants {
            print!(" {:.1} |", median(times[&(v.name(), model)].clone()));
        }
        let portable = &times[&("portable", model)];
        for v in variants.iter().skip(1) {
            let ratios = portable
                .iter()
                .zip(&times[&(v.name(), model)])
                .map(|(p, t)| p / t)
                .collect();
            print!(" {:.2}× |", median(ratios));
        }
        println!();
    }
    Ok(())
}
