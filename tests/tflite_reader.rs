//! The TFLite reader on the MLPerf Tiny reference models (float and int8), and on small
//! models and malformed inputs built here.
//!
//! The reference models are not part of the repository: they are read from
//! `../shared/mlperf-tiny/` beside it, or from the folder `NN_MLPERF_DIR` names.

use std::path::PathBuf;

use flatbuffers::FlatBufferBuilder;
use nn::io::tflite::{self, Activation, Model, Op, Padding, TensorType, TfliteError};

// ---- the MLPerf Tiny reference models ----

fn mlperf_dir() -> PathBuf {
    std::env::var_os("NN_MLPERF_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/mlperf-tiny"))
}

/// Reads one reference model; a missing file fails the test with where to get it.
fn read_mlperf(file: &str) -> Model {
    let path = mlperf_dir().join(file);
    assert!(
        path.exists(),
        "{} is missing. These tests read the MLPerf Tiny reference models of the mlcommons/tiny \
         repository (benchmark/training/<task>/trained_models/*.tflite): copy them into \
         ../shared/mlperf-tiny/ beside this repository, or set NN_MLPERF_DIR to the folder \
         that holds them.",
        path.display()
    );
    tflite::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn op_names(model: &Model) -> Vec<&str> {
    model
        .main_graph()
        .operators
        .iter()
        .map(|o| o.op.name())
        .collect()
}

fn count(names: &[&str], name: &str) -> usize {
    names.iter().filter(|&&n| n == name).count()
}

/// The shapes of a graph's input and output tensors.
fn io_shapes(model: &Model) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let graph = model.main_graph();
    let shapes = |list: &[usize]| {
        list.iter()
            .map(|&t| graph.tensors[t].shape.clone())
            .collect()
    };
    (shapes(&graph.inputs), shapes(&graph.outputs))
}

/// The shape of an operator's `k`-th input.
fn input_shape(model: &Model, operator: usize, k: usize) -> Vec<usize> {
    let graph = model.main_graph();
    let t = graph.operators[operator].inputs[k].expect("the input is present");
    graph.tensors[t].shape.clone()
}

