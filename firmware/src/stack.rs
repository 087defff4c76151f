//! Stack high-water mark by painting: fill the unused stack below the current stack pointer
//! with a pattern, run, then find the deepest word that was overwritten.

use core::ptr::{addr_of, read_volatile, write_volatile};

const PAINT: u32 = 0xDEAD_BEEF;

/// Bytes painted below the stack pointer (the stack's deepest use must stay above this: the
/// residual CNN keeps 147 KiB of activations on the stack).
const PAINTED: usize = 512 * 1024;

/// Bytes kept unpainted just below the stack pointer, for `paint`'s own frame.
const MARGIN: usize = 256;

extern "C" {
    /// Top of the stack (cortex-m-rt's `link.x`).
    static _stack_start: u32;
}

/// The lowest painted address.
fn bottom() -> *mut u32 {
    (top() - PAINTED) as *mut u32
}

fn top() -> usize {
    addr_of!(_stack_start) as usize
}

/// Paints the unused stack. Call once, from `main`, before measuring.
#[inline(never)]
pub fn paint() {
    let sp = cortex_m::register::msp::read() as usize;
    let mut word = bottom();
    while (word as usize) < sp - MARGIN {
        // SAFETY: between the painted bottom and the live stack: unused RAM, in bounds.
        unsafe { write_volatile(word, PAINT) };
        word = word.wrapping_add(1);
    }
}

/// The stack pointer now.
#[cfg(int8_harness)]
#[inline(always)]
pub fn pointer() -> usize {
    cortex_m::register::msp::read() as usize
}

/// Bytes of stack used below `sp` (a [`pointer`] reading taken after the last [`paint`]):
/// how deep what ran since went beyond the frame that read `sp`.
#[cfg(int8_harness)]
pub fn used_below(sp: usize) -> usize {
    high_water_bytes().saturating_sub(top() - sp)
}

/// Bytes of stack used so far, from the top: the deepest overwritten painted word.
pub fn high_water_bytes() -> usize {
    let mut word = bottom();
    // SAFETY: reads RAM between the painted bottom and the top of the stack.
    while (word as usize) < top() && unsafe { read_volatile(word) } == PAINT {
        word = word.wrapping_add(1);
    }
    top() - word as usize
}
