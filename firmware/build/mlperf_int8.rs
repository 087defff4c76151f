//! The MLPerf Tiny int8 models for the firmware (features `kws-int8`, `vww-int8`, `ic-int8`,
//! `ad-int8`): each int8 reference file is loaded with `nn::io::tflite::load_int8` into the
//! type its declaration's `quantized:` setting generates, and the parameter image
//! (`from_le_bytes`), seeded int8 inputs and the host's int8 outputs for them are written to
//! `OUT_DIR` for `src/mlperf_int8.rs` to include. The host is bit-exact with TFLite's
//! reference kernels (`tests/int8_network.rs`), so the firmware must match it byte for byte.
//!
//! As for the float models, nothing derived from the reference files leaves the build
//! directory.

use std::path::Path;
use std::{env, fs};

use nn::int8::QuantizedNetwork;
use nn::io::tflite;
use nn::Rng;

use crate::mlperf::{models_dir, AdInt8, IcInt8, KwsInt8, VwwInt8};

/// Seeded random inputs per model; two more follow them: every value −128, every value 127.
const RANDOM_SAMPLES: usize = 4;

/// The (feature, file) of each int8 model.
const FILES: [(&str, &str); 4] = [
    ("kws", "kws_ref_model.tflite"),
    ("vww", "vww_96_int8.tflite"),
    ("ic", "pretrainedResnet_quant.tflite"),
    ("ad", "ad01_int8.tflite"),
];

/// Loads `file` into `$net`, runs the inputs on the host and writes the files.
macro_rules! write_model {
    ($dir:expr, $out:expr, $name:expr, $file:expr, $net:ident) => {{
        let path = $dir.join($file);
        println!("cargo:rerun-if-changed={}", path.display());
        let mut network = Box::new($net::ZERO);
        if let Err(error) = tflite::load_int8(&path, &mut *network) {
            panic!("{}: {error}", path.display());
        }
        let inputs = inputs($name, $net::INPUT_LEN);
        let mut outputs = Vec::with_capacity(inputs.len() / $net::INPUT_LEN * $net::OUTPUT_LEN);
        for input in inputs.chunks_exact($net::INPUT_LEN) {
            let output = network.forward(input.try_into().expect("chunks of INPUT_LEN"));
            outputs.extend_from_slice(&output);
        }
        write_out(
            $out,
            $name,
            &network.to_le_bytes(),
            &inputs,
            &outputs,
            macs::<$net>(),
        );
    }};
}

/// Writes the data of every int8 model whose feature is on.
pub fn write_enabled(out: &Path) {
    let enabled: Vec<(&str, &str)> = FILES
        .into_iter()
        .filter(|(name, _)| {
            env::var_os(format!("CARGO_FEATURE_{}_INT8", name.to_uppercase())).is_some()
        })
        .collect();
    if enabled.is_empty() {
        return;
    }
    println!("cargo:rerun-if-env-changed=NN_MLPERF_DIR");
    let dir = models_dir();
    for (name, file) in enabled {
        match name {
            "kws" => write_model!(dir, out, name, file, KwsInt8),
            "vww" => write_model!(dir, out, name, file, VwwInt8),
            "ic" => write_model!(dir, out, name, file, IcInt8),
            "ad" => write_model!(dir, out, name, file, AdInt8),
            other => unreachable!("no declaration for {other}"),
        }
    }
}

/// `RANDOM_SAMPLES` seeded inputs uniform over −128..=127, then all −128 and all 127.
fn inputs(name: &str, len: usize) -> Vec<i8> {
    let mut rng = Rng::new(0x1278 ^ name.len() as u64);
    let mut inputs: Vec<i8> = (0..RANDOM_SAMPLES * len)
        .map(|_| (rng.next_u64() >> 56) as u8 as i8)
        .collect();
    inputs.extend(std::iter::repeat_n(i8::MIN, len));
    inputs.extend(std::iter::repeat_n(i8::MAX, len));
    inputs
}

/// `<name>_int8.params`, `.inputs`, `.outputs`, and the MACs as `NN_INT8_<NAME>_MACS`.
pub fn write_out(
    out: &Path,
    name: &str,
    params: &[u8],
    inputs: &[i8],
    outputs: &[i8],
    macs: usize,
) {
    println!(
        "cargo:rustc-env=NN_INT8_{}_MACS={macs}",
        name.to_uppercase()
    );
    let bytes = |values: &[i8]| values.iter().map(|&v| v as u8).collect::<Vec<u8>>();
    for (extension, data) in [
        ("params", params.to_vec()),
        ("inputs", bytes(inputs)),
        ("outputs", bytes(outputs)),
    ] {
        let path = out.join(format!("{name}_int8.{extension}"));
        fs::write(&path, data).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    }
}

/// Multiply-accumulates per inference of the convolutions and dense layers.
pub fn macs<N: QuantizedNetwork>() -> usize {
    N::LAYERS
        .iter()
        .map(|layer| layer.kind.multiply_accumulates())
        .sum()
}
