// A network needs at least one layer.

nn::network! {
    pub struct Empty {
        input: [4],
    }
}

fn main() {}
