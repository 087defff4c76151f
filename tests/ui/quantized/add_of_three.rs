// TFLite's int8 ADD adds two tensors.

nn::network! {
    struct Sum {
        input: [4],
        quantized: SumInt8,
        dense(4) as a,
        input -> dense(4) as b,
        input -> dense(4) as c,
        add(a, b, c),
    }
}

fn main() {}
