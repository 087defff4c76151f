//! Arbitrary bytes into the TFLite reader alone and into the importer, for MLPerf Tiny's
//! keyword-spotting declaration (`models/mlperf/kws.rs`) and a small dense classifier: none
//! may panic, a model the reader accepts must be consistent, and an import that fails must
//! leave the network unchanged.
//!
//! Seed it with `.tflite` files, e.g. the MLPerf Tiny models (copy them into
//! `fuzz/corpus/load_tflite/`, which is ignored by git: corpus files derived from those
//! models are never committed):
//!
//!     cargo +nightly fuzz run load_tflite
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn::io::tflite;
use nn::Network;

include!("../../models/mlperf/kws.rs");

nn::network! {
    pub struct Classifier {
        input: [4],
        dense(3), relu, softmax,
    }
}

/// Imports `bytes` into `network`; a failed import must leave it as it was.
fn import<N: Network>(bytes: &[u8], network: &mut N) {
    let before: Vec<u32> = network.params().iter().map(|p| p.to_bits()).collect();
    if tflite::load_from_bytes(bytes, network).is_err() {
        let after: Vec<u32> = network.params().iter().map(|p| p.to_bits()).collect();
        assert!(after == before, "a failed import changed the network");
    }
}

fuzz_target!(|bytes: &[u8]| {
    if let Ok(model) = tflite::read_from_bytes(bytes) {
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
    import(bytes, &mut *Kws::zeroed_boxed());
    import(bytes, &mut Classifier::zeroed());
});
