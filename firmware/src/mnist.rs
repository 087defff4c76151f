//! MNIST inference: the MLP, the CNN, the LSTM and the residual CNN (a graph) that
//! `examples/export-firmware-data.rs` trained on the host classify 100 test digits from
//! flash. With no network feature at all, a stub stands in for the network: the size
//! baseline of `size.sh`.

use cortex_m_semihosting::{hprint, hprintln};

#[cfg(any(feature = "mlp", feature = "cnn", feature = "lstm", feature = "resnet"))]
use crate::models;
use crate::timer;

/// Test digits in the image.
const DIGITS: usize = 100;
/// Pixels per digit.
const PIXELS: usize = 784;

// Test data, as named statics so that `size.sh` can count them apart from code and weights.

/// The digits as raw pixels (scaled by 1/255 before inference, as the host's `Dataset`).
pub static TEST_DIGITS: [u8; DIGITS * PIXELS] = *include_bytes!("../data/digits.bin");
/// Their labels.
pub static TEST_LABELS: [u8; DIGITS] = *include_bytes!("../data/labels.bin");
/// The host's predictions: 100 for the MLP, then 100 for the CNN, 100 for the LSTM and 100
/// for the residual CNN.
pub static TEST_EXPECTED: [u8; 4 * DIGITS] = *include_bytes!("../data/expected.bin");

/// Runs every MNIST network the image carries; tells whether all their classes are the host's.
pub fn evaluate_all() -> bool {
    let mut all_match = true;
    #[cfg(feature = "mlp")]
    {
        use models::{Mlp, MLP};
        all_match &= evaluate("MLP", Mlp::SCRATCH_BYTES, &TEST_EXPECTED[..DIGITS], |x| {
            MLP.forward(x)
        });
    }
    #[cfg(feature = "cnn")]
    {
        use models::{Cnn, CNN};
        all_match &= evaluate(
            "CNN",
            Cnn::SCRATCH_BYTES,
            &TEST_EXPECTED[DIGITS..2 * DIGITS],
            |x| CNN.forward(x),
        );
    }
    #[cfg(feature = "lstm")]
    {
        use models::{DigitReader, LSTM};
        all_match &= evaluate(
            "LSTM",
            DigitReader::SCRATCH_BYTES,
            &TEST_EXPECTED[2 * DIGITS..3 * DIGITS],
            |x| LSTM.forward(x),
        );
    }
    #[cfg(feature = "resnet")]
    {
        use models::{MnistResNet, RESNET};
        all_match &= evaluate(
            "ResNet",
            MnistResNet::SCRATCH_BYTES,
            &TEST_EXPECTED[3 * DIGITS..],
            |x| RESNET.forward(x),
        );
    }
    #[cfg(baseline)]
    {
        // The size baseline: the whole harness, no network. Its "predictions" are nonsense.
        all_match &= evaluate("stub", 0, &TEST_EXPECTED[..DIGITS], stub_forward);
    }
    all_match
}

/// Classifies every digit with `forward`, prints the classes, the accuracy and the cost, and
/// tells whether every class is the host's.
fn evaluate(
    name: &str,
    scratch_bytes: usize,
    expected: &[u8],
    forward: impl Fn(&[f32; PIXELS]) -> [f32; 10],
) -> bool {
    let (mut correct, mut mismatches) = (0, 0);
    let (mut total_ticks, mut min_ticks, mut max_ticks) = (0u64, u32::MAX, 0u32);
    hprint!("{} classes:", name);
    let mut input = [0.0; PIXELS];
    for (i, digit) in TEST_DIGITS.chunks_exact(PIXELS).enumerate() {
        scale(digit, &mut input);
        let (output, ticks) = timer::ticks(|| forward(&input));
        let class = argmax(&output);
        hprint!(" {}", class);
        correct += usize::from(class == TEST_LABELS[i]);
        mismatches += usize::from(class != expected[i]);
        total_ticks += u64::from(ticks);
        min_ticks = min_ticks.min(ticks);
        max_ticks = max_ticks.max(ticks);
    }
    hprintln!();
    let per_tick = timer::INSTRUCTIONS_PER_TICK;
    hprintln!(
        "{} accuracy: {}/{}; differs from the host on {}",
        name,
        correct,
        DIGITS,
        mismatches
    );
    hprintln!(
        "{} cost per inference: {} instructions under emulation (mean of {}; min {}, max {}; {} timer ticks in all)",
        name,
        total_ticks * per_tick / DIGITS as u64,
        DIGITS,
        u64::from(min_ticks) * per_tick,
        u64::from(max_ticks) * per_tick,
        total_ticks,
    );
    hprintln!(
        "{} scratch (stack) per forward pass: {} bytes",
        name,
        scratch_bytes
    );
    mismatches == 0
}

/// Stands in for a network in the size baseline; `black_box` keeps it from being folded away.
#[cfg(baseline)]
fn stub_forward(input: &[f32; PIXELS]) -> [f32; 10] {
    let mut output = [0.0; 10];
    output.copy_from_slice(&core::hint::black_box(input)[..10]);
    output
}

/// Pixels to inputs in `[0, 1]`, exactly as the host's `Dataset::mnist` (`pixel as f32 / 255.0`).
fn scale(pixels: &[u8], input: &mut [f32; PIXELS]) {
    for (x, &p) in input.iter_mut().zip(pixels) {
        *x = f32::from(p) / 255.0;
    }
}

/// The index of the largest output (the first, on ties), as on the host.
fn argmax(values: &[f32; 10]) -> u8 {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best as u8
}
