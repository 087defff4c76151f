//! Post-training quantization of a one-layer network whose every parameter is worked out by
//! hand from TFLite's converter rules: the image `quantize_into` writes, byte for byte.

use nn::int8::{quantize_into, Calibration, QuantizedNetwork};
use nn::Network;

nn::network! {
    struct Tiny {
        input: [2],
        quantized: TinyInt8,
        dense(1),
    }
}

#[test]
fn a_dense_layer_quantizes_as_worked_out_by_hand() {
    let mut float = Tiny::new_boxed(0);
    // weight [1, −0.4], bias 0.2.
    float.params_mut().copy_from_slice(&[1.0, -0.4, 0.2]);
    // Inputs (0, 1) and (1, 0): outputs −0.2 and 1.2.
    let calibration = [0.0, 1.0, 1.0, 0.0];
    let mut int8 = Box::new(TinyInt8::ZERO);
    quantize_into(&*float, &calibration, Calibration::MinMax, &mut *int8).unwrap();

    // Input [0, 1]: scale 1/255, zero point −128.
    let input = int8.input_quantization();
    assert_eq!((input.scale, input.zero_point), (1.0 / 255.0, -128));
    // Output [−0.2, 1.2]: scale 1.4/255, zero point −128 + 0.2 · 255/1.4 = −91.57 → −92.
    let output = int8.output_quantization();
    assert_eq!(output.scale, (1.2f32 + 0.2) / 255.0);
    assert_eq!(output.zero_point, -92);

    let image = int8.to_le_bytes();
    let dense = &image[16..];
    // Weights: scale 1/127; 1 → 127, −0.4 · 127 = −50.8 → −51.
    assert_eq!(dense[..2], [127u8, (-51i8) as u8]);
    // Bias: 0.2 / (1/255 · 1/127) = 0.2 · 32385 = 6477.
    assert_eq!(i32::from_le_bytes(dense[2..6].try_into().unwrap()), 6477);
    // The reference kernel's scale: (1/255 · 1/127) / (1.4/255) = 1/(127 · 1.4).
    let scale = f64::from_le_bytes(dense[6..14].try_into().unwrap());
    assert!((scale - 1.0 / (127.0 * 1.4)).abs() < 1e-8, "{scale}");
    // Zero points −128 (input) and −92 (output); no activation: the clamp is all of int8.
    assert_eq!(i32::from_le_bytes(dense[14..18].try_into().unwrap()), -128);
    assert_eq!(i32::from_le_bytes(dense[18..22].try_into().unwrap()), -92);
    assert_eq!(dense[22..24], [(-128i8) as u8, 127]);
    assert_eq!(image.len(), TinyInt8::PARAM_BYTES);

    // And it computes: (1, 0) → 1.2, within a step of the output's scale.
    let q = int8.forward(&int8.quantize_input(&[1.0, 0.0]));
    let y = int8.dequantize_output(&q)[0];
    assert!((y - 1.2).abs() <= output.scale, "{y}");
}
