//! The MLPerf Tiny models for the firmware: each float reference file is imported into its
//! declaration of `models/mlperf/` on the host, and the parameters, seeded test inputs and
//! the host's outputs for them are written to `OUT_DIR` for `src/mlperf.rs` to include.
//!
//! The reference files are not part of the repository (nor is anything derived from them):
//! they are read from `../shared/mlperf-tiny/` beside the repository or from the folder
//! `NN_MLPERF_DIR` names, and what is derived from them lives only in the build directory.

use std::path::{Path, PathBuf};
use std::{env, fs};

use nn::io::tflite;
use nn::{Network, Rng};

include!("../../models/mlperf/kws.rs");
include!("../../models/mlperf/vww.rs");
include!("../../models/mlperf/ic.rs");
include!("../../models/mlperf/ad.rs");

/// Inputs per model that the firmware runs and compares with the host.
const SAMPLES: usize = 4;

/// One model of the benchmark: its name (the firmware's feature), its float file, and the
/// int8 file whose input quantization gives the range the inputs are drawn from (the range
/// the model was trained on).
struct Reference {
    name: &'static str,
    float_file: &'static str,
    int8_file: &'static str,
}

const REFERENCES: [Reference; 4] = [
    Reference {
        name: "kws",
        float_file: "kws_ref_model_float32.tflite",
        int8_file: "kws_ref_model.tflite",
    },
    Reference {
        name: "vww",
        float_file: "vww_96_float.tflite",
        int8_file: "vww_96_int8.tflite",
    },
    Reference {
        name: "ic",
        float_file: "pretrainedResnet.tflite",
        int8_file: "pretrainedResnet_quant.tflite",
    },
    Reference {
        name: "ad",
        float_file: "ad01_fp32.tflite",
        int8_file: "ad01_int8.tflite",
    },
];

/// Writes the data of every model whose feature is on.
pub fn write_enabled(out: &Path) {
    let enabled: Vec<&Reference> = REFERENCES
        .iter()
        .filter(|r| env::var_os(format!("CARGO_FEATURE_{}", r.name.to_uppercase())).is_some())
        .collect();
    if enabled.is_empty() {
        return;
    }
    println!("cargo:rerun-if-env-changed=NN_MLPERF_DIR");
    println!("cargo:rerun-if-changed=../models/mlperf");
    let dir = models_dir();
    for reference in enabled {
        match reference.name {
            "kws" => write(&dir, reference, out, Kws::zeroed_boxed()),
            "vww" => write(&dir, reference, out, Vww::zeroed_boxed()),
            "ic" => write(&dir, reference, out, Ic::zeroed_boxed()),
            "ad" => write(&dir, reference, out, Ad::zeroed_boxed()),
            other => unreachable!("no declaration for {other}"),
        }
    }
}

pub fn models_dir() -> PathBuf {
    let dir = env::var_os("NN_MLPERF_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
                .join("../../shared/mlperf-tiny")
        });
    if !dir.is_dir() {
        panic!(
            "the MLPerf Tiny firmware features read the reference models of the mlcommons/tiny \
             repository (benchmark/training/<task>/trained_models/*.tflite), and {} does not \
             exist: copy them into ../shared/mlperf-tiny/ beside this repository, or set \
             NN_MLPERF_DIR to the folder that holds them",
            dir.display()
        );
    }
    dir
}

/// Imports the float file into `N`, draws `SAMPLES` inputs, runs them on the host and
/// writes `<name>.params`, `<name>.inputs` and `<name>.outputs` (little-endian f32).
fn write<N: Network>(dir: &Path, reference: &Reference, out: &Path, mut network: Box<N>) {
    let float_path = dir.join(reference.float_file);
    println!("cargo:rerun-if-changed={}", float_path.display());
    if let Err(error) = tflite::load(&float_path, &mut *network) {
        panic!("{}: {error}", float_path.display());
    }

    let (low, high) = input_range(&dir.join(reference.int8_file));
    let mut rng = Rng::new(0x5eed ^ reference.name.len() as u64);
    let inputs: Vec<f32> = (0..SAMPLES * N::INPUT_LEN)
        .map(|_| low + (high - low) * rng.next_f32())
        .collect();
    let mut outputs = vec![0.0; SAMPLES * N::OUTPUT_LEN];
    for (input, output) in inputs
        .chunks_exact(N::INPUT_LEN)
        .zip(outputs.chunks_exact_mut(N::OUTPUT_LEN))
    {
        network.forward_sample(input, output);
    }

    println!(
        "cargo:rustc-env=NN_MLPERF_{}_MACS={}",
        reference.name.to_uppercase(),
        macs::<N>()
    );
    write_f32s(
        &out.join(format!("{}.params", reference.name)),
        network.params(),
    );
    write_f32s(&out.join(format!("{}.inputs", reference.name)), &inputs);
    write_f32s(&out.join(format!("{}.outputs", reference.name)), &outputs);
}

/// Multiply-accumulates per inference: every weight tensor once per output position (a dense
/// layer's one, a convolution's every pixel of its output map).
fn macs<N: Network>() -> usize {
    N::LAYERS
        .iter()
        .filter_map(|layer| {
            let weight_name = format!("{}.weight", layer.name);
            let weight = N::TENSORS.iter().find(|t| t.name == weight_name)?;
            let output_len: usize = layer.output_shape.iter().product();
            Some(weight.len() * output_len / weight.shape[0])
        })
        .sum()
}

/// The real values that the int8 file's input quantization covers, `scale·(q − zero)` for
/// q in −128..=127.
fn input_range(int8_path: &Path) -> (f32, f32) {
    println!("cargo:rerun-if-changed={}", int8_path.display());
    let model =
        tflite::read(int8_path).unwrap_or_else(|error| panic!("{}: {error}", int8_path.display()));
    let graph = model.main_graph();
    let input = &graph.tensors[graph.inputs[0]];
    let q = input
        .quantization
        .as_ref()
        .unwrap_or_else(|| panic!("{}: the input is not quantized", int8_path.display()));
    let (scale, zero) = (q.scales[0], q.zero_points[0] as f32);
    (scale * (-128.0 - zero), scale * (127.0 - zero))
}

fn write_f32s(path: &Path, values: &[f32]) {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    fs::write(path, bytes).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
}
