// `10.0` is a float even though its value is whole: units are written `10`.

nn::network! {
    struct Mlp {
        input: [784],
        dense(10.0),
    }
}

fn main() {}
