//! `nn`'s int8 kernels against TFLite's reference kernels on the four MLPerf Tiny int8
//! models, bit for bit, on every operator's output.
//!
//! The models are read from `../shared/mlperf-tiny/` beside the repository, or from the
//! folder `NN_MLPERF_DIR` names. When `NN_INT8_EXPECTED` names a folder written by
//! `scripts/mlperf_int8_reference.py` (every activation tensor of TFLite's interpreter with
//! `BUILTIN_REF`, on 100 seeded random inputs plus all −128 and all 127), each operator is
//! run on TFLite's own inputs and its output compared with TFLite's, and each model is run
//! end to end on `nn`'s own outputs and its final output compared. Without the variable the
//! comparison is skipped, and says so.
//!
//! This walks the flatbuffer's operators itself (`Int8Operator::run`): it checks the kernels
//! and their parameters, not the inference path `network!` will generate.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use nn::int8::{QuantizedMultiplier, Requantize};
use nn::io::tflite::{self, int8 as prepared};
use prepared::{Int8Kind, Int8Operator};

const MODELS: [(&str, &str); 4] = [
    ("kws", "kws_ref_model.tflite"),
    ("vww", "vww_96_int8.tflite"),
    ("ic", "pretrainedResnet_quant.tflite"),
    ("ad", "ad01_int8.tflite"),
];

fn mlperf_path(file: &str) -> PathBuf {
    let dir = std::env::var_os("NN_MLPERF_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/mlperf-tiny"));
    let path = dir.join(file);
    assert!(
        path.exists(),
        "{} is missing. These tests read the MLPerf Tiny reference models of the mlcommons/tiny \
         repository (benchmark/training/<task>/trained_models/*.tflite): copy them into \
         ../shared/mlperf-tiny/ beside this repository, or set NN_MLPERF_DIR to the folder \
         that holds them.",
        path.display()
    );
    path
}

fn prepare_model(file: &str) -> (tflite::Model, Vec<Int8Operator>) {
    let path = mlperf_path(file);
    let model = tflite::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let operators = prepared::prepare(model.main_graph()).unwrap_or_else(|e| panic!("{file}: {e}"));
    (model, operators)
}

/// TFLite's tensors for one model: `samples` values of each activation tensor, in nn's order.
struct Expected {
    samples: usize,
    tensors: HashMap<usize, Vec<i8>>,
}

impl Expected {
    fn read(dir: &Path, model: &str) -> Self {
        let folder = dir.join(model);
        let manifest = std::fs::read_to_string(folder.join("manifest.txt")).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; write it with scripts/mlperf_int8_reference.py",
                folder.display()
            )
        });
        let mut samples = 0;
        let mut tensors = HashMap::new();
        for line in manifest.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            match fields[0] {
                "samples" => samples = fields[1].parse().unwrap(),
                "tensor" => {
                    let index: usize = fields[1].parse().unwrap();
                    let len: usize = fields[3..]
                        .iter()
                        .map(|d| d.parse::<usize>().unwrap())
                        .product();
                    let bytes = std::fs::read(folder.join(format!("t{index}.i8"))).unwrap();
                    assert_eq!(bytes.len(), samples * len, "{model}: tensor {index}");
                    tensors.insert(index, bytes.into_iter().map(|b| b as i8).collect());
                }
                _ => {}
            }
        }
        Self { samples, tensors }
    }

    /// Sample `s` of tensor `index`.
    fn sample(&self, index: usize, s: usize) -> &[i8] {
        let all = self
            .tensors
            .get(&index)
            .unwrap_or_else(|| panic!("TFLite's tensor {index} is not in the expected data"));
        let len = all.len() / self.samples;
        &all[s * len..][..len]
    }
}

