//! The int8 inner products of convolutions, depthwise convolutions and dense layers with the
//! Cortex-M4's DSP instructions: `SXTB16` widens two int8 weights to two int16 halves of a
//! register, `SMLAD` multiplies two pairs of int16 halves and adds both products to an
//! accumulator, two multiply-accumulates per instruction.
//!
//! The activations are widened once, with their zero point subtracted (`x − iz` lies in
//! −255..=255, an int16), into small buffers on the stack: an im2col column per output pixel
//! for a convolution or dense layer, a ring of zero-padded rows per channel for a depthwise one.
//! Positions outside the input become 0, which is what TFLite's skipping them adds. The
//! sums are the same integers as the portable kernels' (wrapping in `i32` alike) and go
//! through the same [`OutputStage`](super::OutputStage), so every output is bit-identical
//! (`int8-kernel-tests` in the firmware checks this under QEMU; [`primitives`] emulates the
//! instructions elsewhere, so the host's unit tests run the same code).
//!
//! Each entry point returns `false`, writing nothing, where it does not apply (weights with
//! a zero point, buffers too small): the caller then runs the portable kernel.

use primitives::{sadd16, smlad, sxtb16, sxtb16_ror8};

mod add;
mod conv;
mod dense;
mod depthwise;
mod epilogue;
mod live;

pub use add::add;
pub use conv::conv2d;
pub use dense::fully_connected;
pub use depthwise::{depthwise_conv2d, MAX_RING};

/// The longest im2col column on the stack, in widened activations: two columns (1 KiB) are
/// live at once. A longer filter is summed in pieces of whole input channels, the partial
/// sums waiting in the columns' tails ([`PIECE`]).
pub const MAX_COLUMN: usize = 256;
/// Output channels (convolution) or pairs of outputs (dense) whose partial sums wait while a
/// filter longer than a column is summed piece by piece.
const BLOCK: usize = 32;
/// The longest piece of a filter summed in pieces: each column's last 64 values hold the
/// partial sums of 32 output channels for its pixel, so that they cost no stack beyond the
/// columns'.
pub const PIECE: usize = MAX_COLUMN - 2 * BLOCK;

