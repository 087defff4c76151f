// `conv1d` is not a typo of `conv2d`.

nn::network! {
    struct Reader {
        input: [100 steps, 8],
        conv1d(16),
    }
}

fn main() {}
