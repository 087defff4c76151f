//! Running `.tflite` bytes in TFLite's interpreter with its reference kernels, through
//! `scripts/tflite_export_check.py` and the Python `NN_LITERT_PYTHON` names.

use std::path::Path;
use std::process::Command;

use nn::Rng;

/// Seeded random inputs per comparison, before the two edge inputs.
pub const RANDOM_INPUTS: usize = 100;

/// The interpreter's outputs for `inputs` (whole inputs in nn's order, one after the
/// other), through the script, or `None` when `NN_LITERT_PYTHON` is not set.
pub fn tflite_outputs(name: &str, model: &[u8], inputs: &[i8]) -> Option<Vec<i8>> {
    let python = std::env::var_os("NN_LITERT_PYTHON")?;
    let dir = std::env::temp_dir().join(format!("nn-tflite-export-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (model_path, inputs_path, outputs_path) = (
        dir.join(format!("{name}.tflite")),
        dir.join("inputs.i8"),
        dir.join("outputs.i8"),
    );
    std::fs::write(&model_path, model).unwrap();
    std::fs::write(
        &inputs_path,
        inputs.iter().map(|&v| v as u8).collect::<Vec<u8>>(),
    )
    .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/tflite_export_check.py");
    let status = Command::new(&python)
        .arg(&script)
        .args([&model_path, &inputs_path, &outputs_path])
        .status()
        .unwrap_or_else(|e| panic!("cannot run {python:?}: {e}"));
    assert!(status.success(), "{} failed on {name}", script.display());
    let outputs = std::fs::read(&outputs_path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    Some(outputs.into_iter().map(|b| b as i8).collect())
}

/// 100 seeded random inputs, then all −128 and all 127.
pub fn test_inputs(len: usize, seed: u64) -> Vec<i8> {
    let mut rng = Rng::new(seed);
    let mut inputs: Vec<i8> = (0..RANDOM_INPUTS * len)
        .map(|_| (rng.below(256) as i32 - 128) as i8)
        .collect();
    inputs.extend(std::iter::repeat_n(-128, len));
    inputs.extend(std::iter::repeat_n(127, len));
    inputs
}

/// Runs `forward` and TFLite on the same inputs; returns a line of the report, or `None`
/// without Python.
pub fn compare(
    name: &str,
    model: &[u8],
    (input_len, output_len): (usize, usize),
    forward: impl Fn(&[i8]) -> Vec<i8>,
) -> Option<(String, usize)> {
    let inputs = test_inputs(input_len, 2024);
    let theirs = tflite_outputs(name, model, &inputs)?;
    let ours: Vec<i8> = inputs.chunks_exact(input_len).flat_map(&forward).collect();
    assert_eq!(theirs.len(), ours.len(), "{name}: output lengths");
    let differing = ours.iter().zip(&theirs).filter(|(a, b)| a != b).count();
    let count = inputs.len() / input_len;
    let line = format!(
        "{name}: {count} inputs, {} output bytes, {differing} differing bytes",
        count * output_len
    );
    Some((line, differing))
}
