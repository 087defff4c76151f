//! Every parameter type written into a byte image and read back (the reader is the `const`
//! one firmware decodes flash with) comes back unchanged.

use super::bytes::{LeReader, LeWriter};
use super::params::{
    read_add, read_softmax, write_add, write_softmax, ConvParams, DenseParams, PoolParams,
    Quantization, ADD_BYTES, SOFTMAX_BYTES, ZERO_ADD, ZERO_SOFTMAX,
};
use crate::int8::{AddParams, DoubleScale, QuantizedMultiplier, SoftmaxParams};

#[test]
fn each_parameter_type_round_trips_through_its_bytes() {
    let m = |multiplier, shift| QuantizedMultiplier { multiplier, shift };
    let conv = ConvParams::<6, 2> {
        weight: [-128, -1, 0, 1, 2, 127],
        bias: [i32::MIN, 70_000],
        scales: [m(1 << 30, -7), m(i32::MAX, 3)],
        input_zero_point: -128,
        output_zero_point: 5,
        min: -128,
        max: 100,
    };
    let dense = DenseParams::<2, 2> {
        weight: [3, -4],
        bias: [-9, 9],
        scales: [DoubleScale(0.000_123_456_789), DoubleScale(-1.5e-300)],
        input_zero_point: 1,
        output_zero_point: -2,
        min: -3,
        max: 4,
    };
    let pool = PoolParams { min: -100, max: 99 };
    let add = AddParams::new((0.5, -3), (0.25, 7), (0.75, 1), (-128, 127));
    let softmax = SoftmaxParams::new(1.0, 0.1);
    let quantization = Quantization {
        scale: 0.007_843_137,
        zero_point: -1,
    };
    let len = ConvParams::<6, 2>::BYTES
        + DenseParams::<2, 2>::BYTES
        + PoolParams::BYTES
        + ADD_BYTES
        + SOFTMAX_BYTES
        + Quantization::BYTES;
    let mut image = [0u8; 256];
    let w = &mut LeWriter::new(&mut image[..len]);
    conv.write(w);
    dense.write(w);
    pool.write(w);
    write_add(&add, w);
    write_softmax(&softmax, w);
    quantization.write(w);
    assert_eq!(w.at, len, "the BYTES constants add up to what is written");

    let r = &mut LeReader::new(&image, 0);
    let (mut conv2, mut dense2, mut pool2) =
        (ConvParams::ZERO, DenseParams::ZERO, PoolParams::ZERO);
    let (mut add2, mut softmax2, mut quantization2) = (ZERO_ADD, ZERO_SOFTMAX, Quantization::ZERO);
    conv2.read(r);
    dense2.read(r);
    pool2.read(r);
    read_add(&mut add2, r);
    read_softmax(&mut softmax2, r);
    quantization2.read(r);
    assert_eq!(r.at, len);
    assert_eq!(
        (conv2, dense2, pool2, add2, softmax2, quantization2),
        (conv, dense, pool, add, softmax, quantization)
    );
}

#[test]
fn quantization_rounds_and_saturates() {
    let q = Quantization {
        scale: 0.5,
        zero_point: -10,
    };
    assert_eq!(q.quantize(1.25), -7); // 2.5 rounds away from zero to 3
    assert_eq!(q.quantize(1000.0), 127);
    assert_eq!(q.quantize(-1000.0), -128);
    assert_eq!(q.dequantize(-7), 1.5);
}
