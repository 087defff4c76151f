//! The little-endian byte image of a quantized network's parameters, read in `const`
//! context (so firmware can decode it into flash at compile time) and written back. Every
//! parameter type reads and writes its fields through these, in one order.

use crate::int8::{DoubleScale, QuantizedMultiplier};

/// Reads from `bytes` at an offset that moves past what it reads. All `const`.
pub struct LeReader<'a> {
    bytes: &'a [u8],
    /// The next byte to read.
    pub at: usize,
}

impl<'a> LeReader<'a> {
    /// A reader at `at`.
    pub const fn new(bytes: &'a [u8], at: usize) -> Self {
        Self { bytes, at }
    }

    /// One `i8`.
    pub const fn i8(&mut self) -> i8 {
        self.at += 1;
        self.bytes[self.at - 1] as i8
    }

    /// One little-endian `i32`.
    pub const fn i32(&mut self) -> i32 {
        let b = self.bytes;
        let at = self.at;
        self.at += 4;
        i32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    /// One `f32` from its little-endian bits.
    pub const fn f32(&mut self) -> f32 {
        f32::from_bits(self.i32() as u32)
    }

    /// One `f64` from its little-endian bits.
    pub const fn f64(&mut self) -> f64 {
        let low = self.i32() as u32 as u64;
        let high = self.i32() as u32 as u64;
        f64::from_bits(low | (high << 32))
    }

    /// Fills `dst` with `i8`s.
    pub const fn i8s(&mut self, dst: &mut [i8]) {
        let mut i = 0;
        while i < dst.len() {
            dst[i] = self.i8();
            i += 1;
        }
    }

    /// Fills `dst` with `i32`s.
    pub const fn i32s(&mut self, dst: &mut [i32]) {
        let mut i = 0;
        while i < dst.len() {
            dst[i] = self.i32();
            i += 1;
        }
    }

    /// Fills `dst` with multipliers: every significand, then every shift.
    pub const fn multipliers(&mut self, dst: &mut [QuantizedMultiplier]) {
        let mut i = 0;
        while i < dst.len() {
            dst[i].multiplier = self.i32();
            i += 1;
        }
        i = 0;
        while i < dst.len() {
            dst[i].shift = self.i32();
            i += 1;
        }
    }

    /// Fills `dst` with double-precision scales.
    pub const fn double_scales(&mut self, dst: &mut [DoubleScale]) {
        let mut i = 0;
        while i < dst.len() {
            dst[i] = DoubleScale(self.f64());
            i += 1;
        }
    }
}

/// Writes into `out` at an offset that moves past what it writes.
pub struct LeWriter<'a> {
    out: &'a mut [u8],
    /// The next byte to write.
    pub at: usize,
}

impl<'a> LeWriter<'a> {
    /// A writer at the start of `out`.
    pub fn new(out: &'a mut [u8]) -> Self {
        Self { out, at: 0 }
    }

    fn put(&mut self, bytes: &[u8]) {
        self.out[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }

    /// `i8`s.
    pub fn i8s(&mut self, values: &[i8]) {
        for &v in values {
            self.put(&[v as u8]);
        }
    }

    /// `i32`s.
    pub fn i32s(&mut self, values: &[i32]) {
        for v in values {
            self.put(&v.to_le_bytes());
        }
    }

    /// `count` zero `i32`s (a layer without biases).
    pub fn zeros_i32(&mut self, count: usize) {
        for _ in 0..count {
            self.put(&[0; 4]);
        }
    }

    /// One `f32`.
    pub fn f32(&mut self, value: f32) {
        self.put(&value.to_bits().to_le_bytes());
    }

    /// Multipliers: every significand, then every shift.
    pub fn multipliers(&mut self, values: &[QuantizedMultiplier]) {
        for m in values {
            self.put(&m.multiplier.to_le_bytes());
        }
        for m in values {
            self.put(&m.shift.to_le_bytes());
        }
    }

    /// Double-precision scales.
    pub fn double_scales(&mut self, values: &[DoubleScale]) {
        for s in values {
            self.put(&s.0.to_bits().to_le_bytes());
        }
    }
}
