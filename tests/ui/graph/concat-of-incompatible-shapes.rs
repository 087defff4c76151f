nn::network! {
    struct Net {
        input: [2, 8, 8],
        conv2d(4, kernel = 3) as valid,
        input -> conv2d(4, kernel = 3, padding = same) as padded,
        concat(valid, padded),
        flatten, dense(2),
    }
}

fn main() {}
