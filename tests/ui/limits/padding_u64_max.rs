// A padding is zeros on each side: one past any fixed-size network is an error on it, not
// an overflow in the shape arithmetic.

nn::network! {
    struct Cnn {
        input: [1, 28, 28],
        conv2d(8, kernel = 3, padding = 18446744073709551615),
    }
}

fn main() {}
