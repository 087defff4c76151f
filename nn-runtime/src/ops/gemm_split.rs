//! Splitting large GEMMs by columns across threads, for the training step of networks whose
//! work is dominated by a few big matrix products over small batches.
//!
//! Whoever owns threads installs a [`ColumnSplitter`] for the duration of a closure
//! ([`with_splitter`]); while it is installed, [`super::gemm::gemm`] on that thread cuts a
//! product of at least [`MIN_MACS`] multiply-adds into column blocks of `C` and runs one block
//! per part. Every element of `C` is still computed by one call over the same `k`, so the
//! result does not depend on how many parts there are.

use core::cell::Cell;

/// Runs a job once per part, possibly on several threads, and returns when all are done.
pub trait ColumnSplitter: Sync {
    /// Parts a job is cut into.
    fn parts(&self) -> usize;
    /// Calls `job(part)` for every part `0..parts()`.
    fn run(&self, job: &(dyn Fn(usize) + Sync));
}

/// Products smaller than this are not worth a hand-off between threads (a few microseconds).
pub const MIN_MACS: usize = 1 << 20;

/// Column blocks are whole multiples of this, the width of `matrixmultiply`'s micro-tiles.
pub const ALIGN: usize = 16;

thread_local! {
    static CURRENT: Cell<Option<*const (dyn ColumnSplitter + 'static)>> = const { Cell::new(None) };
}

/// Runs `f` with `splitter` installed for GEMMs on this thread; restores the previous one
/// afterwards, also when `f` panics.
pub fn with_splitter<R>(splitter: &dyn ColumnSplitter, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<*const (dyn ColumnSplitter + 'static)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|current| current.set(self.0));
        }
    }
    // SAFETY: only the lifetime is erased; the pointer is removed again (by `Restore`) before
    // `splitter`'s borrow ends, and `current` hands it out only while it is installed.
    let erased: *const (dyn ColumnSplitter + 'static) = unsafe {
        core::mem::transmute::<&dyn ColumnSplitter, &'static dyn ColumnSplitter>(splitter)
    };
    let _restore = Restore(CURRENT.with(|current| current.replace(Some(erased))));
    f()
}

/// The splitter installed on this thread, if any, to use within the current call.
pub(crate) fn current<'a>() -> Option<&'a dyn ColumnSplitter> {
    // SAFETY: an installed pointer is valid until `with_splitter` returns, which is after
    // every GEMM its closure runs has returned.
    CURRENT
        .with(|current| current.get())
        .map(|pointer| unsafe { &*pointer })
}

/// Runs `block(start, width)` for the column blocks of an `n`-column product, one per part
/// of `splitter`, blocks whole multiples of `align` wide except the last.
pub(crate) fn split_columns(
    splitter: &dyn ColumnSplitter,
    n: usize,
    align: usize,
    block: &(dyn Fn(usize, usize) + Sync),
) {
    let parts = splitter.parts();
    splitter.run(&|part| {
        if let Some((start, width)) = column_blocks(n, parts, align).nth(part) {
            block(start, width);
        }
    });
}

/// The column blocks of an `n`-column product cut into `parts`: `(start, width)` each, widths
/// multiples of `align` (e.g. [`ALIGN`]) except the last; fewer blocks than parts when `n` is
/// narrow.
pub(crate) fn column_blocks(
    n: usize,
    parts: usize,
    align: usize,
) -> impl Iterator<Item = (usize, usize)> {
    let align = align.max(1);
    let block = n.div_ceil(parts.max(1)).div_ceil(align) * align;
    (0..n)
        .step_by(block.max(1))
        .map(move |start| (start, block.min(n - start)))
}

/// For tests: runs the parts one after another on this thread, counting the jobs.
#[cfg(test)]
pub(crate) struct Sequential {
    pub(crate) parts: usize,
    pub(crate) calls: core::sync::atomic::AtomicUsize,
}

