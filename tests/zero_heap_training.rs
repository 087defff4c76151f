//! Training steps allocate nothing of their own: a counting global allocator watches
//! `Workspace::train_batch` of the benchmark MLP and CNN, and whole `fit` runs on one and on
//! two threads. The one allocation left per step is `matrixmultiply`'s: every `sgemm` call
//! allocates its packing buffer (one malloc/free pair per GEMM, ~0.1 µs), so a step allocates
//! exactly once per GEMM call and nothing else. (One test in this binary, so nothing else
//! allocates while it counts.)

mod support;

use nn::data::MnistSplit;
use nn::{Adam, Dataset, FitConfig, Model, Rng, Sgd, Workspace};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use support::{Cnn, Mlp};

struct CountingAllocator;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations made while `f` runs.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    f();
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

/// Allocations of a whole `fit` of `epochs` epochs from a fresh model.
fn fit_allocations<N: Model + Clone>(
    fresh: &N,
    data: &Dataset,
    epochs: usize,
    threads: usize,
) -> usize {
    let mut model = fresh.clone();
    let config = FitConfig::new(epochs, 32).seed(3).threads(threads).quiet();
    let mut optimizer = Adam::new(1e-3);
    allocations(|| {
        model.fit(data, None, &mut optimizer, &config).unwrap();
    })
}

#[test]
fn training_steps_allocate_nothing() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
    let data = Dataset::mnist(dir, MnistSplit::Train).unwrap().take(640);

    // The counter itself works.
    assert_eq!(allocations(|| drop(std::hint::black_box(vec![1u8; 8]))), 1);

    // Workspace steps: none at all once the optimizer has its state.
    let mut mlp = Mlp::new_boxed(1);
    let mut workspace = Workspace::<Mlp>::new(32);
    let mut sgd = Sgd::new(0.05).with_momentum(0.9);
    let mut rng = Rng::new(5);
    let batches: Vec<Vec<usize>> = (0..20)
        .map(|b| (0..32).map(|i| (b * 32 + i) % data.len()).collect())
        .collect();
    workspace
        .train_batch(&mut mlp, &data, &batches[0], &mut sgd, &mut rng)
        .unwrap();
    let steps = allocations(|| {
        for batch in &batches {
            workspace
                .train_batch(&mut mlp, &data, batch, &mut sgd, &mut rng)
                .unwrap();
        }
    });
    // Forward: 3 dense GEMMs, unless the AVX2, AVX-512 or NEON dense kernel runs them (its packing
    // buffer is per thread and has grown in the first step); backward: dW of 3 layers and dX
    // of the upper 2.
    use nn::ops::kernels::{active_variant, Variant};
    let simd = matches!(
        active_variant(),
        Variant::Avx2 | Variant::Avx512 | Variant::Neon
    );
    let dense_forward_gemms = if simd { 0 } else { 1 };
    let mlp_gemms = 3 * dense_forward_gemms + 3 + 2;
    assert_eq!(
        steps,
        20 * mlp_gemms,
        "20 MLP training steps allocated {steps} times"
    );

    let mut cnn = Cnn::new_boxed(2);
    let mut workspace = Workspace::<Cnn>::new(32);
    let mut sgd = Sgd::new(0.05).with_momentum(0.9);
    workspace
        .train_batch(&mut cnn, &data, &batches[0], &mut sgd, &mut rng)
        .unwrap();
    let steps = allocations(|| {
        for batch in &batches[..5] {
            workspace
                .train_batch(&mut cnn, &data, batch, &mut sgd, &mut rng)
                .unwrap();
        }
    });
    // Per sample: conv2 dW and dX and conv1 dW, unless the in-place AVX-512 GEMM computes
    // them (its scratch is per thread and has grown in the first step), and the forward GEMMs
    // of both convolutions unless a direct SIMD kernel computes them; plus the dense layer's
    // dW and dX, and its forward product unless the SIMD dense kernel computes it.
    let conv_backward_gemms = if active_variant() == Variant::Avx512 {
        0
    } else {
        3
    };
    let conv_forward_gemms = if simd { 0 } else { 2 };
    let cnn_gemms = 32 * (conv_backward_gemms + conv_forward_gemms) + 2 + dense_forward_gemms;
    assert_eq!(
        steps,
        5 * cnn_gemms,
        "5 CNN training steps allocated {steps} times"
    );

    // Whole fits of one epoch over 10 and over 20 batches: the difference is what 10 steps
    // allocate (set-up and per-epoch work, such as the hidden progress bar, cancel out). With
    // two threads the MLP's threads share its two large products (the first layer's forward
    // and weight gradient), each run as one `sgemm` call per column block, or for the forward
    // pass as the dense kernel's column blocks, which pack into the calling thread's buffer
    // and so allocate nothing, whichever thread claims which block.
    let fresh = Mlp::new_boxed(3);
    let shared = [(1, mlp_gemms), (2, mlp_gemms + 1 + dense_forward_gemms)];
    for (threads, gemm_calls) in shared {
        let ten = fit_allocations(&*fresh, &data.take(320), 1, threads);
        let twenty = fit_allocations(&*fresh, &data, 1, threads);
        let per_step = twenty.saturating_sub(ten) as f64 / 10.0;
        assert_eq!(
            per_step, gemm_calls as f64,
            "{threads} thread(s): {per_step} allocations per step ({ten} for 10 batches, \
             {twenty} for 20)"
        );
    }
}
