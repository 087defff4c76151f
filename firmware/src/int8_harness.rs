//! What the int8 images share: the parameters, inputs and host outputs the build script
//! wrote, decoded into statics at compile time (`int8_model!`), and the run that compares
//! every output byte with the host's and prints the cost of each step and of an inference.

use cortex_m_semihosting::hprintln;
use nn::int8::Int8Layer;

use crate::{stack, timer};

/// Bytes reinterpreted as int8 values, at compile time.
#[macro_export]
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
/// `nn_firmware::<module>::$model::NETWORK`), its spec included from `$spec`.
#[macro_export]
macro_rules! int8_model {
    ($model:ident, $label:literal, $spec:literal, $network:ident, $macs:literal) => {
        pub mod $model {
            include!($spec);

            pub static NETWORK: $network =
                $network::from_le_bytes($crate::built!($model, "params"));
            pub static INPUTS: [i8; $crate::built!($model, "inputs").len()] =
                $crate::i8s!($crate::built!($model, "inputs"));
            pub static HOST_OUTPUTS: [i8; $crate::built!($model, "outputs").len()] =
                $crate::i8s!($crate::built!($model, "outputs"));
            pub const MACS: u64 = $crate::parse_decimal(env!($macs));

            pub fn evaluate() -> bool {
                let input: &[i8; <$network as nn::int8::QuantizedNetwork>::INPUT_LEN] = INPUTS
                    [..<$network as nn::int8::QuantizedNetwork>::INPUT_LEN]
                    .try_into()
                    .expect("one input");
                $crate::int8_harness::print_layer_costs(
                    $label,
                    <$network as nn::int8::QuantizedNetwork>::LAYERS,
                    |inspect| {
                        let mut scratch = [0; $network::SCRATCH_BYTES];
                        let mut output = [0; <$network as nn::int8::QuantizedNetwork>::OUTPUT_LEN];
                        NETWORK.forward_inspect(input, &mut scratch, &mut output, inspect)
                    },
                );
                $crate::int8_harness::evaluate(
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

/// Runs each input through `forward`, compares every output byte with the host's and
/// prints one line per input and a summary line `<name>: <instructions> instructions per
/// inference, …`. The stack is painted before each inference and its high-water mark read
/// right after it. Never inlined, so its frame is this model's alone.
#[inline(never)]
pub fn evaluate<const IN: usize, const OUT: usize>(
    name: &str,
    macs: u64,
    scratch_bytes: usize,
    inputs: &[i8],
    host_outputs: &[i8],
    forward: impl Fn(&[i8; IN], &mut [i8; OUT]),
) -> bool {
    let (mut total_ticks, mut samples, mut all_match) = (0u64, 0u64, true);
    let (mut stack_bytes, mut forward_bytes) = (0, 0);
    let mut output = [0; OUT];
    for (input, host) in inputs.chunks_exact(IN).zip(host_outputs.chunks_exact(OUT)) {
        let input: &[i8; IN] = input.try_into().expect("chunks of IN");
        stack::paint();
        let sp = stack::pointer();
        let ((), ticks) = timer::ticks(|| run(&forward, input, &mut output));
        stack_bytes = stack_bytes.max(stack::high_water_bytes());
        forward_bytes = forward_bytes.max(stack::used_below(sp));
        total_ticks += u64::from(ticks);

        let same = output.iter().zip(host).filter(|(a, b)| a == b).count();
        print_input(name, samples, same, &output, host);
        all_match &= same == OUT;
        samples += 1;
    }
    let instructions = total_ticks * timer::INSTRUCTIONS_PER_TICK / samples.max(1);
    let stack = StackUse {
        scratch: scratch_bytes,
        forward: forward_bytes,
        high_water: stack_bytes,
    };
    print_summary(name, instructions, macs, stack, all_match);
    all_match
}

/// One inference in a frame of its own: `forward`'s scratch and everything it calls lie
/// below the caller's stack pointer, so that [`stack::used_below`] measures what an
/// inference needs (scratch included) apart from the harness.
#[inline(never)]
fn run<const IN: usize, const OUT: usize>(
    forward: &impl Fn(&[i8; IN], &mut [i8; OUT]),
    input: &[i8; IN],
    output: &mut [i8; OUT],
) {
    forward(input, output);
}

/// Stack bytes: the scratch an inference declares, what an inference used in all (scratch,
/// the network's frames, its kernels'), and the whole run's high-water mark.
struct StackUse {
    scratch: usize,
    forward: usize,
    high_water: usize,
}

/// One input's line. Not inlined, like [`print_summary`]: formatting takes stack, which
/// would otherwise sit in `evaluate`'s frame under every measured inference.
#[inline(never)]
fn print_input(name: &str, sample: u64, same: usize, output: &[i8], host: &[i8]) {
    hprintln!(
        "{} input {}: {} of {} output bytes identical to the host's; largest output at {} (host {})",
        name,
        sample,
        same,
        output.len(),
        argmax(output),
        argmax(host)
    );
}

/// The model's summary line, which `size.sh` reads.
#[inline(never)]
fn print_summary(name: &str, instructions: u64, macs: u64, stack: StackUse, all_match: bool) {
    let hundredths_per_mac = instructions * 100 / macs;
    hprintln!(
        "{}: {} instructions per inference, {}.{:02} per MAC ({} MACs); scratch {} bytes; stack high-water {} bytes; inference stack {} bytes, scratch + {}; {}",
        name,
        instructions,
        hundredths_per_mac / 100,
        hundredths_per_mac % 100,
        macs,
        stack.scratch,
        stack.high_water,
        stack.forward,
        stack.forward.saturating_sub(stack.scratch),
        if all_match { "outputs bit-identical to the host's" } else { "OUTPUTS DIFFER FROM THE HOST'S" }
    );
}

/// Runs one inference through `forward`, which calls its argument after each step, and
/// prints each step's instructions, multiply-accumulates and instructions per MAC: where
/// an inference's time goes.
#[inline(never)]
pub fn print_layer_costs(
    name: &str,
    layers: &[Int8Layer],
    forward: impl FnOnce(&mut dyn FnMut(usize, &[i8])),
) {
    let mut ticks = [0u32; 64];
    let mut last = timer::now();
    forward(&mut |step, _| {
        let now = timer::now();
        if let Some(slot) = ticks.get_mut(step) {
            *slot = last.wrapping_sub(now);
        }
        last = timer::now();
    });
    for (layer, &step_ticks) in layers.iter().zip(&ticks) {
        let instructions = u64::from(step_ticks) * timer::INSTRUCTIONS_PER_TICK;
        let macs = layer.kind.multiply_accumulates() as u64;
        let hundredths = (instructions * 100).checked_div(macs).unwrap_or(0);
        hprintln!(
            "{} step {}: {} instructions, {} MACs, {}.{:02} per MAC",
            name,
            layer.name,
            instructions,
            macs,
            hundredths / 100,
            hundredths % 100
        );
    }
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
