// A negative dimension is "at least 1", not "too large".

nn::network! {
    struct Mlp {
        input: [-784],
        dense(10),
    }
}

fn main() {}
