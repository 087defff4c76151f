//! A small, valid TFLite model as bytes, built here with the flatbuffers builder (never a
//! file derived from another model): the intact bytes import into [`Classifier`], so
//! truncations and byte flips of them reach every stage of reading and importing.
//!
//! The graph: `x` float32 `[1, 4]` → FULLY_CONNECTED (weights `[3, 4]`, bias `[3]`, fused
//! ReLU) → `h` `[1, 3]` → SOFTMAX (beta 1) → `y` `[1, 3]`.

use flatbuffers::{FlatBufferBuilder, WIPOffset};

nn::network! {
    /// What [`classifier_bytes`] holds, declared.
    pub struct Classifier {
        input: [4],
        dense(3), relu, softmax,
    }
}

/// The weights `[3, 4]` (out, in) of the model's FULLY_CONNECTED operator.
pub const WEIGHTS: [f32; 12] = [
    0.5, -0.25, 1.0, 0.125, -0.75, 0.5, 0.25, -1.0, 1.5, 0.0, -0.5, 0.75,
];

/// Its bias `[3]`.
pub const BIAS: [f32; 3] = [0.1, -0.2, 0.3];

/// The vtable slot of a table's field number `id`.
fn slot(id: u16) -> u16 {
    4 + 2 * id
}

fn tensor<'a>(
    b: &mut FlatBufferBuilder<'a>,
    name: &str,
    shape: &[i32],
    buffer: u32,
) -> WIPOffset<flatbuffers::TableFinishedWIPOffset> {
    let shape = b.create_vector(shape);
    let name = b.create_string(name);
    let start = b.start_table();
    b.push_slot_always(slot(0), shape);
    b.push_slot_always(slot(1), 0i8); // FLOAT32
    b.push_slot_always(slot(2), buffer);
    b.push_slot_always(slot(3), name);
    b.end_table(start)
}

fn operator<'a>(
    b: &mut FlatBufferBuilder<'a>,
    opcode: u32,
    inputs: &[i32],
    output: i32,
    options_type: u8,
    options: WIPOffset<flatbuffers::TableFinishedWIPOffset>,
) -> WIPOffset<flatbuffers::TableFinishedWIPOffset> {
    let inputs = b.create_vector(inputs);
    let outputs = b.create_vector(&[output]);
    let start = b.start_table();
    b.push_slot_always(slot(0), opcode);
    b.push_slot_always(slot(1), inputs);
    b.push_slot_always(slot(2), outputs);
    b.push_slot_always(slot(3), options_type);
    b.push_slot_always(slot(4), options);
    b.end_table(start)
}

/// The model's bytes, as a converter would write them (schema version 3, identifier
/// `TFL3`).
pub fn classifier_bytes() -> Vec<u8> {
    const FULLY_CONNECTED: i32 = 9;
    const SOFTMAX: i32 = 25;
    let mut b = FlatBufferBuilder::new();
    let codes: Vec<_> = [FULLY_CONNECTED, SOFTMAX]
        .into_iter()
        .map(|code| {
            let start = b.start_table();
            b.push_slot_always(slot(0), code as i8);
            b.push_slot_always(slot(3), code);
            b.end_table(start)
        })
        .collect();
    let tensors = [
        tensor(&mut b, "x", &[1, 4], 0),
        tensor(&mut b, "weights", &[3, 4], 1),
        tensor(&mut b, "bias", &[3], 2),
        tensor(&mut b, "h", &[1, 3], 0),
        tensor(&mut b, "y", &[1, 3], 0),
    ];
    let dense_options = {
        let start = b.start_table();
        b.push_slot_always(slot(0), 1i8); // fused RELU
        b.end_table(start)
    };
    let softmax_options = {
        let start = b.start_table();
        b.push_slot_always(slot(0), 1.0f32);
        b.end_table(start)
    };
    let operators = [
        operator(&mut b, 0, &[0, 1, 2], 3, 8, dense_options), // FullyConnectedOptions
        operator(&mut b, 1, &[3], 4, 9, softmax_options),     // SoftmaxOptions
    ];
    let subgraph = {
        let tensors = b.create_vector(&tensors);
        let inputs = b.create_vector(&[0i32]);
        let outputs = b.create_vector(&[4i32]);
        let operators = b.create_vector(&operators);
        let start = b.start_table();
        b.push_slot_always(slot(0), tensors);
        b.push_slot_always(slot(1), inputs);
        b.push_slot_always(slot(2), outputs);
        b.push_slot_always(slot(3), operators);
        b.end_table(start)
    };
    let buffers: Vec<_> = [&[][..], &WEIGHTS[..], &BIAS[..]]
        .into_iter()
        .map(|values| {
            let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            let data = (!bytes.is_empty()).then(|| b.create_vector(&bytes));
            let start = b.start_table();
            if let Some(data) = data {
                b.push_slot_always(slot(0), data);
            }
            b.end_table(start)
        })
        .collect();
    let model = {
        let codes = b.create_vector(&codes);
        let subgraphs = b.create_vector(&[subgraph]);
        let buffers = b.create_vector(&buffers);
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