/// The DSP instructions, as `asm!` on Arm (their intrinsics are unstable), emulated bit for
/// bit elsewhere.
pub mod primitives {
    /// One instruction on registers as a function: `asm!` where `nn_arm_dsp` is set, the
    /// given emulation elsewhere. Extra `asm!` options (such as `preserves_flags`) follow the
    /// template.
    macro_rules! instruction {
        (
            $(#[$doc:meta])*
            fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;
            asm $template:literal $(, $option:ident)*;
            emulated $emulated:block
        ) => {
            $(#[$doc])*
            #[cfg(nn_arm_dsp)]
            #[inline(always)]
            pub fn $name($($arg: $ty),*) -> $ret {
                let result: $ret;
                // SAFETY: one arithmetic instruction on registers: it touches no memory, and
                // of the state it may set (the Q and GE flags) nothing reads any.
                unsafe {
                    core::arch::asm!(
                        $template,
                        r = lateout(reg) result,
                        $($arg = in(reg) $arg,)*
                        options(pure, nomem, nostack $(, $option)*)
                    );
                }
                result
            }

            $(#[$doc])*
            #[cfg(not(nn_arm_dsp))]
            #[inline(always)]
            pub fn $name($($arg: $ty),*) -> $ret $emulated
        };
    }

    instruction! {
        /// `SMLAD`: `acc + a.lo·b.lo + a.hi·b.hi` on signed 16-bit halves, wrapping (as the
        /// portable sums wrap).
        fn smlad(a: u32, b: u32, acc: i32) -> i32;
        asm "smlad {r}, {a}, {b}, {acc}";
        emulated {
            let low = i32::from(a as i16) * i32::from(b as i16);
            let high = i32::from((a >> 16) as i16) * i32::from((b >> 16) as i16);
            acc.wrapping_add(low).wrapping_add(high)
        }
    }

    instruction! {
        /// `SXTB16`: bytes 0 and 2 of `x`, sign-extended into the low and high halves.
        fn sxtb16(x: u32) -> u32;
        asm "sxtb16 {r}, {x}", preserves_flags;
        emulated {
            let half = |byte: u32| u32::from(byte as u8 as i8 as i16 as u16);
            half(x) | half(x >> 16) << 16
        }
    }

    instruction! {
        /// `SXTB16 …, ROR #8`: bytes 1 and 3 of `x`, sign-extended into the low and high
        /// halves.
        fn sxtb16_ror8(x: u32) -> u32;
        asm "sxtb16 {r}, {x}, ror #8", preserves_flags;
        emulated {
            sxtb16(x.rotate_right(8))
        }
    }

    instruction! {
        /// `SADD16`: the two signed 16-bit halves of `a` and `b` added separately (wrapping).
        fn sadd16(a: u32, b: u32) -> u32;
        asm "sadd16 {r}, {a}, {b}";
        emulated {
            let low = (a as u16).wrapping_add(b as u16);
            let high = ((a >> 16) as u16).wrapping_add((b >> 16) as u16);
            u32::from(low) | u32::from(high) << 16
        }
    }

    instruction! {
        /// `SMMULR`: the high word of `a · b`, rounded (`(a·b + 2^31) >> 32`).
        fn smmulr(a: i32, b: i32) -> i32;
        asm "smmulr {r}, {a}, {b}", preserves_flags;
        emulated {
            ((i64::from(a) * i64::from(b) + (1 << 31)) >> 32) as i32
        }
    }

    instruction! {
        /// `SSAT #8`: `x` clamped to −128..=127 (as an `i32`).
        fn ssat8(x: i32) -> i32;
        asm "ssat {r}, #8, {x}";
        emulated {
            x.clamp(-128, 127)
        }
    }
}

/// An im2col column of widened activations, aligned for word loads. Within each group of
/// four, elements 1 and 2 trade places: `SXTB16` pairs weights 0 with 2 and 1 with 3.
#[repr(C, align(4))]
struct Column([i16; MAX_COLUMN]);

impl Column {
    /// Partial sum `i` of a block (`i < BLOCK`), kept in the word of halves `PIECE + 2i`
    /// and `PIECE + 2i + 1`.
    #[inline(always)]
    fn partial(&self, i: usize) -> i32 {
        let word = &self.0[PIECE..][2 * i..][..2];
        // SAFETY: `word` is two halves inside the column, starting on a word (the column is
        // 4-aligned, PIECE and 2i even); any bits are a valid i32.
        unsafe { word.as_ptr().cast::<i32>().read() }
    }

    /// Sets partial sum `i` (`i < BLOCK`).
    #[inline(always)]
    fn set_partial(&mut self, i: usize, sum: i32) {
        let word = &mut self.0[PIECE..][2 * i..][..2];
        // SAFETY: as in `partial`; the write stays in the two halves borrowed.
        unsafe { word.as_mut_ptr().cast::<i32>().write(sum) }
    }
}

/// Reorders a column filled in natural order for `SXTB16`'s pairing: within each whole group
/// of four, elements 1 and 2 trade places (the halves `(x0, x1), (x2, x3)` become
/// `(x0, x2), (x1, x3)`, as `SXTB16` pairs weights 0 with 2 and 1 with 3). One pass of word
/// operations after the fill, cheaper than computing each element's place while filling.
#[inline(always)]
fn pair_for_sxtb16(column: &mut [i16]) {
    let whole = column.len() & !3;
    for group in column[..whole].chunks_exact_mut(4) {
        group.swap(1, 2);
    }
}

/// `out[i] = values[i] − iz` (`out` as long as `values`), four at a time: one word load, two
/// `SXTB16`, the halves put back in order, `SADD16` of `−iz`, two word stores (about 2.5
/// instructions a value where one at a time takes five).
#[inline(always)]
fn widen_into(values: &[i8], iz: i32, out: &mut [i16]) {
    assert_eq!(values.len(), out.len());
    let minus_iz = u32::from((-iz) as u16) * 0x0001_0001;
    let mut quads = values.chunks_exact(4);
    let mut outs = out.chunks_exact_mut(4);
    for (quad, out) in (&mut quads).zip(&mut outs) {
        // SAFETY: `quad` holds four bytes and `out` four halves; unaligned word accesses
        // (the Cortex-M4 allows them for LDR and STR).
        unsafe {
            let word = quad.as_ptr().cast::<u32>().read_unaligned();
            let (even, odd) = (sxtb16(word), sxtb16_ror8(word));
            let first = sadd16((even & 0xffff) | (odd << 16), minus_iz);
            let second = sadd16((odd & 0xffff_0000) | (even >> 16), minus_iz);
            let out = out.as_mut_ptr().cast::<u32>();
            out.write_unaligned(first);
            out.add(1).write_unaligned(second);
        }
    }
    for (out, &value) in outs.into_remainder().iter_mut().zip(quads.remainder()) {
        *out = (i32::from(value) - iz) as i16;
    }
}

/// Bytes from one column to the next in `[Column; 2]`.
#[cfg(nn_arm_dsp)]
const COLUMN_BYTES: usize = 2 * MAX_COLUMN;

/// One group of four elements of [`dot_2x2`]'s loop: both columns' two words (`LDRD`, the
/// first post-incremented), each row's word widened by `SXTB16` into its even and odd
/// halves, eight `SMLAD`s. 16 instructions for 16 multiply-accumulates.
#[cfg(nn_arm_dsp)]
macro_rules! dot_2x2_group {
    () => {
        concat!(
            "ldrd r12, lr, [r1, #{col}]\n",
            "ldrd r10, r11, [r1], #8\n",
            "ldr r6, [r0, r2]\n",
            "sxtb16 r7, r6\n",
            "sxtb16 r6, r6, ror #8\n",
            "smlad r8, r7, r10, r8\n",
            "smlad r8, r6, r11, r8\n",
            "smlad r9, r7, r12, r9\n",
            "smlad r9, r6, lr, r9\n",
            "ldr r6, [r0], #4\n",
            "sxtb16 r7, r6\n",
            "sxtb16 r6, r6, ror #8\n",
            "smlad r4, r7, r10, r4\n",
            "smlad r4, r6, r11, r4\n",
            "smlad r5, r7, r12, r5\n",
            "smlad r5, r6, lr, r5\n",
        )
    };
}

/// Two weight rows (at `rows[0]`, the second `stride` bytes on) times the two columns that
/// start `at` elements into `columns[0]` and `columns[1]` (`at` even: the columns start on a
/// word), over `len` elements: `[[r0·c0, r0·c1], [r1·c0, r1·c1]]`. Hand-scheduled, two
/// groups of four per iteration (34 instructions for 32 multiply-accumulates; an odd count
/// of groups enters at the second): the compiler's own spilled accumulators for want of
/// registers (37 instructions for 16).
#[cfg(nn_arm_dsp)]
#[inline(always)]
fn dot_2x2(
    rows: &[i8],
    stride: usize,
    len: usize,
    columns: &[Column; 2],
    at: usize,
) -> [[i32; 2]; 2] {
    assert!(rows.len() >= stride + len && stride >= len);
    assert!(at.is_multiple_of(2) && len <= MAX_COLUMN && at <= MAX_COLUMN - len);
    let groups = len / 4;
    let (mut a00, mut a01, mut a10, mut a11) = (0i32, 0i32, 0i32, 0i32);
    if groups > 0 {
        let mut w = rows.as_ptr();
        // SAFETY: `at + len ≤ MAX_COLUMN`, inside the column.
        let mut c = unsafe { columns[0].0.as_ptr().add(at) };
        // SAFETY: the loop reads words of row 0 at w..w + 4·groups ≤ len, of row 1 `stride`
        // bytes further (inside `rows`, stride + len long), and word pairs (`LDRD`, which
        // needs the columns' 4-byte alignment, given by an even `at`) of both columns at
        // c..c + 8·groups bytes ≤ 2·len past element `at` and COLUMN_BYTES further (the
        // second column). r6 and r7 (which asm! cannot
        // name: LLVM's base and frame pointers) are saved on the stack and restored, every
        // other register is an operand.
        unsafe {
            let end = c.add(4 * groups);
            core::arch::asm!(
                "push {{r6, r7}}",
                // Bit 3 of the columns' bytes to go: an odd number of groups.
                "subs r6, r3, r1",
                "tst r6, #8",
                "bne 3f",
                "2:",
                dot_2x2_group!(),
                "3:",
                dot_2x2_group!(),
                "cmp r1, r3",
                "bne 2b",
                "pop {{r6, r7}}",
                col = const COLUMN_BYTES,
                // Explicit registers (r0 w, r1 c, r2 stride, r3 end, r4 r5 r8 r9 the sums,
                // r10 r11 r12 lr the columns' words): with `reg`, LLVM may hand out r6 or r7 when this
                // function needs neither a base nor a frame pointer.
                inout("r0") w,
                inout("r1") c,
                in("r2") stride,
                in("r3") end,
                inout("r4") a00,
                inout("r5") a01,
                inout("r8") a10,
                inout("r9") a11,
                out("r10") _,
                out("r11") _,
                out("r12") _,
                out("lr") _,
            );
            let _ = (w, c);
        }
    }
    let mut acc = [[a00, a01], [a10, a11]];
    for j in 4 * groups..len {
        for (r, sums) in acc.iter_mut().enumerate() {
            let w = i32::from(rows[r * stride + j]);
            for (c, sum) in sums.iter_mut().enumerate() {
                *sum = sum.wrapping_add(w * i32::from(columns[c].0[at + j]));
            }
        }
    }
    acc
}

/// Elsewhere the 2×2 product is the generic one (the emulated instructions).
#[cfg(not(nn_arm_dsp))]
#[inline(always)]
fn dot_2x2(
    rows: &[i8],
    stride: usize,
    len: usize,
    columns: &[Column; 2],
    at: usize,
) -> [[i32; 2]; 2] {
    assert!(at.is_multiple_of(2));
    let [first, second] = columns.each_ref().map(|column| &column.0[at..][..len]);
    dot([&rows[..len], &rows[stride..][..len]], [first, second], len)
}

/// `R` weight rows times `C` columns over `len` elements: the `R × C` sums. Each column is
/// a slice of a [`Column`] starting on a word.
// The indices run over rows, columns and sums at once.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
fn dot<const R: usize, const C: usize>(
    rows: [&[i8]; R],
    columns: [&[i16]; C],
    len: usize,
) -> [[i32; C]; R] {
    assert!(columns.iter().all(|column| column.len() >= len));
    let mut acc = [[0i32; C]; R];
    let groups = len / 4;
    for g in 0..groups {
        let mut even = [0u32; R];
        let mut odd = [0u32; R];
        for r in 0..R {
            // SAFETY: 4·g + 3 < len ≤ rows[r].len(); an unaligned word load (ARMv7-M allows
            // it for LDR).
            let w = unsafe { rows[r].as_ptr().add(4 * g).cast::<u32>().read_unaligned() };
            even[r] = sxtb16(w);
            odd[r] = sxtb16_ror8(w);
        }
        for c in 0..C {
            // SAFETY: 4·g + 3 < len ≤ columns[c].len(); unaligned reads (the columns start
            // on a word on the Cortex-M4, which allows unaligned LDR anyway).
            let (x_even, x_odd) = unsafe {
                let p = columns[c].as_ptr().add(4 * g).cast::<u32>();
                (p.read_unaligned(), p.add(1).read_unaligned())
            };
            for r in 0..R {
                acc[r][c] = smlad(even[r], x_even, acc[r][c]);
                acc[r][c] = smlad(odd[r], x_odd, acc[r][c]);
            }
        }
    }
    for j in 4 * groups..len {
        for r in 0..R {
            let w = i32::from(rows[r][j]);
            for c in 0..C {
                acc[r][c] = acc[r][c].wrapping_add(w * i32::from(columns[c][j]));
            }
        }
    }
    acc
}
