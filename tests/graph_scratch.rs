//! `SCRATCH_LEN` (and so `SCRATCH_BYTES`) of a network is the peak of the activations alive
//! at once during a single-sample forward pass. This computes that bound on its own, from
//! each network's layer table, and compares it with what the macro reserved, for chains and
//! graphs alike.
//!
//! The rules of the bound: the input and the output live in the caller's arrays (and so do
//! the tensors that only in-place layers turn into the output, read by nothing else); a
//! reshape (flatten, inference-mode dropout) shares its input's memory; an element-wise
//! layer shares its input's memory when nothing reads that memory afterwards; every other
//! tensor needs its own memory from the step that writes it to the last step that reads it.

use nn::{LayerOp, Network};

nn::network! {
    struct ChainMlp {
        input: [784],
        dense(128), relu,
        dense(64), relu,
        dense(10), softmax,
    }
}

nn::network! {
    struct ChainCnn {
        input: [1, 12, 12],
        conv2d(4, kernel = 3), relu,
        max_pool2d(2),
        conv2d(8, kernel = 3), relu,
        flatten, dropout(0.2),
        dense(10), softmax,
    }
}

nn::network! {
    struct ResidualBlocks {
        input: [1, 12, 12],
        conv2d(8, kernel = 3, padding = same), batch_norm, relu as stem,
        conv2d(8, kernel = 3, padding = same), batch_norm, relu,
        conv2d(8, kernel = 3, padding = same), batch_norm as residual,
        add(stem, residual), relu as block,
        conv2d(16, kernel = 3, stride = 2, padding = 1), batch_norm, relu,
        conv2d(16, kernel = 3, padding = same), batch_norm as main,
        block -> conv2d(16, kernel = 1, stride = 2) as projection,
        add(main, projection), relu,
        flatten, dense(10), softmax,
    }
}

nn::network! {
    struct Vae {
        input: [784],
        dense(400), relu as hidden,
        hidden -> dense(20) as mean,
        hidden -> dense(20) as log_var,
        sample(mean, log_var),
        dense(400), relu,
        dense(784), sigmoid,
        loss: 784 * binary_cross_entropy + kl(mean, log_var),
    }
}

nn::network! {
    struct Branches {
        input: [16],
        dense(32), tanh as trunk,
        trunk -> dense(8) as narrow,
        trunk -> dense(48), relu, dense(8) as wide,
        concat(narrow, wide), dense(6) as joined,
        joined -> softmax as classes,
        joined -> dense(3) as score,
        outputs: [classes, score],
        loss: cross_entropy(classes) + mse(score),
    }
}

/// The peak of live activation floats, computed from the layer table alone.
fn liveness_bound<N: Network>() -> usize {
    let layers = N::LAYERS;
    let last_node = layers.len();
    let width = |node: usize| N::NODE_WIDTHS[node];
    let mut readers = vec![0usize; last_node + 1];
    let mut last_read = vec![0usize; last_node + 1];
    for (step, layer) in layers.iter().enumerate() {
        for &input in layer.inputs {
            readers[input] += 1;
            last_read[input] = step;
        }
    }
    let in_place = |op: LayerOp| {
        matches!(
            op,
            LayerOp::Relu
                | LayerOp::LeakyRelu { .. }
                | LayerOp::Sigmoid
                | LayerOp::Tanh
                | LayerOp::Softmax
                | LayerOp::BatchNorm { .. }
        )
    };
    let reshape = |op: LayerOp| matches!(op, LayerOp::Flatten | LayerOp::Dropout { .. });
    let single_input =
        |op: LayerOp| !matches!(op, LayerOp::Add | LayerOp::Concat { .. } | LayerOp::Sample);

    // Tensors in the caller's output array.
    let mut caller = vec![false; last_node + 1];
    caller[0] = true;
    let mut node = last_node;
    caller[node] = true;
    loop {
        let layer = &layers[node - 1];
        let input = layer.inputs[0];
        let shares = single_input(layer.op) && (in_place(layer.op) || reshape(layer.op));
        if !shares || input == 0 || readers[input] != 1 {
            break;
        }
        caller[input] = true;
        node = input;
    }

    // Memory blocks: (first step, last step, floats), and which block holds each node.
    let mut blocks: Vec<(usize, usize, usize)> = Vec::new();
    let mut block_of: Vec<Option<usize>> = vec![None; last_node + 1];
    for (step, layer) in layers.iter().enumerate() {
        let node = step + 1;
        if caller[node] {
            continue;
        }
        let input = layer.inputs[0];
        let shared = if reshape(layer.op) {
            block_of[input]
        } else if in_place(layer.op) {
            block_of[input].filter(|&b| blocks[b].1 == step)
        } else {
            None
        };
        match shared {
            Some(b) => {
                blocks[b].1 = blocks[b].1.max(last_read[node]);
                block_of[node] = Some(b);
            }
            None if reshape(layer.op) && input == 0 => {} // the caller's input, reshaped
            None => {
                blocks.push((step, last_read[node].max(step), width(node)));
                block_of[node] = Some(blocks.len() - 1);
            }
        }
    }
    (0..layers.len())
        .map(|step| {
            blocks
                .iter()
                .filter(|&&(first, last, _)| first <= step && step <= last)
                .map(|&(_, _, floats)| floats)
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn chains_keep_their_scratch_and_it_is_the_liveness_bound() {
    assert_eq!(ChainMlp::SCRATCH_LEN, 128 + 64);
    assert_eq!(ChainMlp::SCRATCH_LEN, liveness_bound::<ChainMlp>());
    assert_eq!(ChainCnn::SCRATCH_LEN, liveness_bound::<ChainCnn>());
}

#[test]
fn graphs_reserve_exactly_the_liveness_bound() {
    let residual = liveness_bound::<ResidualBlocks>();
    // At the second join: the block, the main branch and the projection are all alive.
    assert!(residual >= 8 * 144 + 16 * 36 * 2, "{residual}");
    assert_eq!(ResidualBlocks::SCRATCH_LEN, residual);
    assert_eq!(Vae::SCRATCH_LEN, liveness_bound::<Vae>());
    // While the log-variance is computed: the hidden layer, the mean and the log-variance.
    assert_eq!(Vae::SCRATCH_LEN, 400 + 20 + 20);
    assert_eq!(Branches::SCRATCH_LEN, liveness_bound::<Branches>());
    assert_eq!(
        ResidualBlocks::SCRATCH_BYTES,
        4 * ResidualBlocks::SCRATCH_LEN
    );
}
