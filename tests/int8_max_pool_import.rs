//! `MAX_POOL_2D` in int8 files (`nn::io::tflite::load_int8`): a file exported from a network
//! with a max pooling loads into it, and a network whose pooling differs in window, stride,
//! kind or padding is refused with an error naming the operator.

use nn::int8::{quantize_into, Calibration};
use nn::io::tflite::{self, export_int8, ImportError, Mismatch, Op, Padding};
use nn::Rng;

nn::network! {
    /// A 2×2 max pooling over a 9×9 map: VALID drops the last row and column.
    struct Pooled {
        input: [2, 10, 10],
        quantized: PooledInt8,
        conv2d(4, kernel = 2), relu,
        max_pool2d(2),
        flatten, dense(3),
    }
}

nn::network! {
    /// `Pooled` with a 3×3 window at stride 2.
    struct WideWindow {
        input: [2, 10, 10],
        quantized: WideWindowInt8,
        conv2d(4, kernel = 2), relu,
        max_pool2d(3, stride = 2),
        flatten, dense(3),
    }
}

nn::network! {
    /// `Pooled` with stride 1.
    struct Overlapping {
        input: [2, 10, 10],
        quantized: OverlappingInt8,
        conv2d(4, kernel = 2), relu,
        max_pool2d(2, stride = 1),
        flatten, dense(3),
    }
}

nn::network! {
    /// `Pooled` averaging instead.
    struct Averaged {
        input: [2, 10, 10],
        quantized: AveragedInt8,
        conv2d(4, kernel = 2), relu,
        avg_pool2d(2),
        flatten, dense(3),
    }
}

/// `Pooled`, seeded and quantized, as a `.tflite` file.
fn pooled_file() -> (Box<PooledInt8>, Vec<u8>) {
    let model = Pooled::new_boxed(3);
    let mut rng = Rng::new(3);
    let calibration: Vec<f32> = (0..16 * 200).map(|_| rng.uniform(1.0)).collect();
    let mut int8 = Box::new(PooledInt8::ZERO);
    let scales = quantize_into(&*model, &calibration, Calibration::MinMax, &mut *int8).unwrap();
    let bytes = export_int8(&*int8, &scales).unwrap();
    (int8, bytes)
}

/// Checks that `error` is a mismatch of `kind` at operator 1, the `MAX_POOL_2D`, and that
/// its message names the operator and both sides.
fn assert_pool_mismatch(error: &ImportError, kind: Mismatch, file: &str, network: &str) {
    assert!(
        matches!(error, ImportError::Mismatch { operator: 1, op, kind: k, .. }
            if op == "MAX_POOL_2D" && *k == kind),
        "{error:?}"
    );
    let message = error.to_string();
    for part in ["operator 1 (MAX_POOL_2D)", file, network] {
        assert!(message.contains(part), "{part:?} is not in: {message}");
    }
}

#[test]
fn max_pooling_loads_into_its_network() {
    let (int8, bytes) = pooled_file();
    let model = tflite::read_from_bytes(&bytes).unwrap();
    assert!(matches!(
        model.main_graph().operators[1].op,
        Op::MaxPool2d(o) if (o.filter_h, o.stride_h, o.padding) == (2, 2, Padding::Valid)
    ));
    let mut loaded = Box::new(PooledInt8::ZERO);
    tflite::load_int8_into(&model, &mut *loaded).unwrap();
    assert_eq!(loaded, int8);
}

#[test]
fn another_window_or_stride_is_refused() {
    let (_, bytes) = pooled_file();
    let error =
        tflite::load_int8_from_bytes(&bytes, &mut *Box::new(WideWindowInt8::ZERO)).unwrap_err();
    assert_pool_mismatch(
        &error,
        Mismatch::Shape,
        "a MAX_POOL_2D 2×2 stride 2×2 from [4, 9, 9] to [4, 4, 4]",
        "a MAX_POOL_2D 3×3 stride 2×2 from [4, 9, 9] to [4, 4, 4]",
    );
    let error =
        tflite::load_int8_from_bytes(&bytes, &mut *Box::new(OverlappingInt8::ZERO)).unwrap_err();
    assert_pool_mismatch(
        &error,
        Mismatch::Shape,
        "stride 2×2",
        "a MAX_POOL_2D 2×2 stride 1×1 from [4, 9, 9] to [4, 8, 8]",
    );
}

#[test]
fn average_pooling_is_not_max_pooling() {
    let (_, bytes) = pooled_file();
    let error =
        tflite::load_int8_from_bytes(&bytes, &mut *Box::new(AveragedInt8::ZERO)).unwrap_err();
    assert_pool_mismatch(
        &error,
        Mismatch::Kind,
        "a MAX_POOL_2D",
        "an AVERAGE_POOL_2D",
    );
}

#[test]
fn same_padding_over_an_odd_map_is_refused() {
    let (_, bytes) = pooled_file();
    let mut model = tflite::read_from_bytes(&bytes).unwrap();
    let Op::MaxPool2d(options) = &mut model.subgraphs[0].operators[1].op else {
        panic!("operator 1 is not MAX_POOL_2D");
    };
    // SAME pads the ninth row and column into a fifth window; the output is 4×4.
    options.padding = Padding::Same;
    let mut network = Box::new(PooledInt8::ZERO);
    let error = tflite::load_int8_into(&model, &mut *network).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("operator 1 (MAX_POOL_2D)") && message.contains("expected 5"),
        "{message}"
    );
    assert_eq!(*network, PooledInt8::ZERO, "a refused file changes nothing");
}
