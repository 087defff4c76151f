//! `Network::LAYERS` describes every layer with the hyperparameters an exporter needs.

use nn::{LayerOp, Network};

nn::network! {
    struct Strided {
        input: [2, 28, 28],
        conv2d(4, kernel = 3, stride = 2, padding = same), leaky_relu(0.2),
        conv2d(3, kernel = (3, 2), padding = (1, 2)), batch_norm(epsilon = 1e-3),
        max_pool2d(2), avg_pool2d(3, stride = 2), dropout(0.25),
        flatten, dense(5), sigmoid,
    }
}

#[test]
fn layers_carry_their_hyperparameters_and_shapes() {
    let ops: Vec<LayerOp> = Strided::LAYERS.iter().map(|l| l.op).collect();
    assert_eq!(
        ops,
        [
            // Keras `same` at stride 2 on 28: output 14, one extra zero row/column at the end.
            LayerOp::Conv2d {
                filters: 4,
                kernel: [3, 3],
                stride: [2, 2],
                padding: [0, 0, 1, 1]
            },
            LayerOp::LeakyRelu { alpha: 0.2 },
            LayerOp::Conv2d {
                filters: 3,
                kernel: [3, 2],
                stride: [1, 1],
                padding: [1, 2, 1, 2]
            },
            LayerOp::BatchNorm {
                momentum: 0.1,
                epsilon: 1e-3
            },
            LayerOp::MaxPool2d {
                size: [2, 2],
                stride: [2, 2]
            },
            LayerOp::AvgPool2d {
                size: [3, 3],
                stride: [2, 2]
            },
            LayerOp::Dropout { rate: 0.25 },
            LayerOp::Flatten,
            LayerOp::Dense { units: 5 },
            LayerOp::Sigmoid,
        ]
    );
    let shapes: Vec<(&[usize], &[usize])> = Strided::LAYERS
        .iter()
        .map(|l| (l.input_shape, l.output_shape))
        .collect();
    assert_eq!(shapes[0], (&[2, 28, 28][..], &[4, 14, 14][..]));
    assert_eq!(shapes[2], (&[4, 14, 14][..], &[3, 14, 17][..]));
    assert_eq!(shapes[5], (&[3, 7, 8][..], &[3, 3, 3][..]));
    assert_eq!(shapes[8], (&[27][..], &[5][..]));
    // Each layer's input is the previous layer's output.
    for pair in Strided::LAYERS.windows(2) {
        assert_eq!(
            pair[0].output_shape, pair[1].input_shape,
            "{}",
            pair[1].name
        );
    }
}
