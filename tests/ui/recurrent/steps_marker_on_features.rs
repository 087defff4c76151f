// The steps come first: `[3, 5 steps]` is `[5 steps, 3]`.

nn::network! {
    struct Reader {
        input: [3, 5 steps],
        lstm(2),
    }
}

fn main() {}
