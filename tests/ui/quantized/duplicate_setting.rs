// A network has one int8 type.

nn::network! {
    struct Mlp {
        input: [4],
        quantized: MlpInt8,
        quantized: MlpQ,
        dense(2),
    }
}

fn main() {}
