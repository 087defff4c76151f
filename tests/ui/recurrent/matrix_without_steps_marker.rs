// A 2-D input is not a sequence until its first dimension is marked as the steps; the
// error suggests the marker.

nn::network! {
    pub struct Reader {
        input: [28, 28],
        gru(32),
        dense(10), softmax,
    }
}

fn main() {}
