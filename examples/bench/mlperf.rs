//! W7: the four MLPerf Tiny float models, imported from their `.tflite` files, f32 inference
//! on the host at batch 1 (µs per inference) and batch 256 (samples per second), one thread,
//! on seeded random inputs.
//!
//! The files are not part of the repository: they are read from `../shared/mlperf-tiny/`
//! beside it, or from the folder `NN_MLPERF_DIR` names (the mlcommons/tiny repository's
//! `benchmark/training/<task>/trained_models/`).

use nn::{Network, Rng};
use std::path::{Path, PathBuf};

use crate::mnist::w2;
use crate::stats::{result_line, Summary};

include!("../../models/mlperf/kws.rs");
include!("../../models/mlperf/vww.rs");
include!("../../models/mlperf/ic.rs");
include!("../../models/mlperf/ad.rs");

/// Random inputs of a batch-1 pass.
const BATCH_1_SAMPLES: usize = 100;

/// The figures of one model.
pub struct Results {
    pub name: &'static str,
    pub batch_1_us: Summary,
    pub batch_256_per_second: Summary,
}

/// The folder of the reference models.
pub fn models_dir() -> PathBuf {
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

/// `network` with the weights of `dir/file`.
fn import<N: Network>(dir: &Path, file: &str, mut network: Box<N>) -> Result<Box<N>, String> {
    let path = dir.join(file);
    nn::io::tflite::load(&path, &mut *network).map_err(|error| {
        format!(
            "{}: {error} (W7 reads the MLPerf Tiny reference models from ../shared/mlperf-tiny \
             or NN_MLPERF_DIR)",
            path.display()
        )
    })?;
    Ok(network)
}

/// Batch 1 and batch 256 for one imported model, on 256 inputs drawn uniformly from ±1.
fn measure<N: Network>(name: &'static str, network: &N, repeats: usize) -> Results {
    eprintln!("MLPerf Tiny {name}: W7 …");
    let mut rng = Rng::new(7);
    let inputs: Vec<f32> = (0..256 * N::INPUT_LEN).map(|_| rng.uniform(1.0)).collect();
    let data = nn::Dataset::new(inputs, vec![0.0; 256], N::INPUT_LEN, 1).expect("sizes");
    let batch_1 = crate::mnist::w1(network, &data.take(BATCH_1_SAMPLES), repeats);
    Results {
        name,
        batch_1_us: Summary {
            median: batch_1.median / 1e3,
            min: batch_1.min / 1e3,
            max: batch_1.max / 1e3,
        },
        batch_256_per_second: w2(network, &data, repeats),
    }
}

/// W7 for the four models, in the order kws, vww, ic, ad.
pub fn run(repeats: usize) -> Result<Vec<Results>, String> {
    let dir = models_dir();
    let kws = import(&dir, "kws_ref_model_float32.tflite", Kws::new_boxed(0))?;
    let vww = import(&dir, "vww_96_float.tflite", Vww::new_boxed(0))?;
    let ic = import(&dir, "pretrainedResnet.tflite", Ic::new_boxed(0))?;
    let ad = import(&dir, "ad01_fp32.tflite", Ad::new_boxed(0))?;
    Ok(vec![
        measure("kws", &*kws, repeats),
        measure("vww", &*vww, repeats),
        measure("ic", &*ic, repeats),
        measure("ad", &*ad, repeats),
    ])
}

/// Writes the four imported models as `<name>.onnx` into `out`, for ONNX Runtime
/// (`scripts/bench_peers.py`). They are derived from the reference models: write them
/// outside the repository.
pub fn export_onnx(out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let dir = models_dir();
    std::fs::create_dir_all(out)?;
    let kws = import(&dir, "kws_ref_model_float32.tflite", Kws::new_boxed(0))?;
    nn::io::save_onnx(&*kws, out.join("kws.onnx"))?;
    let vww = import(&dir, "vww_96_float.tflite", Vww::new_boxed(0))?;
    nn::io::save_onnx(&*vww, out.join("vww.onnx"))?;
    let ic = import(&dir, "pretrainedResnet.tflite", Ic::new_boxed(0))?;
    nn::io::save_onnx(&*ic, out.join("ic.onnx"))?;
    let ad = import(&dir, "ad01_fp32.tflite", Ad::new_boxed(0))?;
    nn::io::save_onnx(&*ad, out.join("ad.onnx"))?;
    println!("wrote kws, vww, ic and ad.onnx into {}", out.display());
    Ok(())
}

/// The W7 table, one row per model.
pub fn print_table(results: &[Results]) {
    println!(
        "| {:<38} | {:<30} | {:<30} |",
        "W7 MLPerf Tiny (f32, one thread)", "batch 1, µs/inference", "batch 256, samples/s"
    );
    println!("|{:-<40}|{:-<32}|{:-<32}|", "", "", "");
    for r in results {
        println!(
            "| {:<38} | {:<30} | {:<30} |",
            r.name,
            r.batch_1_us.show(1),
            r.batch_256_per_second.show(0)
        );
    }
}

/// The W7 figures as `result` lines.
pub fn print_results(results: &[Results]) {
    for r in results {
        println!("{}", result_line("W7", r.name, "b1_us", &r.batch_1_us));
        println!(
            "{}",
            result_line("W7", r.name, "b256_per_s", &r.batch_256_per_second)
        );
    }
}
