//! The writer against the reader: every operator it encodes, its options, tensors of each
//! kind and quantization come back as they were.

use super::model::{Model, Operator, Quantization, Subgraph, Tensor, TensorType};
use super::ops::{
    Activation, Conv2dOptions, DepthwiseConv2dOptions, FullyConnectedOptions, Op, Padding,
    Pool2dOptions, WeightsFormat,
};
use super::read_from_bytes;
use super::write::write_to_bytes;

fn tensor(name: &str, shape: &[usize], dtype: TensorType, data: Vec<u8>) -> Tensor {
    Tensor {
        name: name.into(),
        shape: shape.to_vec(),
        dtype,
        data,
        quantization: None,
        is_variable: false,
    }
}

fn operator(op: Op, inputs: &[Option<usize>], output: usize) -> Operator {
    Operator {
        op,
        inputs: inputs.to_vec(),
        outputs: vec![output],
    }
}

#[test]
fn what_the_writer_writes_the_reader_reads_back() {
    let mut weights = tensor("w", &[2, 1, 1, 2], TensorType::Int8, vec![1, 255, 3, 128]);
    weights.quantization = Some(Quantization {
        scales: vec![0.5, 0.25],
        zero_points: vec![0, 0],
        quantized_dimension: 0,
    });
    let mut x = tensor("x", &[1, 3, 3, 2], TensorType::Int8, Vec::new());
    x.quantization = Some(Quantization {
        scales: vec![0.1],
        zero_points: vec![-3],
        quantized_dimension: 0,
    });
    let bias = tensor(
        "b",
        &[2],
        TensorType::Int32,
        [7i32, -9].iter().flat_map(|v| v.to_le_bytes()).collect(),
    );
    let f = tensor("f", &[1, 2], TensorType::Float32, Vec::new());
    let pool = Pool2dOptions {
        padding: Padding::Valid,
        stride_h: 1,
        stride_w: 2,
        filter_h: 2,
        filter_w: 1,
        activation: Activation::Relu6,
    };
    let operators = vec![
        operator(
            Op::Conv2d(Conv2dOptions {
                padding: Padding::Same,
                stride_h: 2,
                stride_w: 1,
                dilation_h: 1,
                dilation_w: 3,
                activation: Activation::Relu,
            }),
            &[Some(0), Some(1), None],
            0,
        ),
        operator(
            Op::DepthwiseConv2d(DepthwiseConv2dOptions {
                padding: Padding::Valid,
                stride_h: 1,
                stride_w: 1,
                dilation_h: 2,
                dilation_w: 1,
                depth_multiplier: 2,
                activation: Activation::ReluN1To1,
            }),
            &[Some(0), Some(1), Some(2)],
            0,
        ),
        operator(Op::AveragePool2d(pool), &[Some(0)], 0),
        operator(Op::MaxPool2d(pool), &[Some(0)], 0),
        operator(
            Op::FullyConnected(FullyConnectedOptions {
                activation: Activation::None,
                weights_format: WeightsFormat::Shuffled4x16Int8,
                keep_num_dims: true,
                asymmetric_quantize_inputs: true,
            }),
            &[Some(0), Some(1), Some(2)],
            0,
        ),
        operator(
            Op::Reshape {
                new_shape: Some(vec![1, -1]),
            },
            &[Some(0)],
            0,
        ),
        operator(Op::Softmax { beta: 0.5 }, &[Some(0)], 0),
        operator(
            Op::Add {
                activation: Activation::Relu,
            },
            &[Some(0), Some(0)],
            0,
        ),
        operator(Op::Quantize, &[Some(3)], 0),
        operator(Op::Dequantize, &[Some(0)], 3),
        operator(
            Op::Other {
                code: 14,
                name: "LOGISTIC",
            },
            &[Some(3)],
            3,
        ),
        operator(
            Op::Custom {
                name: "MyOp".into(),
            },
            &[Some(3)],
            3,
        ),
    ];
    let model = Model {
        version: 3,
        description: "written".into(),
        subgraphs: vec![Subgraph {
            name: "main".into(),
            tensors: vec![x, weights, bias, f],
            operators,
            inputs: vec![0],
            outputs: vec![3],
        }],
    };
    let bytes = write_to_bytes(&model);
    assert_eq!(
        read_from_bytes(&bytes).expect("the written model reads back"),
        model
    );
}