#[test]
fn kws_ds_cnn() {
    let mut expected = vec!["CONV_2D"];
    for _ in 0..4 {
        expected.extend(["DEPTHWISE_CONV_2D", "CONV_2D"]);
    }
    expected.extend(["AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]);

    for (file, activations) in [
        ("kws_ref_model.tflite", TensorType::Int8),
        ("kws_ref_model_float32.tflite", TensorType::Float32),
    ] {
        let model = read_mlperf(file);
        assert_eq!(model.version, 3);
        assert_eq!(op_names(&model), expected, "{file}");
        assert_eq!(
            io_shapes(&model),
            (vec![vec![1, 49, 10, 1]], vec![vec![1, 12]]),
            "{file}"
        );
        let graph = model.main_graph();
        assert_eq!(graph.tensors[graph.inputs[0]].dtype, activations, "{file}");

        // conv 64, kernel 10×4, stride 2, TensorFlow's `same` padding, fused ReLU
        let Op::Conv2d(first) = graph.operators[0].op else {
            panic!("{file}: operator 0 is {:?}", graph.operators[0].op)
        };
        assert_eq!(
            (first.padding, first.stride_h, first.stride_w),
            (Padding::Same, 2, 2)
        );
        assert_eq!((first.dilation_h, first.dilation_w), (1, 1));
        assert_eq!(first.activation, Activation::Relu);
        assert_eq!(input_shape(&model, 0, 1), [64, 10, 4, 1], "OHWI filter");

        let Op::DepthwiseConv2d(dw) = graph.operators[1].op else {
            panic!("{file}: operator 1 is {:?}", graph.operators[1].op)
        };
        assert_eq!(
            (dw.padding, dw.stride_h, dw.depth_multiplier),
            (Padding::Same, 1, 1)
        );
        assert_eq!(dw.activation, Activation::Relu);
        assert_eq!(input_shape(&model, 1, 1), [1, 3, 3, 64], "1HWO filter");

        // average pooling over the whole 25×5 map
        let Op::AveragePool2d(pool) = graph.operators[9].op else {
            panic!("{file}: operator 9 is {:?}", graph.operators[9].op)
        };
        assert_eq!(
            (pool.filter_h, pool.filter_w, pool.padding),
            (25, 5, Padding::Valid)
        );
        assert_eq!(
            input_shape(&model, 11, 1),
            [12, 64],
            "dense weights [out, in]"
        );
        assert!(matches!(graph.operators[12].op, Op::Softmax { beta } if beta == 1.0));
    }

    // The int8 model's input and output quantization, as the MLPerf README states them.
    let model = read_mlperf("kws_ref_model.tflite");
    let graph = model.main_graph();
    let q = graph.tensors[graph.inputs[0]].quantization.clone().unwrap();
    assert!(
        (q.scales[0] - 0.5847).abs() < 1e-4 && q.zero_points == [83],
        "{q:?}"
    );
    let q = graph.tensors[graph.outputs[0]]
        .quantization
        .clone()
        .unwrap();
    assert_eq!((q.scales, q.zero_points), (vec![1.0 / 256.0], vec![-128]));
    // Convolution weights are quantized per output channel.
    let filter = &graph.tensors[graph.operators[0].inputs[1].unwrap()];
    let q = filter.quantization.as_ref().unwrap();
    assert_eq!((q.scales.len(), q.quantized_dimension), (64, 0));
    assert_eq!(
        (filter.dtype, filter.data.len()),
        (TensorType::Int8, 64 * 10 * 4)
    );

    // The float file is hybrid: float activations, int8 convolution weights.
    let model = read_mlperf("kws_ref_model_float32.tflite");
    let graph = model.main_graph();
    let filter = &graph.tensors[graph.operators[0].inputs[1].unwrap()];
    assert_eq!(filter.dtype, TensorType::Int8);
    assert!(filter.quantization.is_some());
    let dw_filter = &graph.tensors[graph.operators[1].inputs[1].unwrap()];
    assert_eq!(
        (dw_filter.dtype, dw_filter.data.len()),
        (TensorType::Float32, 3 * 3 * 64 * 4)
    );
}

#[test]
fn vww_mobilenet() {
    for file in ["vww_96_int8.tflite", "vww_96_float.tflite"] {
        let model = read_mlperf(file);
        let names = op_names(&model);
        assert_eq!(count(&names, "CONV_2D"), 14, "{file}");
        assert_eq!(count(&names, "DEPTHWISE_CONV_2D"), 13, "{file}");
        assert_eq!(names[0], "CONV_2D");
        assert_eq!(
            names[27..],
            ["AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]
        );
        assert_eq!(
            io_shapes(&model),
            (vec![vec![1, 96, 96, 3]], vec![vec![1, 2]]),
            "{file}"
        );

        let graph = model.main_graph();
        assert!(
            matches!(graph.operators[0].op, Op::Conv2d(o) if o.stride_h == 2 && o.stride_w == 2),
            "{file}: the first convolution has stride 2"
        );
        let strided_depthwise = graph
            .operators
            .iter()
            .filter(|o| matches!(o.op, Op::DepthwiseConv2d(d) if d.stride_h == 2))
            .count();
        assert_eq!(strided_depthwise, 4, "{file}");
        // pointwise widths 16, 32, 32, 64, 64, 128 ×6, 256, 256
        let widths: Vec<usize> = (2..27)
            .step_by(2)
            .map(|i| input_shape(&model, i, 1)[0])
            .collect();
        assert_eq!(
            widths,
            [16, 32, 32, 64, 64, 128, 128, 128, 128, 128, 128, 256, 256]
        );
    }
}

#[test]
fn ic_resnet8() {
    for file in ["pretrainedResnet_quant.tflite", "pretrainedResnet.tflite"] {
        let model = read_mlperf(file);
        let names = op_names(&model);
        assert_eq!(count(&names, "CONV_2D"), 9, "{file}");
        assert_eq!(count(&names, "ADD"), 3, "{file}");
        assert_eq!(
            names[names.len() - 4..],
            ["AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]
        );
        assert_eq!(
            io_shapes(&model),
            (vec![vec![1, 32, 32, 3]], vec![vec![1, 10]]),
            "{file}"
        );

        let graph = model.main_graph();
        for op in &graph.operators {
            if let Op::Add { activation } = op.op {
                assert_eq!(
                    activation,
                    Activation::Relu,
                    "{file}: the ReLU after a join is fused"
                );
            }
        }
        // two 1×1 stride-2 projections, in the second and third stacks
        let projections = (0..graph.operators.len())
            .filter(|&i| {
                matches!(graph.operators[i].op, Op::Conv2d(o) if o.stride_h == 2)
                    && input_shape(&model, i, 1)[1..3] == [1, 1]
            })
            .count();
        assert_eq!(projections, 2, "{file}");
    }
}

#[test]
fn ad_autoencoder() {
    for file in ["ad01_int8.tflite", "ad01_fp32.tflite"] {
        let model = read_mlperf(file);
        assert_eq!(op_names(&model), ["FULLY_CONNECTED"; 10], "{file}");
        assert_eq!(
            io_shapes(&model),
            (vec![vec![1, 640]], vec![vec![1, 640]]),
            "{file}"
        );
        let widths: Vec<[usize; 2]> = (0..10)
            .map(|i| input_shape(&model, i, 1).try_into().unwrap())
            .collect();
        assert_eq!(widths[0], [128, 640]);
        assert_eq!(widths[4], [8, 128]);
        assert_eq!(widths[9], [640, 128]);
        for (i, operator) in model.main_graph().operators.iter().enumerate() {
            let Op::FullyConnected(o) = operator.op else {
                panic!("{file}: operator {i} is {:?}", operator.op)
            };
            let expected = if i < 9 {
                Activation::Relu
            } else {
                Activation::None
            };
            assert_eq!(o.activation, expected, "{file}: operator {i}");
        }
    }
}

// ---- small models built here, and malformed bytes ----

/// The vtable slot of a table's field number `id`.
fn slot(id: u16) -> u16 {
    4 + 2 * id
}

/// A one-operator TFLite model: tensor 0 (`x`, float32 `[1, 4]`) → operator → tensor 1
/// (`y`), with the operator code given by its two fields and SOFTMAX options (beta 1).
fn tiny_model(deprecated_builtin_code: i8, builtin_code: i32, input: i32) -> Vec<u8> {
    let mut b = FlatBufferBuilder::new();
    let code = {
        let start = b.start_table();
        b.push_slot_always(slot(0), deprecated_builtin_code);
        b.push_slot_always(slot(3), builtin_code);
        b.end_table(start)
    };
    let tensors: Vec<_> = ["x", "y"]
        .into_iter()
        .map(|name| {
            let shape = b.create_vector(&[1i32, 4]);
            let name = b.create_string(name);
            let start = b.start_table();
            b.push_slot_always(slot(0), shape);
            b.push_slot_always(slot(1), 0i8); // FLOAT32
            b.push_slot_always(slot(2), 0u32); // the empty buffer
            b.push_slot_always(slot(3), name);
            b.end_table(start)
        })
        .collect();
    let softmax_options = {
        let start = b.start_table();
        b.push_slot_always(slot(0), 1.0f32);
        b.end_table(start)
    };
    let operator = {
        let inputs = b.create_vector(&[input]);
        let outputs = b.create_vector(&[1i32]);
        let start = b.start_table();
        b.push_slot_always(slot(0), 0u32);
        b.push_slot_always(slot(1), inputs);
        b.push_slot_always(slot(2), outputs);
        b.push_slot_always(slot(3), 9u8); // BuiltinOptions::SoftmaxOptions
        b.push_slot_always(slot(4), softmax_options);
        b.end_table(start)
    };
    let subgraph = {
        let tensors = b.create_vector(&tensors);
        let inputs = b.create_vector(&[0i32]);
        let outputs = b.create_vector(&[1i32]);
        let operators = b.create_vector(&[operator]);
        let start = b.start_table();
        b.push_slot_always(slot(0), tensors);
        b.push_slot_always(slot(1), inputs);
        b.push_slot_always(slot(2), outputs);
        b.push_slot_always(slot(3), operators);
        b.end_table(start)
    };
    let empty_buffer = {
        let start = b.start_table();
        b.end_table(start)
    };
    let model = {
        let codes = b.create_vector(&[code]);
        let subgraphs = b.create_vector(&[subgraph]);
        let buffers = b.create_vector(&[empty_buffer]);
        let start = b.start_table();
        b.push_slot_always(slot(0), 3u32);
        b.push_slot_always(slot(1), codes);
        b.push_slot_always(slot(2), subgraphs);
        b.push_slot_always(slot(4), buffers);
        b.end_table(start)
    };
    b.finish(model, Some("TFL3"));
    b.finished_data().to_vec()
}

const SOFTMAX: i32 = 25;

#[test]
fn tiny_model_reads() {
    let model = tflite::read_from_bytes(&tiny_model(SOFTMAX as i8, SOFTMAX, 0)).unwrap();
    let graph = model.main_graph();
    assert_eq!(graph.tensors.len(), 2);
    assert_eq!(
        (graph.tensors[0].name.as_str(), &graph.tensors[0].shape[..]),
        ("x", &[1, 4][..])
    );
    assert!(graph
        .tensors
        .iter()
        .all(|t| t.data.is_empty() && t.quantization.is_none()));
    assert_eq!(
        (graph.inputs.clone(), graph.outputs.clone()),
        (vec![0], vec![1])
    );
    assert_eq!(graph.operators.len(), 1);
    assert_eq!(graph.operators[0].op, Op::Softmax { beta: 1.0 });
    assert_eq!(
        (
            graph.operators[0].inputs.clone(),
            graph.operators[0].outputs.clone()
        ),
        (vec![Some(0)], vec![1])
    );
}

#[test]
fn builtin_codes_resolve_from_either_field() {
    let op = |deprecated, extended| {
        tflite::read_from_bytes(&tiny_model(deprecated, extended, 0))
            .map(|m| m.main_graph().operators[0].op.clone())
    };
    // A file from before the 32-bit field has only the one-byte code.
    assert_eq!(op(SOFTMAX as i8, 0).unwrap(), Op::Softmax { beta: 1.0 });
    // Newer files write both.
    assert_eq!(
        op(SOFTMAX as i8, SOFTMAX).unwrap(),
        Op::Softmax { beta: 1.0 }
    );
    // Codes past 127 have the placeholder 127 in the old field.
    assert_eq!(
        op(127, 128).unwrap(),
        Op::Other {
            code: 128,
            name: "CUMSUM"
        }
    );
    // The placeholder alone, or a code the schema does not have, is an unknown operator.
    assert_eq!(
        format!("{:?}", op(127, 0).unwrap_err()),
        format!(
            "{:?}",
            TfliteError::UnknownOperator {
                operator: 0,
                code: 127
            }
        )
    );
    assert_eq!(
        format!("{:?}", op(127, 9999).unwrap_err()),
        format!(
            "{:?}",
            TfliteError::UnknownOperator {
                operator: 0,
                code: 9999
            }
        )
    );
}

#[test]
fn out_of_range_tensor_is_an_error() {
    let error = tflite::read_from_bytes(&tiny_model(SOFTMAX as i8, SOFTMAX, 7)).unwrap_err();
    let message = error.to_string();
    assert!(
        message
            .contains("input 0 of operator 0 refers to tensor 7, but the subgraph has 2 tensors"),
        "{message}"
    );
}

#[test]
fn options_of_another_operator_are_an_error() {
    // CONV_2D (code 3) with SOFTMAX's options
    let error = tflite::read_from_bytes(&tiny_model(3, 3, 0)).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("operator 0 (CONV_2D) has no options of its kind (found SoftmaxOptions)"),
        "{message}"
    );
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = tiny_model(SOFTMAX as i8, SOFTMAX, 0);
    for len in 0..bytes.len() {
        let result = tflite::read_from_bytes(&bytes[..len]);
        assert!(
            result.is_err(),
            "{len} of {} bytes read as {result:?}",
            bytes.len()
        );
    }
    let message = tflite::read_from_bytes(&bytes[..bytes.len() / 2])
        .unwrap_err()
        .to_string();
    assert!(message.contains("truncated"), "{message}");
    let message = tflite::read_from_bytes(&bytes[..5])
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("the file is truncated: 5 bytes"),
        "{message}"
    );
}

/// Every byte of a valid model replaced by a few other values: each read returns (an `Err`,
/// or a model, when the byte was padding or data), and none panics.
#[test]
fn corrupted_bytes_never_panic() {
    let bytes = tiny_model(SOFTMAX as i8, SOFTMAX, 0);
    let mut rejected = 0;
    for i in 0..bytes.len() {
        for value in [0x00, 0x01, 0x7f, 0x80, 0xff, bytes[i] ^ 0x10] {
            let mut corrupted = bytes.clone();
            corrupted[i] = value;
            rejected += usize::from(tflite::read_from_bytes(&corrupted).is_err());
        }
    }
    assert!(
        rejected > bytes.len(),
        "only {rejected} corruptions were rejected"
    );
}

#[test]
fn garbage_is_an_error() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    assert!(matches!(
        tflite::read_from_bytes(&garbage),
        Err(TfliteError::NotTflite { .. })
    ));
    // Garbage behind the right identifier gets as far as the verifier.
    let mut behind = garbage.clone();
    behind[4..8].copy_from_slice(b"TFL3");
    let error = tflite::read_from_bytes(&behind).unwrap_err();
    assert!(matches!(error, TfliteError::Malformed { .. }), "{error:?}");
    let message = tflite::read_from_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("expected the file identifier \"TFL3\""),
        "{message}"
    );
}

