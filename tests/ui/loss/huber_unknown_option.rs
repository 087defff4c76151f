// Huber takes `delta` and nothing else.

nn::network! {
    pub struct Regressor {
        input: [4],
        dense(1),
        loss: huber(dleta = 0.5),
    }
}

fn main() {}
