//! Where single-sample inference keeps each tensor, and the slices one step reads and writes.

/// Where a tensor lives during single-sample inference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// The caller's input array.
    Input,
    /// The scratch memory of the activations.
    Scratch,
    /// The caller's output array (a network output, written in place).
    Output,
}

/// A tensor of single-sample inference: `len` elements at `start` of a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loc {
    /// The region.
    pub region: Region,
    /// First float.
    pub start: usize,
    /// Floats.
    pub len: usize,
}

/// The tensors `reads` (read-only) and `write` (writable) of one single-sample step. The
/// plan never overlaps a written tensor with one read in the same step, nor writes the
/// input. Always inlined: the locations are constants of the generated code, so the
/// branches and offsets fold away and the kernels see slices of known length.
#[inline(always)]
pub fn sample_io<'a, T, const N: usize>(
    input: &'a [T],
    scratch: &'a mut [T],
    output: &'a mut [T],
    reads: [Loc; N],
    write: Loc,
) -> ([&'a [T]; N], &'a mut [T]) {
    let (written, other): (&mut [T], &[T]) = match write.region {
        Region::Scratch => (scratch, output),
        _ => (output, scratch),
    };
    let (below, rest) = written.split_at_mut(write.start);
    let (y, above) = rest.split_at_mut(write.len);
    let (below, above, end) = (&*below, &*above, write.start + write.len);
    let views = reads.map(|read| {
        let range = read.start..read.start + read.len;
        match read.region {
            Region::Input => &input[range],
            region if region != write.region => &other[range],
            _ if range.end <= write.start => &below[range],
            _ => &above[range.start - end..range.end - end],
        }
    });
    (views, y)
}

/// The writable tensor `at` of single-sample inference (scratch or output).
#[inline(always)]
pub fn sample_values<'a, T>(scratch: &'a mut [T], output: &'a mut [T], at: Loc) -> &'a mut [T] {
    let region = match at.region {
        Region::Scratch => scratch,
        _ => output,
    };
    &mut region[at.start..at.start + at.len]
}

/// The tensor `at` of single-sample inference, read-only (any region).
#[inline(always)]
pub fn sample_view<'a, T>(input: &'a [T], scratch: &'a [T], output: &'a [T], at: Loc) -> &'a [T] {
    let region = match at.region {
        Region::Input => input,
        Region::Scratch => scratch,
        Region::Output => output,
    };
    &region[at.start..at.start + at.len]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_io_reads_around_the_tensor_it_writes() {
        let input = [1.0, 2.0];
        let mut scratch: [f32; 10] = core::array::from_fn(|i| i as f32);
        let mut output = [0.0; 3];
        let at = |region, start, len| Loc { region, start, len };
        let reads = [
            at(Region::Scratch, 0, 2),
            at(Region::Scratch, 7, 3),
            at(Region::Input, 1, 1),
        ];
        let (views, y) = sample_io(
            &input,
            &mut scratch,
            &mut output,
            reads,
            at(Region::Scratch, 3, 4),
        );
        assert_eq!(views, [&[0.0, 1.0][..], &[7.0, 8.0, 9.0][..], &[2.0][..]]);
        assert_eq!(y, &[3.0, 4.0, 5.0, 6.0]);
        let reads = [at(Region::Scratch, 4, 2)];
        let (views, y) = sample_io(
            &input,
            &mut scratch,
            &mut output,
            reads,
            at(Region::Output, 0, 3),
        );
        assert_eq!(views[0], &[4.0, 5.0]);
        assert_eq!(y.len(), 3);
    }
}
