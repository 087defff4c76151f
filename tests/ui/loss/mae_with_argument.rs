// Only Huber takes an argument.

nn::network! {
    pub struct Regressor {
        input: [4],
        dense(1),
        loss: mae(0.5),
    }
}

fn main() {}
