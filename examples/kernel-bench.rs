//! The kernels behind W1 and W2 of the benchmark, alone: the MLP's three dense layers at
//! batch 1 and 256 and the CNN's two convolutions at batch 1, each timed as the fastest of
//! many repeats, so that a machine shared with other processes still gives stable figures;
//! and the MLP's first layer as a GEMM (`matrixmultiply`, which picks its own kernel, as
//! training's products do) at batch 256 and 32; and the seed CNN's convolutions at training's
//! batch of 32: forward (with im2col), backward (weight and input gradients) and inference.
//! Pin a kernel variant with `NN_KERNELS` to
//! compare them:
//!
//! ```sh
//! for v in portable avx2 avx512; do NN_KERNELS=$v cargo run --release --example kernel-bench; done
//! ```

use nn::ops::conv::{
    conv2d_backward_batch, conv2d_forward, conv2d_forward_batch, conv2d_infer_batch, Conv2dShape,
};
use nn::ops::dense::{dense_forward, dense_forward_batch};
use nn::ops::gemm::{gemm, Matrix, MatrixMut};
use std::hint::black_box;
use std::time::Instant;

/// The MLP's layers, `(inputs, outputs)`.
const MLP: [(usize, usize); 3] = [(784, 128), (128, 64), (64, 10)];

/// The fastest of `repeats` timings of `f`, in nanoseconds.
fn fastest(repeats: usize, mut f: impl FnMut()) -> f64 {
    (0..repeats)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_nanos() as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// `len` values in `[-1, 1)` from a fixed sequence.
fn values(len: usize, seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state as f32 / u32::MAX as f32) * 2.0 - 1.0
        })
        .collect()
}

/// A valid 3×3 convolution of `channels` maps of `size × size` into `filters` maps.
fn conv3x3(channels: usize, size: usize, filters: usize) -> Conv2dShape {
    Conv2dShape {
        in_channels: channels,
        in_height: size,
        in_width: size,
        out_channels: filters,
        kernel_h: 3,
        kernel_w: 3,
        stride_h: 1,
        stride_w: 1,
        pad_top: 0,
        pad_left: 0,
        out_height: size - 2,
        out_width: size - 2,
    }
}

fn main() {
    println!("{}", nn::ops::simd::describe());
    let layers: Vec<_> = MLP
        .iter()
        .enumerate()
        .map(|(l, &(i, o))| {
            (
                values(o * i, 3 * l as u32),
                values(o, 3 * l as u32 + 1),
                i,
                o,
            )
        })
        .collect();

    let sample = values(784, 7);
    let mut hidden: Vec<Vec<f32>> = MLP.iter().map(|&(_, o)| vec![0.0; o]).collect();
    let w1 = fastest(20_000, || {
        let mut x: &[f32] = &sample;
        for ((weight, bias, _, _), y) in layers.iter().zip(hidden.iter_mut()) {
            dense_forward(weight, bias, black_box(x), y);
            x = y;
        }
    });
    println!("MLP dense layers, batch 1:   {w1:>9.0} ns per sample");

    let batch = 256;
    let inputs = values(batch * 784, 11);
    let mut outputs: Vec<Vec<f32>> = MLP.iter().map(|&(_, o)| vec![0.0; batch * o]).collect();
    let w2 = fastest(300, || {
        let mut x: &[f32] = &inputs;
        for ((weight, bias, _, _), y) in layers.iter().zip(outputs.iter_mut()) {
            dense_forward_batch(weight, bias, black_box(x), y, batch);
            x = y;
        }
    });
    let macs: usize = MLP.iter().map(|&(i, o)| i * o).sum();
    println!(
        "MLP dense layers, batch 256: {:>9.0} samples/s ({:.1} GFLOP/s)",
        batch as f64 / w2 * 1e9,
        (2 * macs * batch) as f64 / w2
    );

    let (weight, _, k, n) = &layers[0];
    for m in [256, 32] {
        let x = &inputs[..m * k];
        let mut y = vec![0.0; m * n];
        let ns = fastest(300, || {
            gemm(
                1.0,
                Matrix::row_major(black_box(x), m, *k),
                Matrix::row_major(weight, *n, *k).t(),
                0.0,
                MatrixMut::row_major(&mut y, m, *n),
            )
        });
        println!(
            "MLP layer 1 as GEMM, batch {m}: {:>6.1} GFLOP/s",
            (2 * m * k * n) as f64 / ns
        );
    }

    for (name, s) in [
        ("CNN conv 1→8, 28×28", conv3x3(1, 28, 8)),
        ("CNN conv 8→16, 13×13", conv3x3(8, 13, 16)),
        ("seed conv 32→64, 26×26", conv3x3(32, 26, 64)),
        ("seed conv 64→64, 12×12", conv3x3(64, 12, 64)),
    ] {
        let taps = s.in_channels * 9;
        let weight = values(s.out_channels * taps, 21);
        let bias = values(s.out_channels, 22);
        let input = values(s.in_channels * s.in_height * s.in_width, 23);
        let mut output = vec![0.0; s.out_channels * s.out_height * s.out_width];
        let ns = fastest(2_000, || {
            conv2d_forward(&s, &weight, &bias, black_box(&input), &mut output)
        });
        let flops = 2 * taps * output.len();
        println!(
            "{name}, batch 1: {ns:>9.0} ns ({:.1} GFLOP/s)",
            flops as f64 / ns
        );
    }

    for (name, s) in [
        ("seed conv 1→32, 28×28", conv3x3(1, 28, 32)),
        ("seed conv 32→64, 26×26", conv3x3(32, 26, 64)),
        ("seed conv 64→64, 12×12", conv3x3(64, 12, 64)),
        ("seed conv 64→32, 5×5", conv3x3(64, 5, 32)),
    ] {
        seed_conv_batch(name, &s);
    }
}

/// One of the seed CNN's convolutions at batch 32: forward, backward, inference.
fn seed_conv_batch(name: &str, s: &Conv2dShape) {
    let batch = 32;
    let taps = s.in_channels * s.kernel_h * s.kernel_w;
    let weight = values(s.out_channels * taps, 31);
    let bias = values(s.out_channels, 32);
    let input = values(batch * s.in_channels * s.in_height * s.in_width, 33);
    let out_len = batch * s.out_channels * s.out_height * s.out_width;
    let dy = values(out_len, 34);
    let mut output = vec![0.0; out_len];
    let mut cols = vec![0.0; batch * s.col_len()];
    let (mut dx, mut dw, mut db) = (
        vec![0.0; input.len()],
        vec![0.0; weight.len()],
        vec![0.0; bias.len()],
    );
    let forward = fastest(30, || {
        conv2d_forward_batch(
            s,
            &weight,
            &bias,
            black_box(&input),
            &mut output,
            &mut cols,
            batch,
        )
    });
    let backward = fastest(30, || {
        conv2d_backward_batch(
            s,
            &weight,
            black_box(&dy),
            Some(&mut dx),
            &mut dw,
            &mut db,
            &mut cols,
            batch,
        )
    });
    let infer = fastest(30, || {
        conv2d_infer_batch(s, &weight, &bias, black_box(&input), &mut output, batch)
    });
    let flops = (2 * taps * out_len) as f64;
    println!(
        "{name}, batch {batch}: forward {:.1}, backward {:.1} (2 products), inference {:.1} \
         GFLOP/s",
        flops / forward,
        2.0 * flops / backward,
        flops / infer
    );
}
