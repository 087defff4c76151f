//! A fingerprint of a data set, so a checkpoint can tell whether training resumes on the data
//! it was written with.

use std::fmt;

use super::Dataset;

/// A summary of a [`Dataset`] that changes when its shape, any of its values or their order
/// changes: the sample count, the row widths and a 64-bit hash of every input and target bit
/// pattern, in order. Any single changed value always changes the hash; two data sets that
/// differ in more places collide with a chance of about 2⁻⁶⁴.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DataFingerprint {
    /// Samples.
    pub samples: usize,
    /// Floats per input row.
    pub input_len: usize,
    /// Floats per target row.
    pub target_len: usize,
    /// The hash of the inputs, then the targets.
    pub hash: u64,
}

impl Dataset {
    /// The data set's [`DataFingerprint`]. Reads every value once.
    pub fn fingerprint(&self) -> DataFingerprint {
        let mut hash = Fnv::new();
        hash.word(self.input_len as u64);
        hash.word(self.target_len as u64);
        hash.floats(&self.inputs);
        hash.word(u64::MAX); // where the inputs end, whatever the lengths
        hash.floats(&self.targets);
        DataFingerprint {
            samples: self.len(),
            input_len: self.input_len,
            target_len: self.target_len,
            hash: hash.finish(),
        }
    }
}

impl fmt::Display for DataFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} samples of {} inputs and {} targets (hash {:016x})",
            self.samples, self.input_len, self.target_len, self.hash
        )
    }
}

/// FNV-1a over 64-bit words: each step (xor, then multiply by an odd number) is a bijection
/// of the state, so changing one word always changes the result.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn word(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(0x0000_0100_0000_01b3);
    }

    /// Two floats' bit patterns per word; an odd last one alone.
    fn floats(&mut self, values: &[f32]) {
        let mut pairs = values.chunks_exact(2);
        for pair in &mut pairs {
            self.word(u64::from(pair[0].to_bits()) | u64::from(pair[1].to_bits()) << 32);
        }
        if let [last] = pairs.remainder() {
            self.word(u64::from(last.to_bits()));
        }
        self.word(values.len() as u64);
    }

    /// The state, avalanched so that nearby states give unrelated hashes (SplitMix64's
    /// finalizer).
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(inputs: Vec<f32>, targets: Vec<f32>) -> Dataset {
        Dataset::new(inputs, targets, 2, 1).unwrap()
    }

    #[test]
    fn any_change_of_values_order_or_shape_changes_the_fingerprint() {
        let base = data(vec![1.0, 2.0, 3.0, 4.0], vec![0.0, 1.0]);
        assert_eq!(base.fingerprint(), base.clone().fingerprint());
        let hash = base.fingerprint().hash;
        let mut one_bit = base.clone();
        one_bit.inputs[3] = f32::from_bits(4.0f32.to_bits() ^ 1);
        assert_ne!(one_bit.fingerprint().hash, hash);
        let swapped = data(vec![3.0, 4.0, 1.0, 2.0], vec![1.0, 0.0]);
        assert_ne!(swapped.fingerprint().hash, hash);
        let reshaped = Dataset::new(vec![1.0, 2.0, 3.0, 4.0], vec![0.0, 1.0], 1, 1);
        assert!(reshaped.is_err(), "4 inputs of 1 against 2 targets");
        let wider = Dataset::new(vec![1.0, 2.0, 3.0, 4.0], vec![0.0, 1.0], 4, 2).unwrap();
        assert_ne!(wider.fingerprint().hash, hash);
        assert_eq!(base.fingerprint().samples, 2);
        assert!(base
            .fingerprint()
            .to_string()
            .starts_with("2 samples of 2 inputs and 1 targets"));
    }
}
