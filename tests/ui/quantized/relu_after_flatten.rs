// TFLite folds a relu into the clamp of the operator before it, and so does the int8 type:
// a relu after a flatten (or on the input) has nothing to fold into.

nn::network! {
    struct Mlp {
        input: [1, 4, 4],
        quantized: MlpInt8,
        relu,
        conv2d(2, kernel = 3), flatten, relu,
        dense(3), relu6,
    }
}

fn main() {}
