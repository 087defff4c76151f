//! Arbitrary bytes into every loader of `nn::io`, for a network with dense, conv and batch
//! norm tensors: none may panic, and a load that fails must leave the model unchanged. The
//! same bytes go to the TFLite reader, whose models must be consistent when it accepts them,
//! and to the TFLite importer, for a network of the kinds it maps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn::io::{load_weights_from_bytes, load_weights_mapped, sequential_mapping, Checkpoint};
use nn::Network;

nn::network! {
    pub struct Fuzzed {
        input: [1, 6, 6],
        conv2d(2, kernel = 3), batch_norm, relu,
        flatten,
        dense(3), softmax,
    }
}

nn::network! {
    pub struct FuzzedImport {
        input: [2, 6, 6],
        conv2d(4, kernel = 3, padding = same), relu,
        depthwise_conv2d(kernel = 3, stride = 2, padding = same), relu6 as branch,
        conv2d(4, kernel = 1) as projection,
        add(branch, projection), relu,
        avg_pool2d(3), flatten,
        dense(3), softmax,
    }
}

fuzz_target!(|bytes: &[u8]| {
    let mut model = Fuzzed::new(1);
    let before: Vec<u32> = model.params().iter().map(|p| p.to_bits()).collect();
    let unchanged = |model: &Fuzzed| {
        model
            .params()
            .iter()
            .map(|p| p.to_bits())
            .collect::<Vec<_>>()
            == before
    };

    if load_weights_from_bytes(&mut model, bytes).is_err() {
        assert!(unchanged(&model), "a failed load changed the model");
    }

    let mut model = Fuzzed::new(1);
    if load_weights_mapped(&mut model, bytes, &sequential_mapping::<Fuzzed>()).is_err() {
        assert!(unchanged(&model), "a failed mapped load changed the model");
    }

    if let Ok(checkpoint) = Checkpoint::from_bytes::<Fuzzed>(bytes) {
        assert_eq!(checkpoint.params.len(), Fuzzed::PARAM_COUNT);
        // What decodes must encode again, and decode to the same checkpoint.
        let bytes = checkpoint
            .to_bytes::<Fuzzed>()
            .expect("a decoded checkpoint encodes");
        let again =
            Checkpoint::from_bytes::<Fuzzed>(&bytes).expect("an encoded checkpoint decodes");
        let bits = |c: &Checkpoint| c.params.iter().map(|p| p.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&again), bits(&checkpoint));
        assert_eq!(
            (again.epoch, again.seed),
            (checkpoint.epoch, checkpoint.seed)
        );
        assert_eq!(
            again.optimizer.buffers.len(),
            checkpoint.optimizer.buffers.len()
        );
    }

    let mut imported = FuzzedImport::new(1);
    let before_import: Vec<u32> = imported.params().iter().map(|p| p.to_bits()).collect();
    if nn::io::tflite::load_from_bytes(bytes, &mut imported).is_err() {
        let after: Vec<u32> = imported.params().iter().map(|p| p.to_bits()).collect();
        assert_eq!(after, before_import, "a failed import changed the model");
    }

    if let Ok(model) = nn::io::tflite::read_from_bytes(bytes) {
        assert!(!model.subgraphs.is_empty(), "a model without subgraphs was accepted");
        for graph in &model.subgraphs {
            let tensors = graph.tensors.len();
            let in_range = |t: &usize| *t < tensors;
            assert!(graph.inputs.iter().chain(&graph.outputs).all(in_range));
            for operator in &graph.operators {
                assert!(operator.inputs.iter().flatten().all(in_range));
                assert!(operator.outputs.iter().all(in_range));
            }
            for tensor in &graph.tensors {
                if let (true, Some(bytes)) = (tensor.is_constant(), tensor.dtype.element_bytes()) {
                    assert_eq!(tensor.data.len(), tensor.len() * bytes, "{}", tensor.name);
                }
            }
        }
    }
});
