// `quantized:` names the type to generate.

nn::network! {
    struct Mlp {
        input: [4],
        quantized: 8,
        dense(2),
    }
}

fn main() {}
