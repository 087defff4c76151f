//! Post-training quantization of the MNIST networks (`nn::int8::quantize_into`): trained as
//! the examples train them, calibrated on 500 training digits, their int8 form must lose at
//! most 0.5 points of accuracy on the 1,000 test digits. Also the calibration's errors.

mod support;

use nn::int8::{quantize_into, quantized_param_bytes, Calibration, QuantizeError};
use nn::{Adam, Dataset, FitConfig, Model, Network};
use support::{mnist, Cnn, CnnInt8, Mlp, MlpInt8};

const CALIBRATION_DIGITS: usize = 500;

fn argmax<T: PartialOrd + Copy>(values: &[T]) -> usize {
    (0..values.len()).fold(0, |best, i| if values[i] > values[best] { i } else { best })
}

/// Percent of `test` that `classify` gets right.
fn accuracy(test: &Dataset, classify: impl Fn(&[f32]) -> usize) -> f64 {
    let labels = test.labels();
    let right = (0..test.len())
        .filter(|&i| classify(test.input(i)) == labels[i])
        .count();
    100.0 * right as f64 / test.len() as f64
}

fn calibration(train: &Dataset) -> &[f32] {
    &train.inputs[..CALIBRATION_DIGITS * train.input_len]
}

fn report(name: &str, float: f64, int8: f64) {
    println!(
        "{name}: f32 {float:.2}%, int8 {int8:.2}% ({:+.2} points)",
        int8 - float
    );
    assert!(
        int8 >= float - 0.5,
        "{name}: int8 accuracy {int8:.2}% is more than 0.5 points below f32 {float:.2}%"
    );
}

/// Trains `$float` as the examples do (seed 42, 5 epochs of Adam 1e-3, batches of 32),
/// quantizes it into `$int8` with min/max calibration, reports and checks both test
/// accuracies, and gives the quantized network back.
macro_rules! train_quantize_and_compare {
    ($name:literal, $float:ident, $int8:ident) => {{
        let (train, test) = mnist();
        let mut model = $float::new_boxed(42);
        let config = FitConfig::new(5, 32).seed(42).quiet();
        model
            .fit(&train, None, &mut Adam::new(1e-3), &config)
            .unwrap();
        let mut int8 = Box::new($int8::ZERO);
        quantize_into(
            &*model,
            calibration(&train),
            Calibration::MinMax,
            &mut *int8,
        )
        .unwrap();

        let float = accuracy(&test, |x| {
            let mut out = [0.0; 10];
            model.forward_sample(x, &mut out);
            argmax(&out)
        });
        let quantized = accuracy(&test, |x| {
            argmax(&int8.forward(&int8.quantize_input(x.try_into().unwrap())))
        });
        report($name, float, quantized);
        int8
    }};
}

#[test]
fn quantized_mlp_is_within_half_a_point_of_f32() {
    let int8 = train_quantize_and_compare!("MLP", Mlp, MlpInt8);
    // The input is an image in [0, 1]; the output TFLite's softmax quantization.
    assert_eq!(int8.input_quantization().scale, 1.0 / 255.0);
    assert_eq!(int8.input_quantization().zero_point, -128);
    assert_eq!(int8.output_quantization().scale, 1.0 / 256.0);
}

#[test]
fn quantized_cnn_is_within_half_a_point_of_f32() {
    train_quantize_and_compare!("CNN", Cnn, CnnInt8);
}

#[test]
fn calibration_errors_name_the_problem() {
    let model = Mlp::new_boxed(1);
    let mut int8 = Box::new(MlpInt8::ZERO);
    let digit = vec![0.5f32; Mlp::INPUT_LEN];
    let quantize = |inputs: &[f32], calibration| {
        quantized_param_bytes::<Mlp, MlpInt8>(&model, inputs, calibration)
    };
    assert_eq!(
        quantize(&[], Calibration::MinMax),
        Err(QuantizeError::NoCalibrationData)
    );
    assert_eq!(
        quantize(&digit[..100], Calibration::MinMax),
        Err(QuantizeError::PartialSample {
            len: 100,
            input_len: 784
        })
    );
    let mut bad = [digit.clone(), digit.clone()].concat();
    bad[784 + 3] = f32::NAN;
    let error = quantize(&bad, Calibration::MinMax).unwrap_err();
    assert_eq!(
        error,
        QuantizeError::NonFinite {
            sample: 1,
            at: "the input"
        }
    );
    assert!(error.to_string().contains("sample 1"), "{error}");
    assert_eq!(
        quantize(&digit, Calibration::Percentile(20.0)),
        Err(QuantizeError::BadPercentile(20.0))
    );
    // Another network's int8 type (784 inputs and 10 outputs too, but other layers).
    let error = quantized_param_bytes::<Mlp, CnnInt8>(&model, &digit, Calibration::MinMax);
    assert!(
        matches!(&error, Err(QuantizeError::Mismatch(m)) if m.contains("no layer `conv2d_0`")),
        "{error:?}"
    );
    // On failure the network is left as it was.
    assert!(quantize_into(&*model, &[], Calibration::MinMax, &mut *int8).is_err());
    assert_eq!(*int8, MlpInt8::ZERO);
    // A percentile calibration works on the same data.
    quantize_into(&*model, &digit, Calibration::Percentile(99.9), &mut *int8).unwrap();
    assert_ne!(*int8, MlpInt8::ZERO);
}
