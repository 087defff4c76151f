//! Output channels whose filters are all zeros. Pruned networks keep such channels (most of
//! the filters of visual wake words' last layers, 42 % of its multiply-accumulates): their sum is the bias whatever the input, so their output is one
//! constant per channel, and TFLite's converter gives them biases near 2^30 that no
//! 32-bit requantization of the sums could take. The convolution writes their maps once and
//! sums only the others.

/// Channels tracked: later ones count as live.
const TRACKED: usize = 256;

/// Which of a layer's first [`TRACKED`] output channels have a nonzero weight, as bits.
pub(super) struct LiveFilters {
    bits: [u32; TRACKED / 32],
    any_dead: bool,
    /// Whether some channel is live.
    any_live: bool,
}

impl LiveFilters {
    /// Every channel live: what a kernel that sums every filter passes.
    pub(super) fn all() -> Self {
        Self {
            bits: [u32::MAX; TRACKED / 32],
            any_dead: false,
            any_live: true,
        }
    }

    /// The channels of `weight`'s filters (`len` weights each) with a nonzero weight: the
    /// filters read four weights at a time, once per call.
    pub(super) fn of(weight: &[i8], len: usize) -> Self {
        let mut live = Self::all();
        if len == 0 {
            return live;
        }
        live.any_live = weight.len() > TRACKED * len;
        for (o, filter) in weight.chunks(len).enumerate().take(TRACKED) {
            let mut words = filter.chunks_exact(4);
            let mut bits = 0;
            for word in &mut words {
                bits |= u32::from_ne_bytes([word[0], word[1], word[2], word[3]].map(|w| w as u8));
            }
            if bits == 0 && words.remainder().iter().all(|&w| w == 0) {
                live.bits[o / 32] &= !(1 << (o % 32));
                live.any_dead = true;
            } else {
                live.any_live = true;
            }
        }
        live
    }

    /// Whether channel `o`'s filter has a nonzero weight (or `o` is past the tracked ones).
    #[inline(always)]
    pub(super) fn is_live(&self, o: usize) -> bool {
        o >= TRACKED || self.bits[o / 32] >> (o % 32) & 1 == 1
    }

    /// Whether some channel's filter is all zeros.
    pub(super) fn any_dead(&self) -> bool {
        self.any_dead
    }

    /// Whether some channel's filter has a nonzero weight.
    pub(super) fn any_live(&self) -> bool {
        self.any_live
    }

    /// The first live channel in `from..end`.
    #[inline(always)]
    pub(super) fn next(&self, from: usize, end: usize) -> Option<usize> {
        if !self.any_dead {
            return (from < end).then_some(from);
        }
        (from..end).find(|&o| self.is_live(o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_all_zero_filters() {
        let len = 7;
        let channels = 300;
        let mut weight = vec![0i8; channels * len];
        for o in (0..channels).filter(|o| o % 3 != 0) {
            // One nonzero weight anywhere in the filter, the odd tail included.
            weight[o * len + o % len] = if o % 2 == 0 { -128 } else { 1 };
        }
        let live = LiveFilters::of(&weight, len);
        assert!(live.any_dead());
        for o in 0..channels {
            assert_eq!(live.is_live(o), o % 3 != 0 || o >= TRACKED, "channel {o}");
        }
        assert_eq!(live.next(0, channels), Some(1));
        assert_eq!(live.next(3, channels), Some(4));
        assert_eq!(live.next(6, 7), None);
        assert!(!LiveFilters::of(&vec![5; 4 * len], len).any_dead());
        assert!(!LiveFilters::all().any_dead());
        assert!(!LiveFilters::of(&vec![0; 4 * len], len).any_live());
        assert!(
            LiveFilters::of(&vec![0; 257 * len], len).any_live(),
            "untracked"
        );
    }
}
