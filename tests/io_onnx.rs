//! ONNX export, checked here by decoding the protobuf with the field numbers of
//! `onnx/onnx.proto` (ONNX Runtime's verdict comes from `scripts/check_onnx.py`, see README).

mod support;

use nn::io::to_onnx;
use nn::{Network, WeightsError};
use support::{Cnn, Mlp};

/// A decoded protobuf field: a varint, a fixed 32-bit value or length-delimited bytes.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Int(u64),
    Fixed32(u32),
    Bytes(Vec<u8>),
}

/// Every `(field, value)` of one message, in order; panics on malformed input.
fn decode(mut bytes: &[u8]) -> Vec<(u64, Value)> {
    fn varint(bytes: &mut &[u8]) -> u64 {
        let (mut value, mut shift) = (0u64, 0);
        loop {
            let byte = bytes[0];
            *bytes = &bytes[1..];
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return value;
            }
            shift += 7;
        }
    }
    let mut fields = Vec::new();
    while !bytes.is_empty() {
        let key = varint(&mut bytes);
        let value = match key & 7 {
            0 => Value::Int(varint(&mut bytes)),
            5 => {
                let value = u32::from_le_bytes(bytes[..4].try_into().unwrap());
                bytes = &bytes[4..];
                Value::Fixed32(value)
            }
            2 => {
                let len = varint(&mut bytes) as usize;
                let value = bytes[..len].to_vec();
                bytes = &bytes[len..];
                Value::Bytes(value)
            }
            wire => panic!("unexpected wire type {wire}"),
        };
        fields.push((key >> 3, value));
    }
    fields
}

fn all(message: &[(u64, Value)], field: u64) -> Vec<Value> {
    message
        .iter()
        .filter(|(f, _)| *f == field)
        .map(|(_, v)| v.clone())
        .collect()
}

fn bytes(message: &[(u64, Value)], field: u64) -> Vec<u8> {
    match all(message, field).first() {
        Some(Value::Bytes(bytes)) => bytes.clone(),
        other => panic!("field {field}: {other:?}"),
    }
}

fn string(message: &[(u64, Value)], field: u64) -> String {
    String::from_utf8(bytes(message, field)).unwrap()
}

fn ints(message: &[(u64, Value)], field: u64) -> Vec<u64> {
    all(message, field)
        .into_iter()
        .map(|v| match v {
            Value::Int(i) => i,
            other => panic!("field {field}: {other:?}"),
        })
        .collect()
}

fn messages(message: &[(u64, Value)], field: u64) -> Vec<Vec<(u64, Value)>> {
    all(message, field)
        .into_iter()
        .map(|v| match v {
            Value::Bytes(b) => decode(&b),
            other => panic!("field {field}: {other:?}"),
        })
        .collect()
}

/// The graph of an exported model, after checking the model's header fields.
fn graph_of(model: &[u8]) -> Vec<(u64, Value)> {
    let model = decode(model);
    assert_eq!(ints(&model, 1), [8], "ir_version");
    assert_eq!(string(&model, 2), "nn", "producer_name");
    let opsets = messages(&model, 8);
    assert_eq!(ints(&opsets[0], 2), [17], "opset version");
    decode(&bytes(&model, 7))
}

/// `(op_type, inputs, output)` of every node.
fn nodes(graph: &[(u64, Value)]) -> Vec<(String, Vec<String>, String)> {
    messages(graph, 1)
        .iter()
        .map(|node| {
            let inputs = all(node, 1)
                .into_iter()
                .map(|v| match v {
                    Value::Bytes(b) => String::from_utf8(b).unwrap(),
                    other => panic!("{other:?}"),
                })
                .collect();
            (string(node, 4), inputs, string(node, 2))
        })
        .collect()
}

/// The attribute `name` of node `index`: its decoded fields.
fn attribute(graph: &[(u64, Value)], index: usize, name: &str) -> Vec<(u64, Value)> {
    let node = &messages(graph, 1)[index];
    messages(node, 5)
        .into_iter()
        .find(|a| string(a, 1) == name)
        .unwrap_or_else(|| panic!("node {index} has no attribute {name}"))
}

/// Dims of a graph input or output (`ValueInfoProto`): `None` for the symbolic batch.
fn dims(value_info: &[(u64, Value)]) -> Vec<Option<u64>> {
    let type_proto = decode(&bytes(value_info, 2));
    let tensor = decode(&bytes(&type_proto, 1));
    assert_eq!(ints(&tensor, 1), [1], "elem_type FLOAT");
    messages(&decode(&bytes(&tensor, 2)), 1)
        .iter()
        .map(|dim| ints(dim, 1).first().copied())
        .collect()
}

