//! The int8 types `network!` generates (`quantized: Name`) for the four MLPerf Tiny models:
//! each loads its int8 `.tflite` file with `nn::io::tflite::load_int8` and, when
//! `NN_INT8_EXPECTED` names the folder `scripts/mlperf_int8_reference.py` wrote, reproduces
//! TFLite's reference kernels bit for bit through the generated `forward`: every final
//! output, and every step's output (`forward_inspect`) on every sample.
//!
//! The models are read from `../shared/mlperf-tiny/` beside the repository, or from the
//! folder `NN_MLPERF_DIR` names.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use nn::int8::{Int8LayerKind, QuantizedNetwork};
use nn::io::tflite::{self, int8 as prepared, ImportError};

include!("../models/mlperf/kws.rs");
include!("../models/mlperf/vww.rs");
include!("../models/mlperf/ic.rs");
include!("../models/mlperf/ad.rs");

fn mlperf_path(file: &str) -> PathBuf {
    let dir = std::env::var_os("NN_MLPERF_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/mlperf-tiny"));
    let path = dir.join(file);
    assert!(
        path.exists(),
        "{} is missing: copy MLPerf Tiny's reference models into ../shared/mlperf-tiny/ \
         beside this repository, or set NN_MLPERF_DIR to the folder that holds them.",
        path.display()
    );
    path
}

/// TFLite's tensors for one model: `samples` values of each activation tensor.
struct Expected {
    samples: usize,
    tensors: HashMap<usize, Vec<i8>>,
}

impl Expected {
    fn read(dir: &Path, model: &str) -> Self {
        let folder = dir.join(model);
        let manifest = std::fs::read_to_string(folder.join("manifest.txt"))
            .unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
        let mut samples = 0;
        let mut tensors = HashMap::new();
        for line in manifest.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            match fields[0] {
                "samples" => samples = fields[1].parse().unwrap(),
                "tensor" => {
                    let index: usize = fields[1].parse().unwrap();
                    let bytes = std::fs::read(folder.join(format!("t{index}.i8"))).unwrap();
                    tensors.insert(index, bytes.into_iter().map(|b| b as i8).collect());
                }
                _ => {}
            }
        }
        Self { samples, tensors }
    }

    fn sample(&self, index: usize, s: usize) -> &[i8] {
        let all = &self.tensors[&index];
        let len = all.len() / self.samples;
        &all[s * len..][..len]
    }
}

/// The file's tensor each step of `N` writes, `None` for a flatten the file has no
/// `RESHAPE` for (the same walk as the loader's).
fn step_tensors<N: QuantizedNetwork>(model: &tflite::Model) -> Vec<Option<usize>> {
    let operators = prepared::prepare(model.main_graph()).unwrap();
    let mut next = 0;
    N::LAYERS
        .iter()
        .map(|layer| {
            let reshape = operators
                .get(next)
                .is_some_and(|o| matches!(o.kind, prepared::Int8Kind::Reshape));
            if matches!(layer.kind, Int8LayerKind::Flatten) && !reshape {
                return None;
            }
            next += 1;
            Some(operators[next - 1].output)
        })
        .collect()
}

macro_rules! compare {
    ($net:ty, $name:expr, $file:expr, $dir:expr, $failures:expr) => {{
        let path = mlperf_path($file);
        let mut net = Box::new(<$net>::ZERO);
        tflite::load_int8(&path, &mut *net).unwrap_or_else(|e| panic!("{}: {e}", $file));
        // The byte image round-trips, through the const constructor too.
        let bytes = net.to_le_bytes();
        assert_eq!(bytes.len(), <$net>::PARAM_BYTES);
        let image: &[u8; <$net>::PARAM_BYTES] = bytes.as_slice().try_into().unwrap();
        assert!(
            *net == <$net>::from_le_bytes(image),
            "{}: from_le_bytes",
            $name
        );

        let model = tflite::read(&path).unwrap();
        let graph = model.main_graph();
        let steps = step_tensors::<$net>(&model);
        let expected = Expected::read($dir, $name);
        let (input, output) = (graph.inputs[0], graph.outputs[0]);
        let mut scratch = [0i8; <$net>::SCRATCH_BYTES];
        let mut identical = 0;
        let mut compared = 0;
        for s in 0..expected.samples {
            let x: &[i8; <$net>::INPUT_LEN] = expected.sample(input, s).try_into().unwrap();
            let mut y = [0i8; <$net>::OUTPUT_LEN];
            net.forward_inspect(x, &mut scratch, &mut y, |k, values| {
                let Some(tensor) = steps[k] else { return };
                compared += values.len();
                if values != expected.sample(tensor, s) && $failures.len() < 20 {
                    $failures.push(format!(
                        "{} sample {s}: step {k} ({}) differs from TFLite's tensor {tensor}",
                        $name,
                        <$net as QuantizedNetwork>::LAYERS[k].name
                    ));
                }
            });
            assert_eq!(y, net.forward(x), "{}: forward and forward_inspect", $name);
            if y == expected.sample(output, s) {
                identical += 1;
            }
        }
        println!(
            "{}: {} of {} final outputs identical to TFLite's; {compared} step outputs compared \
             over {} steps; scratch {} bytes, parameters {} bytes",
            $name,
            identical,
            expected.samples,
            <$net as QuantizedNetwork>::LAYERS.len(),
            <$net>::SCRATCH_BYTES,
            <$net>::PARAM_BYTES
        );
        if identical != expected.samples {
            $failures.push(format!(
                "{}: {} of {} final outputs differ",
                $name,
                expected.samples - identical,
                expected.samples
            ));
        }
    }};
}