/// Prints how many outputs of a dense operator would differ from TFLite's reference kernel
/// if it requantized with the 31-bit fixed-point multipliers of TFLite's optimized kernels
/// (and TFLite Micro's) instead of in double precision: why the reference needs
/// `DoubleScale`.
fn fixed_point_dense_differences(operator: &Int8Operator, expected: &Expected) {
    let Int8Kind::FullyConnected {
        weight,
        bias,
        stage,
        multipliers,
    } = &operator.kind
    else {
        return;
    };
    let fixed_point = nn::int8::OutputStage {
        input_zero_point: stage.input_zero_point,
        weight_zero_point: stage.weight_zero_point,
        output_zero_point: stage.output_zero_point,
        min: stage.min,
        max: stage.max,
        scales: multipliers,
    };
    let mut output = vec![0i8; expected.sample(operator.output, 0).len()];
    let mut differ = 0;
    for s in 0..expected.samples {
        let input = expected.sample(operator.inputs[0], s);
        nn::int8::fully_connected(&fixed_point, weight, bias, input, &mut output);
        let want = expected.sample(operator.output, s);
        differ += output.iter().zip(want).filter(|(a, b)| a != b).count();
    }
    println!(
        "    (with fixed-point multipliers instead of the reference's double-precision scales, \
         {differ} of {} elements would differ)",
        expected.samples * output.len()
    );
}

/// TFLite's `MultiplyByQuantizedMultiplier` when built with `TFLITE_SINGLE_ROUNDING`:
/// `(x · multiplier + 2^(30 − shift)) >> (31 − shift)`, one rounding.
#[derive(Clone, Copy)]
struct SingleRounding(QuantizedMultiplier);

impl Requantize for SingleRounding {
    type Prepared = Self;

    fn requantize(self, x: i32) -> i32 {
        let total_shift = 31 - self.0.shift;
        let rounded = i64::from(x) * i64::from(self.0.multiplier) + (1i64 << (total_shift - 1));
        (rounded >> total_shift) as i32
    }

    fn prepare(self) -> Option<Self> {
        Some(self)
    }

    fn requantize_prepared(prepared: Self, x: i32) -> i32 {
        prepared.requantize(x)
    }
}

/// How many outputs of a model's convolutions (on TFLite's inputs, the first `samples`
/// samples) would differ from TFLite's had it been built with single rounding: the
/// comparison has to be able to tell the two builds apart.
fn single_rounding_differences(
    operators: &[Int8Operator],
    expected: &Expected,
    samples: usize,
) -> (usize, usize) {
    let (mut differ, mut compared) = (0, 0);
    for operator in operators {
        let (Int8Kind::Conv2d {
            shape,
            weight,
            bias,
            stage,
        }
        | Int8Kind::DepthwiseConv2d {
            shape,
            weight,
            bias,
            stage,
        }) = &operator.kind
        else {
            continue;
        };
        let scales: Vec<SingleRounding> = stage.scales.iter().map(|&m| SingleRounding(m)).collect();
        let single = nn::int8::OutputStage {
            input_zero_point: stage.input_zero_point,
            weight_zero_point: stage.weight_zero_point,
            output_zero_point: stage.output_zero_point,
            min: stage.min,
            max: stage.max,
            scales: &scales,
        };
        for s in 0..samples {
            let input = expected.sample(operator.inputs[0], s);
            let want = expected.sample(operator.output, s);
            let mut output = vec![0i8; want.len()];
            if let Int8Kind::Conv2d { .. } = operator.kind {
                nn::int8::conv2d(shape, &single, weight, bias, input, &mut output);
            } else {
                nn::int8::depthwise_conv2d(shape, &single, weight, bias, input, &mut output);
            }
            differ += output.iter().zip(want).filter(|(a, b)| a != b).count();
            compared += want.len();
        }
    }
    (differ, compared)
}

#[test]
fn every_operator_of_the_four_int8_models_prepares() {
    for (name, file) in MODELS {
        let (model, operators) = prepare_model(file);
        assert_eq!(
            operators.len(),
            model.main_graph().operators.len(),
            "{name}"
        );
        let kinds: Vec<&str> = operators.iter().map(|o| o.kind.name()).collect();
        println!("{name}: {}", kinds.join(" "));
    }
}

