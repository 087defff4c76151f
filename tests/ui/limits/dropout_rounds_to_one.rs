// 0.99999999 is below 1, but as an f32 it is exactly 1: a dropout that drops everything.

nn::network! {
    struct Dropper {
        input: [16],
        dropout(0.99999999),
    }
}

fn main() {}