#[test]
fn the_generated_int8_networks_match_tflite_bit_for_bit() {
    let Some(dir) = std::env::var_os("NN_INT8_EXPECTED").map(PathBuf::from) else {
        let _ = std::io::stderr().write_all(
            b"\nSKIPPED: NN_INT8_EXPECTED is not set, so the generated int8 networks were NOT \
              compared with TFLite. Run `python scripts/mlperf_int8_reference.py DIR`, then \
              `NN_INT8_EXPECTED=DIR cargo test --test int8_network`.\n",
        );
        return;
    };
    let mut failures: Vec<String> = Vec::new();
    compare!(KwsInt8, "kws", "kws_ref_model.tflite", &dir, failures);
    compare!(VwwInt8, "vww", "vww_96_int8.tflite", &dir, failures);
    compare!(
        IcInt8,
        "ic",
        "pretrainedResnet_quant.tflite",
        &dir,
        failures
    );
    compare!(AdInt8, "ad", "ad01_int8.tflite", &dir, failures);
    assert!(
        failures.is_empty(),
        "not bit-exact:\n{}",
        failures.join("\n")
    );
}

#[test]
fn another_model_is_refused_naming_the_first_operator_that_differs() {
    let mut net = Box::new(VwwInt8::ZERO);
    let error = tflite::load_int8(mlperf_path("kws_ref_model.tflite"), &mut *net).unwrap_err();
    println!("{error}");
    assert!(
        matches!(&error, ImportError::InputMismatch { file, network }
            if file == &[1, 49, 10] && network == &[3, 96, 96]),
        "{error}"
    );
    assert!(
        *net == VwwInt8::ZERO,
        "a refused file leaves the network unchanged"
    );

    // IC's stacks in another order than the file's: the first projection is refused.
    nn::network! {
        #[allow(dead_code)]
        struct IcReordered {
            input: [3, 32, 32],
            quantized: IcReorderedInt8,
            conv2d(16, kernel = 3, padding = same), relu as stem,
            conv2d(16, kernel = 3, padding = same), relu,
            conv2d(16, kernel = 3, padding = same) as residual_1,
            add(stem, residual_1), relu as stack_1,
            stack_1 -> conv2d(32, kernel = 1, stride = 2) as projection_2,
            stack_1 -> conv2d(32, kernel = 3, stride = 2, padding = same), relu,
            conv2d(32, kernel = 3, padding = same) as residual_2,
            add(residual_2, projection_2), relu as stack_2,
            conv2d(64, kernel = 3, stride = 2, padding = same), relu,
            conv2d(64, kernel = 3, padding = same) as residual_3,
            stack_2 -> conv2d(64, kernel = 1, stride = 2) as projection_3,
            add(residual_3, projection_3), relu,
            avg_pool2d(8), flatten,
            dense(10), softmax,
        }
    }
    let mut reordered = Box::new(IcReorderedInt8::ZERO);
    let path = mlperf_path("pretrainedResnet_quant.tflite");
    let message = tflite::load_int8(path, &mut *reordered)
        .unwrap_err()
        .to_string();
    println!("{message}");
    assert!(
        message.contains("operator 4 (CONV_2D)") && message.contains("projection_2"),
        "{message}"
    );
}

#[test]
fn a_float_model_is_refused() {
    let mut net = Box::new(KwsInt8::ZERO);
    let path = mlperf_path("kws_ref_model_float32.tflite");
    let message = tflite::load_int8(path, &mut *net).unwrap_err().to_string();
    println!("{message}");
    assert!(message.contains("operator 0 (CONV_2D)") && message.contains("expected int8"));
}

/// The two largest images (241 and 284 KB), decoded at compile time as firmware would decode
/// them into flash.
static VWW_ZERO: VwwInt8 = VwwInt8::from_le_bytes(&[0; VwwInt8::PARAM_BYTES]);
static AD_ZERO: AdInt8 = AdInt8::from_le_bytes(&[0; AdInt8::PARAM_BYTES]);

#[test]
fn the_parameter_image_round_trips_through_the_const_constructor() {
    assert!(VWW_ZERO == VwwInt8::ZERO && AD_ZERO == AdInt8::ZERO);
    let mut net = Box::new(AdInt8::ZERO);
    tflite::load_int8(mlperf_path("ad01_int8.tflite"), &mut *net).unwrap();
    let bytes = net.to_le_bytes();
    let image: &[u8; AdInt8::PARAM_BYTES] = bytes.as_slice().try_into().unwrap();
    assert!(*net == AdInt8::from_le_bytes(image));
    let file = std::fs::read(mlperf_path("ad01_int8.tflite")).unwrap();
    let model = tflite::read_from_bytes(&file).unwrap();
    assert_eq!(tflite::int8_param_bytes::<AdInt8>(&model).unwrap(), bytes);
}
