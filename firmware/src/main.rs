//! `nn` on a Cortex-M4 (mps2-an386 under QEMU), no heap, weights in flash: the MNIST networks
//! that `examples/export-firmware-data.rs` trained on the host (`src/mnist.rs`) and the four
//! MLPerf Tiny models imported from their reference files at build time (`src/mlperf.rs`),
//! and both in int8 (`src/mlperf_int8.rs`, `src/mnist_int8.rs`).
//! Prints the predictions and the cost per inference, and exits with failure if any output
//! differs from the host's.
#![no_std]
#![no_main]

#[cfg(int8_harness)]
mod int8_harness;
/// A file that the build script wrote for a model (`<model>.<extension>` in `OUT_DIR`), as a
/// byte array of its length.
#[macro_export]
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

#[cfg(feature = "int8-kernel-tests")]
mod int8_kernel_tests;
#[cfg(any(feature = "kws", feature = "vww", feature = "ic", feature = "ad"))]
mod mlperf;
#[cfg(any(
    feature = "kws-int8",
    feature = "vww-int8",
    feature = "ic-int8",
    feature = "ad-int8"
))]
mod mlperf_int8;
#[cfg(mnist_harness)]
mod mnist;
#[cfg(any(feature = "mlp-int8", feature = "cnn-int8"))]
mod mnist_int8;
#[cfg(any(feature = "mlp", feature = "cnn", feature = "lstm", feature = "resnet"))]
mod models;
mod stack;
mod timer;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_halt as _;

#[entry]
fn main() -> ! {
    stack::paint();
    timer::start();

    let mut all_match = true;
    #[cfg(mnist_harness)]
    {
        all_match &= mnist::evaluate_all();
        hprintln!("stack high-water mark: {} bytes", stack::high_water_bytes());
    }
    #[cfg(any(feature = "kws", feature = "vww", feature = "ic", feature = "ad"))]
    {
        all_match &= mlperf::evaluate_all();
    }
    #[cfg(any(
        feature = "kws-int8",
        feature = "vww-int8",
        feature = "ic-int8",
        feature = "ad-int8"
    ))]
    {
        all_match &= mlperf_int8::evaluate_all();
    }
    #[cfg(any(feature = "mlp-int8", feature = "cnn-int8"))]
    {
        all_match &= mnist_int8::evaluate_all();
    }
    #[cfg(feature = "int8-kernel-tests")]
    {
        let (agree, ticks) = timer::ticks(int8_kernel_tests::run);
        hprintln!(
            "int8 kernel tests: {} instructions; stack high-water mark: {} bytes",
            u64::from(ticks) * timer::INSTRUCTIONS_PER_TICK,
            stack::high_water_bytes()
        );
        all_match &= agree;
    }

    if all_match {
        hprintln!("all outputs match the host's");
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        hprintln!("FAILED: outputs differ from the host's");
        debug::exit(debug::EXIT_FAILURE);
    }
    loop {
        cortex_m::asm::wfi();
    }
}

/// A decimal number from the build script, at compile time.
#[allow(dead_code)]
pub(crate) const fn parse_decimal(digits: &str) -> u64 {
    let bytes = digits.as_bytes();
    let mut value = 0;
    let mut i = 0;
    while i < bytes.len() {
        value = value * 10 + (bytes[i] - b'0') as u64;
        i += 1;
    }
    value
}
