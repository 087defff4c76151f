//! The four MLPerf Tiny models in int8 (features `kws-int8`, `vww-int8`, `ic-int8`,
//! `ad-int8`): the types the declarations of `models/mlperf/` generate with `quantized:`,
//! their parameter images decoded at compile time into statics in flash, run heap-free on
//! seeded int8 inputs (and all −128, all 127) and compared byte for byte with the host's
//! outputs (`build/mlperf_int8.rs`), which are TFLite's.

use cortex_m_semihosting::hprintln;

use crate::{stack, timer};

/// A file that the build script wrote for this model, as a byte array of its length.
macro_rules! built {
    ($model:ident, $extension:literal) => {
        include_bytes!(concat!(
            env!("OUT_DIR"),
            "/",
            stringify!($model),
            ".",
            $extension
        ))
    };
}

/// Bytes reinterpreted as int8 values, at compile time.
macro_rules! i8s {
    ($bytes:expr) => {{
        const BYTES: &[u8] = $bytes;
        let mut values = [0i8; BYTES.len()];
        let mut i = 0;
        while i < BYTES.len() {
            values[i] = BYTES[i] as i8;
            i += 1;
        }
        values
    }};
}

/// One int8 model under `mod $model` (so `size.sh` finds its parameters as
/// `nn_firmware::mlperf_int8::$model::NETWORK`).
macro_rules! model {
    ($model:ident, $label:literal, $spec:literal, $network:ident, $macs:literal) => {
        pub mod $model {
            include!($spec);

            pub static NETWORK: $network = $network::from_le_bytes(built!($model, "params"));
            pub static INPUTS: [i8; built!($model, "inputs").len()] =
                i8s!(built!($model, "inputs"));
            pub static HOST_OUTPUTS: [i8; built!($model, "outputs").len()] =
                i8s!(built!($model, "outputs"));
            pub const MACS: u64 = crate::parse_decimal(env!($macs));

            pub fn evaluate() -> bool {
                super::evaluate(
                    $label,
                    MACS,
                    $network::SCRATCH_BYTES,
                    &INPUTS,
                    &HOST_OUTPUTS,
                    |input, output| {
                        let mut scratch = [0; $network::SCRATCH_BYTES];
                        NETWORK.forward_into(input, &mut scratch, output)
                    },
                )
            }
        }
    };
}

#[cfg(feature = "kws-int8")]
model!(
    kws_int8,
    "kws-int8",
    "../../models/mlperf/kws.rs",
    KwsInt8,
    "NN_MLPERF_KWS_INT8_MACS"
);
#[cfg(feature = "vww-int8")]
model!(
    vww_int8,
    "vww-int8",
    "../../models/mlperf/vww.rs",
    VwwInt8,
    "NN_MLPERF_VWW_INT8_MACS"
);
#[cfg(feature = "ic-int8")]
model!(
    ic_int8,
    "ic-int8",
    "../../models/mlperf/ic.rs",
    IcInt8,
    "NN_MLPERF_IC_INT8_MACS"
);
#[cfg(feature = "ad-int8")]
model!(
    ad_int8,
    "ad-int8",
    "../../models/mlperf/ad.rs",
    AdInt8,
    "NN_MLPERF_AD_INT8_MACS"
);

/// Runs every int8 model the image carries; tells whether all their outputs are the host's.
pub fn evaluate_all() -> bool {
    let mut all_match = true;
    #[cfg(feature = "kws-int8")]
    {
        all_match &= kws_int8::evaluate();
    }
    #[cfg(feature = "vww-int8")]
    {
        all_match &= vww_int8::evaluate();
    }
    #[cfg(feature = "ic-int8")]
    {
        all_match &= ic_int8::evaluate();
    }
    #[cfg(feature = "ad-int8")]
    {
        all_match &= ad_int8::evaluate();
    }
    all_match
}

/// Runs each input through `forward`, compares every output byte with the host's and
/// prints one line per input and a summary line `<name>: <instructions> instructions per
/// inference, …`. The stack is painted before each inference and its high-water mark read
/// right after it. Never inlined, so its frame is this model's alone.
#[inline(never)]
fn evaluate<const IN: usize, const OUT: usize>(
    name: &str,
    macs: u64,
    scratch_bytes: usize,
    inputs: &[i8],
    host_outputs: &[i8],
    forward: impl Fn(&[i8; IN], &mut [i8; OUT]),
) -> bool {
    let (mut total_ticks, mut samples, mut all_match, mut stack_bytes) = (0u64, 0u64, true, 0);
    let mut output = [0; OUT];
    for (input, host) in inputs.chunks_exact(IN).zip(host_outputs.chunks_exact(OUT)) {
        let input: &[i8; IN] = input.try_into().expect("chunks of IN");
        stack::paint();
        let ((), ticks) = timer::ticks(|| forward(input, &mut output));
        stack_bytes = stack_bytes.max(stack::high_water_bytes());
        total_ticks += u64::from(ticks);

        let same = output.iter().zip(host).filter(|(a, b)| a == b).count();
        hprintln!(
            "{} input {}: {} of {} output bytes identical to the host's; largest output at {} (host {})",
            name,
            samples,
            same,
            OUT,
            argmax(&output),
            argmax(host)
        );
        all_match &= same == OUT;
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
        if all_match { "outputs bit-identical to the host's" } else { "OUTPUTS DIFFER FROM THE HOST'S" }
    );
    all_match
}

/// The index of the largest value (the first, on ties).
fn argmax(values: &[i8]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}
