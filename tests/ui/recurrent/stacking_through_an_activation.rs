// The layer that must return sequences is the first `lstm`, even with `relu` between them.

nn::network! {
    struct Reader {
        input: [28 steps, 28],
        lstm(8),
        relu,
        lstm(4),
    }
}

fn main() {}
