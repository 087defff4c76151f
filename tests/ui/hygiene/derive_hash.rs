// f32 parameters have no Hash: one error on the derive, not trait errors over the macro.

nn::network! {
    #[derive(Hash)]
    struct Mlp {
        input: [4],
        dense(1),
    }
}

fn main() {}
