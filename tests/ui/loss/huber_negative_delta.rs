// Huber's delta must be greater than 0; the error covers the sign too.

nn::network! {
    pub struct Regressor {
        input: [4],
        dense(1),
        loss: huber(delta = -0.5),
    }
}

fn main() {}
