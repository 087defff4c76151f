//! Reproducible cost measurement with SysTick.
//!
//! Under `qemu-system-arm -icount shift=0` the virtual clock advances 1 ns per executed
//! instruction, and SysTick on mps2-an386 counts at 25 MHz, so one tick is 40 instructions.
//! The count is an instruction count under emulation, not cycles on silicon.

use cortex_m::peripheral::{syst::SystClkSource, SYST};

/// Instructions per SysTick tick under `-icount shift=0` on mps2-an386.
pub const INSTRUCTIONS_PER_TICK: u32 = 40;

/// The 24-bit counter's range.
const RELOAD: u32 = 0x00FF_FFFF;

/// Starts SysTick counting down from `RELOAD` on the core clock, with no interrupt.
pub fn start(mut syst: SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(RELOAD);
    syst.clear_current();
    syst.enable_counter();
}

/// Ticks that `f` takes. Correct for up to `RELOAD` ticks (671 million instructions);
/// one inference here takes far fewer.
pub fn ticks<T>(f: impl FnOnce() -> T) -> (T, u32) {
    let before = SYST::get_current();
    let value = f();
    let after = SYST::get_current();
    (value, before.wrapping_sub(after) & RELOAD)
}
