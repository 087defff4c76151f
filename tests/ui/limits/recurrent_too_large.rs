// A huge recurrent layer is "too large", and its FLOP count does not overflow on the way.

nn::network! {
    struct Reader {
        input: [1000 steps, 1000],
        lstm(268435456),
    }
}

fn main() {}
