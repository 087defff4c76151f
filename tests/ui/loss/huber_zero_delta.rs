// A delta of 0 would make Huber the absolute error times 0.

nn::network! {
    pub struct Regressor {
        input: [4],
        dense(1),
        loss: huber(0),
    }
}

fn main() {}
