//! Running `.tflite` bytes in TFLite's interpreter with its reference kernels, through
//! `scripts/tflite_export_check.py` and the Python `NN_LITERT_PYTHON` names.

use std::path::Path;
use std::process::Command;

use nn::int8::{Int8LayerKind, QuantizedNetwork};
use nn::Rng;

/// Seeded random inputs per comparison, before the two edge inputs.
pub const RANDOM_INPUTS: usize = 100;

/// What the interpreter computed: each input's output, and each input's operator outputs in
/// execution order.
pub struct Reference {
    pub outputs: Vec<i8>,
    pub steps: Vec<i8>,
}

/// The interpreter's outputs for `inputs` (whole inputs in nn's order, one after the
/// other), through the script, or `None` when `NN_LITERT_PYTHON` is not set.
pub fn tflite_outputs(name: &str, model: &[u8], inputs: &[i8]) -> Option<Reference> {
    let python = std::env::var_os("NN_LITERT_PYTHON")?;
    let dir = std::env::temp_dir().join(format!("nn-tflite-export-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |file: &str| dir.join(file);
    std::fs::write(path("model.tflite"), model).unwrap();
    std::fs::write(
        path("inputs.i8"),
        inputs.iter().map(|&v| v as u8).collect::<Vec<u8>>(),
    )
    .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/tflite_export_check.py");
    let status = Command::new(&python)
        .arg(&script)
        .args([path("model.tflite"), path("inputs.i8"), path("outputs.i8")])
        .arg("--steps")
        .arg(path("steps.i8"))
        .status()
        .unwrap_or_else(|e| panic!("cannot run {python:?}: {e}"));
    assert!(status.success(), "{} failed on {name}", script.display());
    let read = |file: &str| {
        let bytes = std::fs::read(path(file)).unwrap();
        bytes.into_iter().map(|b| b as i8).collect()
    };
    let reference = Reference {
        outputs: read("outputs.i8"),
        steps: read("steps.i8"),
    };
    std::fs::remove_dir_all(&dir).unwrap();
    Some(reference)
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

/// `$net`'s (of type `$ty`) output and each step's output on one input, through
/// `forward_inspect`.
#[macro_export]
macro_rules! forward_steps {
    ($net:expr, $ty:ty) => {
        |x: &[i8]| {
            let mut scratch = [0i8; <$ty>::SCRATCH_BYTES];
            let mut output = [0i8; <$ty>::OUTPUT_LEN];
            let mut steps = vec![Vec::new(); <$ty as nn::int8::QuantizedNetwork>::LAYERS.len()];
            $net.forward_inspect(
                x.try_into().unwrap(),
                &mut scratch,
                &mut output,
                |k, values| steps[k] = values.to_vec(),
            );
            (output.to_vec(), steps)
        }
    };
}

/// Runs `N` (through `run`, which gives the output and each step's output) and TFLite on
/// the same inputs and counts the bytes that differ, in the final outputs and in every
/// step's output (but a `flatten`'s, which TFLite orders as `[H, W, C]`; the dense layer
/// reading it is compared); returns the report line and the differing bytes, or `None`
/// without Python.
pub fn compare<N: QuantizedNetwork>(
    name: &str,
    model: &[u8],
    run: impl Fn(&[i8]) -> (Vec<i8>, Vec<Vec<i8>>),
) -> Option<(String, usize)> {
    let inputs = test_inputs(N::INPUT_LEN, 2024);
    let reference = tflite_outputs(name, model, &inputs)?;
    let mut ours = Vec::new();
    let (mut step_bytes, mut step_differing) = (0, 0);
    let mut theirs_steps = reference.steps.as_slice();
    for x in inputs.chunks_exact(N::INPUT_LEN) {
        let (output, steps) = run(x);
        ours.extend(output);
        for (layer, values) in N::LAYERS.iter().zip(&steps) {
            let (theirs, rest) = theirs_steps.split_at(values.len());
            theirs_steps = rest;
            if layer.kind != Int8LayerKind::Flatten {
                step_bytes += values.len();
                step_differing += values.iter().zip(theirs).filter(|(a, b)| a != b).count();
            }
        }
    }
    assert!(
        theirs_steps.is_empty(),
        "{name}: TFLite has more step outputs"
    );
    assert_eq!(
        reference.outputs.len(),
        ours.len(),
        "{name}: output lengths"
    );
    let differing = ours
        .iter()
        .zip(&reference.outputs)
        .filter(|(a, b)| a != b)
        .count();
    let count = inputs.len() / N::INPUT_LEN;
    let line = format!(
        "{name}: {count} inputs, {} output bytes, {differing} differing; {step_bytes} step \
         output bytes, {step_differing} differing",
        ours.len()
    );
    Some((line, differing + step_differing))
}
