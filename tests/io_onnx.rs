//! ONNX export, checked here by decoding the protobuf with the field numbers of
//! `onnx/onnx.proto` (ONNX Runtime's verdict comes from `scripts/check_onnx.py`, see README).

mod support;

use nn::io::to_onnx;
use nn::Network;
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
        gru(3, return_sequences = true),
        lstm(2),
        dense(2), softmax,
    }
}

/// The initializer `name`: its dims, data type and decoded fields.
fn initializer(graph: &[(u64, Value)], name: &str) -> Vec<(u64, Value)> {
    messages(graph, 5)
        .into_iter()
        .find(|t| string(t, 8) == name)
        .unwrap_or_else(|| panic!("no initializer {name}"))
}

/// The FLOAT values of an initializer (`raw_data`, little-endian).
fn floats(tensor: &[(u64, Value)]) -> Vec<f32> {
    assert_eq!(ints(tensor, 2), [1], "FLOAT");
    bytes(tensor, 9)
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

/// The values of `nn` tensor `name` in `model`.
fn param<N: Network>(model: &N, name: &str) -> Vec<f32> {
    let t = N::TENSORS.iter().find(|t| t.name == name).unwrap();
    model.params()[t.offset..t.offset + t.len()].to_vec()
}

#[test]
fn recurrent_layers_become_transposed_onnx_cells_with_squeezed_outputs() {
    let model = Recurrent::new_boxed(1);
    let graph = graph_of(&to_onnx(&*model).unwrap());
    let nodes = nodes(&graph);
    let ops: Vec<&str> = nodes.iter().map(|(op, _, _)| op.as_str()).collect();
    assert_eq!(
        ops,
        [
            "Transpose",
            "GRU",
            "Squeeze",
            "Transpose", // every step: [batch, T, H]
            "Transpose",
            "LSTM",
            "Squeeze", // last state: [batch, H]
            "Gemm",
            "Softmax"
        ]
    );
    assert_eq!(
        (&nodes[0].1[..], &nodes[0].2[..]),
        (&["input".into()][..], "gru_0.x")
    );
    assert_eq!(ints(&attribute(&graph, 0, "perm"), 8), [1, 0, 2]);
    assert_eq!(nodes[1].1, ["gru_0.x", "gru_0.W", "gru_0.R", "gru_0.B"]);
    assert_eq!(nodes[1].2, "gru_0.y");
    assert_eq!(ints(&attribute(&graph, 1, "hidden_size"), 3), [3]);
    assert_eq!(ints(&attribute(&graph, 1, "linear_before_reset"), 3), [1]);
    // Y [T, 1, batch, H] loses its direction axis, then goes back to batch-major.
    assert_eq!(nodes[2].1, ["gru_0.y", "gru_0.axes"]);
    assert_eq!(ints(&initializer(&graph, "gru_0.axes"), 7), [1]);
    assert_eq!(ints(&attribute(&graph, 3, "perm"), 8), [1, 0, 2]);
    assert_eq!(nodes[3].2, "gru_0");

    // The LSTM's last state: Y is left out (empty name), Y_h [1, batch, H] loses axis 0.
    let lstm = messages(&graph, 1)[5].clone();
    let outputs: Vec<Value> = all(&lstm, 2);
    assert_eq!(
        outputs,
        [Value::Bytes(vec![]), Value::Bytes(b"lstm_0.y_h".to_vec())]
    );
    assert_eq!(ints(&attribute(&graph, 5, "hidden_size"), 3), [2]);
    assert_eq!(nodes[4].1, ["gru_0"]);
    assert_eq!(nodes[6].1, ["lstm_0.y_h", "lstm_0.axes"]);
    assert_eq!(nodes[6].2, "lstm_0");
    assert_eq!(ints(&initializer(&graph, "lstm_0.axes"), 7), [0]);
    assert_eq!(nodes[7].1[0], "lstm_0");

    // Packed initializers replace the nn tensors: W [1, G·H, F], R [1, G·H, H], B [1, 2·G·H].
    for (name, dims) in [
        ("gru_0.W", [1, 9, 2].as_slice()),
        ("gru_0.R", &[1, 9, 3]),
        ("gru_0.B", &[1, 18]),
        ("lstm_0.W", &[1, 8, 3]),
        ("lstm_0.R", &[1, 8, 2]),
        ("lstm_0.B", &[1, 16]),
    ] {
        assert_eq!(ints(&initializer(&graph, name), 1), dims, "{name}");
    }
    let names: Vec<String> = messages(&graph, 5).iter().map(|t| string(t, 8)).collect();
    assert!(!names.iter().any(|n| n.contains("weight_ih")), "{names:?}");
    assert_eq!(dims(&messages(&graph, 11)[0]), [None, Some(4), Some(2)]);
    assert_eq!(dims(&messages(&graph, 12)[0]), [None, Some(2)]);
}

#[test]
fn recurrent_gates_are_reordered_for_onnx() {
    let mut model = Recurrent::new_boxed(7);
    // Every parameter distinct, so any misplaced row or bias shows.
    for (i, p) in model.params_mut().iter_mut().enumerate() {
        *p = i as f32;
    }
    let graph = graph_of(&to_onnx(&*model).unwrap());
    // Rows of gate `g` in a `[G·H, width]` tensor.
    let gate = |t: &[f32], g: usize, units: usize, width: usize| {
        t[g * units * width..(g + 1) * units * width].to_vec()
    };

    // GRU, H = 3, F = 2: nn's r, z, n become ONNX's z, r, h.
    let w = floats(&initializer(&graph, "gru_0.W"));
    let r = floats(&initializer(&graph, "gru_0.R"));
    let (weight_ih, weight_hh) = (
        param(&*model, "gru_0.weight_ih"),
        param(&*model, "gru_0.weight_hh"),
    );
    for (onnx, nn) in [(0, 1), (1, 0), (2, 2)] {
        assert_eq!(
            gate(&w, onnx, 3, 2),
            gate(&weight_ih, nn, 3, 2),
            "W gate {onnx}"
        );
        assert_eq!(
            gate(&r, onnx, 3, 3),
            gate(&weight_hh, nn, 3, 3),
            "R gate {onnx}"
        );
    }
    // ONNX's z row 0 is nn's weight_ih row 3 (the first of z).
    assert_eq!(w[..2], weight_ih[6..8]);

    // LSTM, H = 2, F = 3: nn's i, f, g, o become ONNX's i, o, f, c; B is Wb then Rb.
    let w = floats(&initializer(&graph, "lstm_0.W"));
    let b = floats(&initializer(&graph, "lstm_0.B"));
    let weight_ih = param(&*model, "lstm_0.weight_ih");
    let (bias_ih, bias_hh) = (
        param(&*model, "lstm_0.bias_ih"),
        param(&*model, "lstm_0.bias_hh"),
    );
    let mut expected_b = Vec::new();
    for bias in [&bias_ih, &bias_hh] {
        for nn in [0, 3, 1, 2] {
            expected_b.extend(gate(bias, nn, 2, 1));
        }
    }
    assert_eq!(b, expected_b);
    for (onnx, nn) in [(0, 0), (1, 3), (2, 1), (3, 2)] {
        assert_eq!(
            gate(&w, onnx, 2, 3),
            gate(&weight_ih, nn, 2, 3),
            "W gate {onnx}"
        );
    }
}

nn::network! {
    pub struct Mobile {
        input: [3, 8, 7],
        depthwise_conv2d(kernel = 3, stride = 2, padding = same, depth_multiplier = 2, bias = false),
        relu6,
        depthwise_conv2d(kernel = 1),
        global_avg_pool2d,
        dense(4),
    }
}

nn::network! {
    pub struct MaxHead {
        input: [2, 4, 4],
        global_max_pool2d,
    }
}

#[test]
fn depthwise_relu6_and_global_pooling_become_grouped_conv_clip_and_reductions() {
    let model = Mobile::new_boxed(1);
    let graph = graph_of(&to_onnx(&*model).unwrap());
    let nodes = nodes(&graph);
    let ops: Vec<&str> = nodes.iter().map(|(op, _, _)| op.as_str()).collect();
    assert_eq!(ops, ["Conv", "Clip", "Conv", "ReduceMean", "Gemm"]);
    // One group per input channel; no bias input without a bias.
    assert_eq!(ints(&attribute(&graph, 0, "group"), 3), [3]);
    assert_eq!(ints(&attribute(&graph, 0, "kernel_shape"), 8), [3, 3]);
    assert_eq!(ints(&attribute(&graph, 0, "strides"), 8), [2, 2]);
    // `same` at stride 2: 8 rows pad one after; 7 columns pad one before and one after.
    assert_eq!(ints(&attribute(&graph, 0, "pads"), 8), [0, 1, 1, 1]);
    assert_eq!(nodes[0].1, ["input", "depthwise_conv2d_0.weight"]);
    let weight = initializer(&graph, "depthwise_conv2d_0.weight");
    assert_eq!(ints(&weight, 1), [6, 1, 3, 3]);
    assert_eq!(floats(&weight), param(&*model, "depthwise_conv2d_0.weight"));
    assert_eq!(ints(&attribute(&graph, 2, "group"), 3), [6]);
    assert_eq!(
        nodes[2].1,
        [
            "relu6_0",
            "depthwise_conv2d_1.weight",
            "depthwise_conv2d_1.bias"
        ]
    );
    // Clip's bounds are scalar initializers.
    assert_eq!(
        nodes[1].1,
        ["depthwise_conv2d_0", "relu6_0.min", "relu6_0.max"]
    );
    for (bound, value) in [("relu6_0.min", 0.0), ("relu6_0.max", 6.0)] {
        let tensor = initializer(&graph, bound);
        assert!(ints(&tensor, 1).is_empty(), "{bound} is a scalar");
        assert_eq!(floats(&tensor), [value]);
    }
    assert_eq!(ints(&attribute(&graph, 3, "axes"), 8), [2, 3]);
    assert_eq!(ints(&attribute(&graph, 3, "keepdims"), 3), [0]);

    let graph = graph_of(&to_onnx(&MaxHead::new(1)).unwrap());
    assert_eq!(nodes_of(&graph), ["ReduceMax"]);
    assert_eq!(ints(&attribute(&graph, 0, "axes"), 8), [2, 3]);
    assert_eq!(dims(&messages(&graph, 12)[0]), [None, Some(2)]);
}

fn nodes_of(graph: &[(u64, Value)]) -> Vec<String> {
    nodes(graph).into_iter().map(|(op, _, _)| op).collect()
}