#[cfg(test)]
impl ColumnSplitter for Sequential {
    fn parts(&self) -> usize {
        self.parts
    }
    fn run(&self, job: &(dyn Fn(usize) + Sync)) {
        self.calls
            .fetch_add(1, core::sync::atomic::Ordering::SeqCst);
        (0..self.parts).for_each(job);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::gemm::{gemm, gemm_naive, Matrix, MatrixMut};
    use crate::rng::Rng;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::vec::Vec;

    #[test]
    fn blocks_cover_the_columns_once_in_aligned_pieces() {
        for (n, parts) in [(128, 2), (784, 2), (100, 3), (33, 2), (16, 4), (1, 2)] {
            let blocks: Vec<_> = column_blocks(n, parts, ALIGN).collect();
            assert!(blocks.len() <= parts, "{n}/{parts}: {blocks:?}");
            let mut next = 0;
            for &(start, width) in &blocks {
                assert_eq!(start, next);
                assert!(width > 0 && (width % ALIGN == 0 || start + width == n));
                next = start + width;
            }
            assert_eq!(next, n);
        }
    }

    #[test]
    fn a_split_product_equals_the_whole_one_bit_for_bit() {
        let mut rng = Rng::new(9);
        // Large enough to be split; transposed B and C patterns as the dense kernels use.
        for (m, k, n, transposed) in [
            (32, 784, 128, true),
            (128, 32, 784, false),
            (40, 300, 100, true),
        ] {
            let a: Vec<f32> = (0..m * k).map(|_| rng.uniform(1.0)).collect();
            let b: Vec<f32> = (0..k * n).map(|_| rng.uniform(1.0)).collect();
            let (brs, bcs) = if transposed { (1, k) } else { (n, 1) };
            let c0: Vec<f32> = (0..m * n).map(|_| rng.uniform(1.0)).collect();
            let mut whole = c0.clone();
            gemm(
                1.0,
                Matrix::row_major(&a, m, k),
                Matrix::strided(&b, k, n, brs, bcs),
                0.5,
                MatrixMut::row_major(&mut whole, m, n),
            );
            let splitter = Sequential {
                parts: 3,
                calls: AtomicUsize::new(0),
            };
            let mut split = c0.clone();
            with_splitter(&splitter, || {
                gemm(
                    1.0,
                    Matrix::row_major(&a, m, k),
                    Matrix::strided(&b, k, n, brs, bcs),
                    0.5,
                    MatrixMut::row_major(&mut split, m, n),
                )
            });
            assert_eq!(
                splitter.calls.load(Ordering::SeqCst),
                1,
                "{m}x{k}x{n} was not split"
            );
            assert!(whole
                .iter()
                .zip(&split)
                .all(|(x, y)| x.to_bits() == y.to_bits()));
            let mut naive = c0.clone();
            gemm_naive(
                1.0,
                Matrix::row_major(&a, m, k),
                Matrix::strided(&b, k, n, brs, bcs),
                0.5,
                MatrixMut::row_major(&mut naive, m, n),
            );
            for (x, y) in split.iter().zip(&naive) {
                assert!((x - y).abs() < 1e-3, "{x} vs {y}");
            }
        }
        // Outside `with_splitter` nothing is installed.
        assert!(current().is_none());
    }

    #[test]
    fn small_products_are_not_split() {
        let splitter = Sequential {
            parts: 2,
            calls: AtomicUsize::new(0),
        };
        let (a, b) = ([1.0f32; 64], [1.0f32; 64]);
        let mut c = [0.0f32; 64];
        with_splitter(&splitter, || {
            gemm(
                1.0,
                Matrix::row_major(&a, 8, 8),
                Matrix::row_major(&b, 8, 8),
                0.0,
                MatrixMut::row_major(&mut c, 8, 8),
            )
        });
        assert_eq!(splitter.calls.load(Ordering::SeqCst), 0);
        assert!(c.iter().all(|&v| v == 8.0));
    }
}