/// The smallest flatbuffer: an empty root table, behind a given file identifier.
fn empty_flatbuffer(identifier: &[u8; 4]) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend(12u32.to_le_bytes()); // root table at byte 12
    bytes.extend(identifier);
    bytes.extend(4u16.to_le_bytes()); // vtable at 8: 4 bytes, no fields
    bytes.extend(4u16.to_le_bytes()); // the table's size
    bytes.extend(4i32.to_le_bytes()); // the table: its vtable lies 4 bytes before it
    bytes
}

#[test]
fn a_flatbuffer_that_is_not_tflite_is_an_error() {
    let error = tflite::read_from_bytes(&empty_flatbuffer(b"BARS")).unwrap_err();
    assert_eq!(
        format!("{:?}", error),
        format!(
            "{:?}",
            TfliteError::NotTflite {
                found: "BARS".into()
            }
        )
    );
    // With TFLite's identifier but none of a model's fields.
    let error = tflite::read_from_bytes(&empty_flatbuffer(b"TFL3")).unwrap_err();
    assert_eq!(
        format!("{:?}", error),
        format!("{:?}", TfliteError::UnsupportedVersion { found: 0 })
    );
}

#[test]
fn a_missing_file_is_an_io_error() {
    let error = tflite::read("/nonexistent/model.tflite").unwrap_err();
    assert!(
        matches!(
            error,
            TfliteError::Io { ref source, .. } if source.kind() == std::io::ErrorKind::NotFound
        ),
        "{error:?}"
    );
}