#[test]
fn int8_kernels_match_tflite_bit_for_bit() {
    let Some(dir) = std::env::var_os("NN_INT8_EXPECTED").map(PathBuf::from) else {
        // Straight to stderr, past the test harness's capture, so that a skip is seen.
        let _ = std::io::stderr().write_all(
            b"\nSKIPPED: NN_INT8_EXPECTED is not set, so nn's int8 kernels were NOT compared \
              with TFLite. Run `python scripts/mlperf_int8_reference.py DIR` (ai-edge-litert \
              2.3.0 and numpy), then `NN_INT8_EXPECTED=DIR cargo test --test int8_reference`.\n",
        );
        return;
    };
    let mut failures = Vec::new();
    for (name, file) in MODELS {
        let (model, operators) = prepare_model(file);
        let graph = model.main_graph();
        let expected = Expected::read(&dir, name);
        let samples = expected.samples;

        // Each operator on TFLite's own inputs.
        let mut compared = 0;
        for operator in &operators {
            let len = graph.tensors[operator.output].len();
            let mut output = vec![0i8; len];
            let mut wrong = 0;
            let mut first = None;
            for s in 0..samples {
                let inputs: Vec<&[i8]> = operator
                    .inputs
                    .iter()
                    .map(|&t| expected.sample(t, s))
                    .collect();
                operator.run(&inputs, &mut output);
                let want = expected.sample(operator.output, s);
                for (i, (&got, &want)) in output.iter().zip(want).enumerate() {
                    if got != want {
                        wrong += 1;
                        first.get_or_insert((s, i, got, want));
                    }
                }
            }
            compared += samples * len;
            println!(
                "{name} operator {:2} {:<17} {samples} samples × {len:5} = {:7} elements, {}",
                operator.index,
                operator.kind.name(),
                samples * len,
                if wrong == 0 {
                    "all identical".to_string()
                } else {
                    format!("{wrong} DIFFERENT")
                }
            );
            if let Int8Kind::FullyConnected { .. } = operator.kind {
                fixed_point_dense_differences(operator, &expected);
            }
            if let Some((s, i, got, want)) = first {
                failures.push(format!(
                    "{name} operator {} ({}): {wrong} of {} elements differ; first: sample {s}, \
                     element {i}: nn {got}, TFLite {want}",
                    operator.index,
                    operator.kind.name(),
                    samples * len
                ));
            }
        }

        if name == "kws" {
            let (differ, compared) = single_rounding_differences(&operators, &expected, 10);
            println!(
                "{name}: TFLite built with single rounding would differ in {differ} of {compared} \
                 convolution outputs (10 samples)"
            );
            if differ == 0 {
                failures.push(format!(
                    "{name}: the data cannot tell single from double rounding apart"
                ));
            }
        }

        // The whole model on nn's own activations.
        let input = graph.inputs[0];
        let output = graph.outputs[0];
        let mut identical = 0;
        for s in 0..samples {
            let mut values: HashMap<usize, Vec<i8>> = HashMap::new();
            values.insert(input, expected.sample(input, s).to_vec());
            for operator in &operators {
                let mut out = vec![0i8; graph.tensors[operator.output].len()];
                let inputs: Vec<&[i8]> = operator
                    .inputs
                    .iter()
                    .map(|t| values[t].as_slice())
                    .collect();
                operator.run(&inputs, &mut out);
                values.insert(operator.output, out);
            }
            if values[&output] == expected.sample(output, s) {
                identical += 1;
            }
        }
        println!(
            "{name}: {compared} elements compared over {} operators; end to end, {identical} of \
             {samples} final outputs identical",
            operators.len()
        );
        if identical != samples {
            failures.push(format!(
                "{name} end to end: {} of {samples} final outputs differ from TFLite's",
                samples - identical
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "not bit-exact:\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_float_model_is_refused_naming_the_operator() {
    let path = mlperf_path("kws_ref_model_float32.tflite");
    let model = tflite::read(&path).unwrap();
    let error = prepared::prepare(model.main_graph())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("operator 0 (CONV_2D)") && error.contains("expected int8"),
        "{error}"
    );
    println!("{error}");
}
