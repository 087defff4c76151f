//! Single-sample inference allocates nothing: a counting global allocator watches `forward`
//! of the benchmark MLP and CNN, of stacked recurrent layers and of depthwise convolutions
//! with global pooling, and of graphs (the residual CNN; two heads, a concat and a sample
//! join). It counts only the allocations of the thread that measures, in counters of that
//! thread (`forward` runs on the caller's thread): the harness's threads and the other tests
//! may allocate at any moment, and counting them made the test fail now and then.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use support::{Cnn, Mlp};

struct CountingAllocator;

std::thread_local! {
    /// Whether this thread's allocations are being counted (a const initializer and no
    /// destructor, so reading it never allocates).
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    /// This thread's counted allocations and bytes. Per thread, like the flag: with global
    /// counters, another test allocating while counting on its own thread showed up here.
    static COUNTED: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.try_with(Cell::get).unwrap_or(false) {
            let _ = COUNTED.try_with(|counted| {
                let (calls, bytes) = counted.get();
                counted.set((calls + 1, bytes + layout.size()));
            });
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations and bytes this thread allocated while `f` ran. The kernel table is chosen
/// first, outside the count: that happens once per process (reading `NN_KERNELS`, when it
/// is set to force a variant, allocates its value), whichever test comes first.
fn heap_use(f: impl FnOnce()) -> (usize, usize) {
    std::hint::black_box(nn::ops::kernels::active_variant());
    COUNTED.with(|counted| counted.set((0, 0)));
    COUNTING.with(|counting| counting.set(true));
    f();
    COUNTING.with(|counting| counting.set(false));
    COUNTED.with(Cell::get)
}

nn::network! {
    /// Recurrent state and per-step gates live in the fixed scratch array.
    struct StackedRecurrent {
        input: [28 steps, 28],
        lstm(32, return_sequences = true),
        gru(16),
        dense(10), softmax,
    }
}

#[test]
fn forward_of_the_mlp_the_cnn_and_a_recurrent_network_allocates_nothing() {
    let mlp = Mlp::new_boxed(1);
    let cnn = Cnn::new_boxed(2);
    let image: [f32; 784] = std::array::from_fn(|i| (i % 29) as f32 / 29.0);
    let mut outputs = Vec::with_capacity(3);

    // The counter itself works: a boxed value is seen.
    assert_eq!(
        heap_use(|| drop(std::hint::black_box(Box::new([0u8; 64])))),
        (1, 64)
    );

    let mlp_use = heap_use(|| {
        outputs.push(std::hint::black_box(
            mlp.forward(std::hint::black_box(&image)),
        ))
    });
    let cnn_use = heap_use(|| {
        outputs.push(std::hint::black_box(
            cnn.forward(std::hint::black_box(&image)),
        ))
    });
    let lstm = StackedRecurrent::new_boxed(3);
    let lstm_use = heap_use(|| {
        outputs.push(std::hint::black_box(
            lstm.forward(std::hint::black_box(&image)),
        ))
    });
    assert_eq!(mlp_use, (0, 0), "Mlp::forward allocated");
    assert_eq!(cnn_use, (0, 0), "Cnn::forward allocated");
    assert_eq!(lstm_use, (0, 0), "StackedRecurrent::forward allocated");
    for output in &outputs {
        assert!(
            (output.iter().sum::<f32>() - 1.0).abs() < 1e-5,
            "{output:?}"
        );
    }
}

nn::network! {
    /// MobileNet's blocks: depthwise convolutions, ReLU6 and global pooling.
    struct Mobile {
        input: [1, 28, 28],
        conv2d(8, kernel = 3, stride = 2, padding = same), relu6,
        depthwise_conv2d(kernel = 3, stride = 2, padding = same, depth_multiplier = 2), relu6,
        conv2d(16, kernel = 1), relu,
        global_avg_pool2d,
        dense(10), softmax,
    }
}

nn::network! {
    struct MaxHead {
        input: [1, 28, 28],
        depthwise_conv2d(kernel = 3, bias = false), relu,
        global_max_pool2d,
    }
}

#[test]
fn forward_of_depthwise_and_global_pooling_allocates_nothing() {
    let mobile = Mobile::new_boxed(4);
    let max_head = MaxHead::new(5);
    let image: [f32; 784] = std::array::from_fn(|i| (i % 31) as f32 / 31.0);
    let mut outputs = (Vec::with_capacity(1), Vec::with_capacity(1));
    let mobile_use = heap_use(|| {
        outputs.0.push(std::hint::black_box(
            mobile.forward(std::hint::black_box(&image)),
        ))
    });
    let max_use = heap_use(|| {
        outputs.1.push(std::hint::black_box(
            max_head.forward(std::hint::black_box(&image)),
        ))
    });
    assert_eq!(mobile_use, (0, 0), "Mobile::forward allocated");
    assert_eq!(max_use, (0, 0), "MaxHead::forward allocated");
    assert!((outputs.0[0].iter().sum::<f32>() - 1.0).abs() < 1e-5);
    assert!(outputs.1[0][0] >= 0.0, "{:?}", outputs.1);
}

nn::network! {
    /// A graph: two heads on one trunk, a concat, a sample join.
    struct Graph {
        input: [784],
        dense(64), relu as trunk,
        trunk -> dense(8) as mean,
        trunk -> dense(8) as log_var,
        sample(mean, log_var) as code,
        concat(code, trunk), dense(10), softmax as digits,
        trunk -> dense(2) as score,
        outputs: [digits, score],
        loss: cross_entropy(digits) + mse(score) + kl(mean, log_var),
    }
}

#[test]
fn forward_of_graphs_allocates_nothing() {
    let resnet = support::MnistResNet::new_boxed(6);
    let graph = Graph::new_boxed(7);
    let image: [f32; 784] = std::array::from_fn(|i| (i % 37) as f32 / 37.0);
    let mut outputs = (Vec::with_capacity(1), Vec::with_capacity(1));
    let resnet_use = heap_use(|| {
        outputs.0.push(std::hint::black_box(
            resnet.forward(std::hint::black_box(&image)),
        ))
    });
    let graph_use = heap_use(|| {
        outputs.1.push(std::hint::black_box(
            graph.forward(std::hint::black_box(&image)),
        ))
    });
    assert_eq!(resnet_use, (0, 0), "MnistResNet::forward allocated");
    assert_eq!(graph_use, (0, 0), "Graph::forward allocated");
    assert!((outputs.0[0].iter().sum::<f32>() - 1.0).abs() < 1e-5);
    assert!((outputs.1[0][..10].iter().sum::<f32>() - 1.0).abs() < 1e-5);
}

nn::network! {
    /// Every int8 step kind: convolutions with folded activations, a residual add,
    /// pooling, a flatten, a dense layer and softmax.
    struct Quantizable {
        input: [3, 16, 16],
        quantized: QuantizableInt8,
        conv2d(8, kernel = 3, stride = 2, padding = same), relu6 as stem,
        depthwise_conv2d(kernel = 3, padding = same), relu,
        conv2d(8, kernel = 1) as branch,
        add(stem, branch), relu,
        avg_pool2d(2), flatten,
        dense(10), softmax,
    }
}

#[test]
fn int8_forward_allocates_nothing() {
    // All-zero parameters run every kernel's loops as real ones do.
    static NET: QuantizableInt8 =
        QuantizableInt8::from_le_bytes(&[0; QuantizableInt8::PARAM_BYTES]);
    let image: [i8; QuantizableInt8::INPUT_LEN] = std::array::from_fn(|i| (i % 251) as i8);
    let mut scratch = [0i8; QuantizableInt8::SCRATCH_BYTES];
    let mut output = [0i8; 10];
    let mut outputs = Vec::with_capacity(1);
    // The x86 SIMD int8 kernels (`avx2`, `avx512`) keep per-thread buffers that grow at a
    // thread's first call to the size of its largest layer; from then on nothing is
    // allocated. Without `std` (the firmware) no kernel allocates at all.
    std::hint::black_box(NET.forward(std::hint::black_box(&image)));
    let forward_use = heap_use(|| {
        outputs.push(std::hint::black_box(
            NET.forward(std::hint::black_box(&image)),
        ))
    });
    let into_use =
        heap_use(|| NET.forward_into(std::hint::black_box(&image), &mut scratch, &mut output));
    assert_eq!(forward_use, (0, 0), "QuantizableInt8::forward allocated");
    assert_eq!(into_use, (0, 0), "QuantizableInt8::forward_into allocated");
    assert_eq!(outputs[0], output);
}
