nn::network! {
    struct Net {
        input: [8],
        dense(6), tanh as shared,
        shared -> dense(3), softmax as digits,
        shared -> dense(2) as value,
        outputs: [digits, value],
        loss: cross_entropy(digits),
    }
}

fn main() {}
