//! The four MLPerf Tiny models (keyword spotting, visual wake words, image classification,
//! anomaly detection), declared in `models/mlperf/` and imported from their float reference
//! files on the host at build time (`build/mlperf.rs`): weights in flash, seeded inputs,
//! and the host's outputs to compare with.

use cortex_m_semihosting::hprintln;

use crate::{stack, timer};

/// Little-endian f32 bytes decoded at compile time, so the static is plain data in flash.
macro_rules! f32s {
    ($bytes:expr, $len:expr) => {{
        const BYTES: &[u8] = $bytes;
        let mut values = [0.0f32; $len];
        let mut i = 0;
        while i < $len {
            values[i] = f32::from_le_bytes([
                BYTES[4 * i],
                BYTES[4 * i + 1],
                BYTES[4 * i + 2],
                BYTES[4 * i + 3],
            ]);
            i += 1;
        }
        values
    }};
}

/// One model: its declaration, its weights, its test inputs and the host's outputs, under
/// `mod $model` (so `size.sh` finds the weights as `nn_firmware::mlperf::$model::NETWORK`).
macro_rules! model {
    ($model:ident, $spec:literal, $network:ident, $macs:literal) => {
        pub mod $model {
            include!($spec);

            pub static NETWORK: $network = $network::from_le_bytes(crate::built!($model, "params"));
            const INPUT_BYTES: &[u8] = crate::built!($model, "inputs");
            const SAMPLES: usize = INPUT_BYTES.len() / (4 * $network::INPUT_LEN);
            pub static INPUTS: [f32; SAMPLES * $network::INPUT_LEN] =
                f32s!(INPUT_BYTES, SAMPLES * $network::INPUT_LEN);
            pub static HOST_OUTPUTS: [f32; SAMPLES * $network::OUTPUT_LEN] = f32s!(
                crate::built!($model, "outputs"),
                SAMPLES * $network::OUTPUT_LEN
            );
            pub const MACS: u64 = crate::parse_decimal(env!($macs));

            pub fn evaluate(check: super::Check) -> bool {
                super::evaluate(
                    stringify!($model),
                    MACS,
                    $network::SCRATCH_BYTES,
                    &INPUTS,
                    &HOST_OUTPUTS,
                    check,
                    |input, output| {
                        let mut scratch = [0.0; $network::SCRATCH_LEN];
                        NETWORK.forward_into(input, &mut scratch, output)
                    },
                )
            }
        }
    };
}

#[cfg(feature = "kws")]
model!(kws, "../../models/mlperf/kws.rs", Kws, "NN_MLPERF_KWS_MACS");
#[cfg(feature = "vww")]
model!(vww, "../../models/mlperf/vww.rs", Vww, "NN_MLPERF_VWW_MACS");
#[cfg(feature = "ic")]
model!(ic, "../../models/mlperf/ic.rs", Ic, "NN_MLPERF_IC_MACS");
#[cfg(feature = "ad")]
model!(ad, "../../models/mlperf/ad.rs", Ad, "NN_MLPERF_AD_MACS");

/// Runs every model the image carries; tells whether all their outputs are the host's.
pub fn evaluate_all() -> bool {
    let mut all_match = true;
    #[cfg(feature = "kws")]
    {
        all_match &= kws::evaluate(Check::Class);
    }
    #[cfg(feature = "vww")]
    {
        all_match &= vww::evaluate(Check::Class);
    }
    #[cfg(feature = "ic")]
    {
        all_match &= ic::evaluate(Check::Class);
    }
    #[cfg(feature = "ad")]
    {
        all_match &= ad::evaluate(Check::ReconstructionError);
    }
    all_match
}

/// What must match the host beyond every output to `TOLERANCE` of its scale. (An image
/// carrying only the autoencoder never checks a class.)
#[allow(dead_code)]
#[derive(Clone, Copy)]
pub enum Check {
    /// The predicted class (the largest output).
    Class,
    /// The anomaly score: the mean squared difference of the output from the input.
    ReconstructionError,
}

/// Largest difference from the host's outputs, relative to the largest host output.
const TOLERANCE: f32 = 1e-4;

/// Runs each input through `forward`, compares with the host and prints one line per input
/// and a summary line `<name>: <instructions> instructions per inference, …`. The stack is
/// painted afresh before each inference and its high-water mark read right after, so the
/// mark is the whole firmware's stack at its deepest during inference (the printing between
/// inferences is not counted). Never inlined, so its frame is this model's alone.
#[inline(never)]
fn evaluate<const IN: usize, const OUT: usize>(
    name: &str,
    macs: u64,
    scratch_bytes: usize,
    inputs: &[f32],
    host_outputs: &[f32],
    check: Check,
    forward: impl Fn(&[f32; IN], &mut [f32; OUT]),
) -> bool {
    let (mut total_ticks, mut samples, mut all_match, mut stack_bytes) = (0u64, 0u64, true, 0);
    let mut output = [0.0; OUT];
    for (input, host) in inputs.chunks_exact(IN).zip(host_outputs.chunks_exact(OUT)) {
        let input: &[f32; IN] = input.try_into().expect("chunks of IN");
        stack::paint();
        let ((), ticks) = timer::ticks(|| forward(input, &mut output));
        stack_bytes = stack_bytes.max(stack::high_water_bytes());
        total_ticks += u64::from(ticks);

        let scale = host.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let worst = output
            .iter()
            .zip(host)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        let close = worst <= TOLERANCE * scale && output.iter().all(|v| v.is_finite());
        let matches = match check {
            Check::Class => {
                let (ours, theirs) = (argmax(&output), argmax(host));
                hprintln!(
                    "{} input {}: class {} (host {}); largest difference {} billionths of the largest output",
                    name,
                    samples,
                    ours,
                    theirs,
                    billionths(worst, scale)
                );
                ours == theirs
            }
            Check::ReconstructionError => {
                let (ours, theirs) = (squared_error(input, &output), squared_error(input, host));
                let agree = (ours - theirs).abs() <= TOLERANCE * theirs;
                hprintln!(
                    "{} input {}: reconstruction error {} thousandths (host {}); largest difference {} billionths of the largest output",
                    name,
                    samples,
                    (ours * 1000.0) as u64,
                    (theirs * 1000.0) as u64,
                    billionths(worst, scale)
                );
                agree
            }
        };
        all_match &= close && matches;
        samples += 1;
    }
    let instructions = total_ticks * timer::INSTRUCTIONS_PER_TICK / samples.max(1);
    let hundredths_per_mac = instructions * 100 / macs;
    hprintln!(
        "{}: {} instructions per inference, {}.{:02} per MAC ({} MACs); scratch {} bytes; stack high-water {} bytes; {}",
        name,
        instructions,
        hundredths_per_mac / 100,
        hundredths_per_mac % 100,
        macs,
        scratch_bytes,
        stack_bytes,
        if all_match { "outputs match the host's" } else { "OUTPUTS DIFFER FROM THE HOST'S" }
    );
    all_match
}

/// `part / whole` in billionths, as an integer: printing floats would pull `core::fmt`'s
/// float formatting (several KB) into the image and blur the network's code size.
fn billionths(part: f32, whole: f32) -> u64 {
    if whole > 0.0 {
        (f64::from(part) / f64::from(whole) * 1e9) as u64
    } else {
        0
    }
}

/// The mean squared difference of the reconstruction from the input.
fn squared_error(input: &[f32], output: &[f32]) -> f32 {
    let sum: f32 = input
        .iter()
        .zip(output)
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    sum / input.len() as f32
}

/// The index of the largest value (the first, on ties).
fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}
