//! Int8 export of networks loaded from converter-written files: each MLPerf Tiny int8
//! model is loaded into the type its declaration generates (`load_int8`), exported again
//! with the file's own scales (`int8_scales`, `export_int8`), and the export must load back
//! into the same parameter image. With `NN_LITERT_PYTHON` (see `tests/tflite_export_int8.rs`)
//! TFLite's reference kernels also run each export on 100 seeded random inputs plus all
//! −128 and all 127, and every output byte must be the network's own `forward`'s.
//!
//! The models are read from `../shared/mlperf-tiny/` beside the repository, or from the
//! folder `NN_MLPERF_DIR` names; the exports are written to a scratch folder and removed.

#[macro_use]
mod litert;

use std::io::Write;
use std::path::PathBuf;

use nn::int8::QuantizedNetwork;
use nn::io::tflite::{self, export_int8, int8_scales};

include!("../models/mlperf/kws.rs");
include!("../models/mlperf/vww.rs");
include!("../models/mlperf/ic.rs");
include!("../models/mlperf/ad.rs");

fn mlperf_path(file: &str) -> PathBuf {
    let dir = std::env::var_os("NN_MLPERF_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/mlperf-tiny"));
    let path = dir.join(file);
    assert!(
        path.exists(),
        "{} is missing: copy MLPerf Tiny's reference models into ../shared/mlperf-tiny/ \
         beside this repository, or set NN_MLPERF_DIR to the folder that holds them.",
        path.display()
    );
    path
}

/// Loads `$file` into `$int8`, exports it, checks the round trip and, with Python, compares
/// TFLite on the export with `forward`; pushes the report line.
macro_rules! reexport {
    ($int8:ident, $name:literal, $file:literal, $report:ident) => {{
        let model = tflite::read(mlperf_path($file)).unwrap();
        let mut net = Box::new($int8::ZERO);
        tflite::load_int8_into(&model, &mut *net).unwrap();
        let scales = int8_scales::<$int8>(&model).unwrap();
        let bytes = export_int8(&*net, &scales).unwrap_or_else(|e| panic!("{}: {e}", $name));
        let mut again = Box::new($int8::ZERO);
        tflite::load_int8_from_bytes(&bytes, &mut *again).unwrap();
        assert_eq!(again.to_le_bytes(), net.to_le_bytes(), "{}", $name);
        $report.extend(litert::compare::<$int8>(
            $name,
            &bytes,
            forward_steps!(net, $int8),
        ));
    }};
}

#[test]
fn the_mlperf_int8_models_export_again_and_tflite_runs_them_as_nn_does() {
    let mut report = Vec::new();
    reexport!(KwsInt8, "KWS", "kws_ref_model.tflite", report);
    reexport!(VwwInt8, "VWW", "vww_96_int8.tflite", report);
    reexport!(IcInt8, "IC", "pretrainedResnet_quant.tflite", report);
    reexport!(AdInt8, "AD", "ad01_int8.tflite", report);
    if std::env::var_os("NN_LITERT_PYTHON").is_none() {
        let _ = std::io::stderr().write_all(
            b"\nSKIPPED: NN_LITERT_PYTHON is not set, so the re-exported MLPerf files were \
              only loaded back, NOT run in TFLite.\n",
        );
        return;
    }
    for (line, _) in &report {
        println!("{line}");
    }
    assert!(
        report.iter().all(|(_, differing)| *differing == 0),
        "TFLite differs from nn:\n{}",
        report
            .iter()
            .map(|(l, _)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