#[test]
fn the_mlp_becomes_gemm_nodes_with_its_weights_as_initializers() {
    let model = Mlp::new_boxed(1);
    let graph = graph_of(&to_onnx(&*model).unwrap());
    let ops: Vec<String> = nodes(&graph).into_iter().map(|(op, _, _)| op).collect();
    assert_eq!(ops, ["Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"]);
    let (_, inputs, output) = &nodes(&graph)[0];
    assert_eq!(inputs, &["input", "dense_0.weight", "dense_0.bias"]);
    assert_eq!(output, "dense_0");
    assert_eq!(nodes(&graph)[5].2, "output");
    assert_eq!(ints(&attribute(&graph, 0, "transB"), 3), [1]);

    let initializers = messages(&graph, 5);
    assert_eq!(initializers.len(), <Mlp as Network>::TENSORS.len());
    for (tensor, info) in initializers.iter().zip(<Mlp as Network>::TENSORS) {
        assert_eq!(string(tensor, 8), info.name);
        let shape: Vec<u64> = info.shape.iter().map(|&d| d as u64).collect();
        assert_eq!(ints(tensor, 1), shape);
        assert_eq!(ints(tensor, 2), [1], "FLOAT");
        let data: Vec<u8> = model.params()[info.offset..info.offset + info.len()]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(bytes(tensor, 9), data, "raw_data of {}", info.name);
    }
    assert_eq!(dims(&messages(&graph, 11)[0]), [None, Some(784)]);
    assert_eq!(dims(&messages(&graph, 12)[0]), [None, Some(10)]);
}

nn::network! {
    pub struct Mixed {
        input: [3, 8, 8],
        conv2d(4, kernel = 3, stride = 2, padding = same), batch_norm(epsilon = 1e-3),
        leaky_relu(0.2),
        avg_pool2d(2), dropout(0.5),
        flatten,
        dense(3), sigmoid,
    }
}

#[test]
fn conv_pool_and_batch_norm_carry_their_hyperparameters() {
    let graph = graph_of(&to_onnx(&*Cnn::new_boxed(1)).unwrap());
    let ops: Vec<String> = nodes(&graph).into_iter().map(|(op, _, _)| op).collect();
    assert_eq!(
        ops,
        ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Softmax"]
    );
    assert_eq!(ints(&attribute(&graph, 0, "kernel_shape"), 8), [3, 3]);
    assert_eq!(ints(&attribute(&graph, 2, "strides"), 8), [2, 2]);
    assert_eq!(
        dims(&messages(&graph, 11)[0]),
        [None, Some(1), Some(28), Some(28)]
    );

    let graph = graph_of(&to_onnx(&*Mixed::new_boxed(1)).unwrap());
    let ops: Vec<String> = nodes(&graph).into_iter().map(|(op, _, _)| op).collect();
    assert_eq!(
        ops,
        [
            "Conv",
            "BatchNormalization",
            "LeakyRelu",
            "AveragePool",
            "Identity",
            "Flatten",
            "Gemm",
            "Sigmoid"
        ]
    );
    // `same` with stride 2 on 8 pixels pads one row and column, at the bottom and right.
    assert_eq!(ints(&attribute(&graph, 0, "pads"), 8), [0, 0, 1, 1]);
    assert_eq!(ints(&attribute(&graph, 0, "strides"), 8), [2, 2]);
    let float = |index, name| match all(&attribute(&graph, index, name), 2)[0] {
        Value::Fixed32(bits) => f32::from_bits(bits),
        ref other => panic!("{other:?}"),
    };
    assert_eq!(float(1, "epsilon"), 1e-3);
    assert_eq!(float(1, "momentum"), 0.9);
    assert_eq!(float(2, "alpha"), 0.2);
    assert_eq!(
        nodes(&graph)[1].1,
        [
            "conv2d_0",
            "batch_norm_0.weight",
            "batch_norm_0.bias",
            "batch_norm_0.running_mean",
            "batch_norm_0.running_var"
        ]
    );
}

nn::network! {
    pub struct Recurrent {
        input: [4 steps, 2],
        gru(3),
        dense(2), softmax,
    }
}

#[test]
fn a_recurrent_layer_is_not_exported_yet() {
    assert_eq!(
        to_onnx(&*Recurrent::new_boxed(1)),
        Err(WeightsError::UnsupportedLayer {
            layer: "gru_0".into(),
            kind: "gru"
        })
    );
}
