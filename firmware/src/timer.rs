//! Reproducible cost measurement with the board's 32-bit timer (CMSDK APB Timer0).
//!
//! Under `qemu-system-arm -icount shift=0` the virtual clock advances 1 ns per executed
//! instruction, and the timer on mps2-an386 counts at 25 MHz, so one tick is 40 instructions.
//! The count is an instruction count under emulation, not cycles on silicon. SysTick would
//! count the same, but its 24 bits wrap after 671 million instructions, fewer than one
//! MobileNet inference takes without optimized kernels; this counter lasts 171 billion.

use core::ptr::{read_volatile, write_volatile};

/// Instructions per timer tick under `-icount shift=0` on mps2-an386.
pub const INSTRUCTIONS_PER_TICK: u64 = 40;

const CTRL: *mut u32 = 0x4000_0000 as *mut u32;
const VALUE: *mut u32 = 0x4000_0004 as *mut u32;
const RELOAD: *mut u32 = 0x4000_0008 as *mut u32;

/// Starts Timer0 counting down from `u32::MAX`, with no interrupt.
pub fn start() {
    // SAFETY: Timer0's registers on mps2-an386; nothing else in the firmware uses them.
    unsafe {
        write_volatile(CTRL, 0);
        write_volatile(RELOAD, u32::MAX);
        write_volatile(VALUE, u32::MAX);
        write_volatile(CTRL, 1);
    }
}

/// The counter now (it counts down; differences of two readings wrap).
#[cfg(int8_harness)]
pub fn now() -> u32 {
    // SAFETY: reads Timer0's counter register.
    unsafe { read_volatile(VALUE) }
}

/// Ticks that `f` takes (the counter is read before and after; the difference wraps).
pub fn ticks<T>(f: impl FnOnce() -> T) -> (T, u32) {
    // SAFETY: reads Timer0's counter register.
    let before = unsafe { read_volatile(VALUE) };
    let value = f();
    let after = unsafe { read_volatile(VALUE) };
    (value, before.wrapping_sub(after))
}
