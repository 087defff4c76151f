// Recursion in parsing is bounded: a kernel tuple nested 40 deep is one clear error (and
// ten thousand levels cannot overflow the compiler's stack).

nn::network! {
    struct Cnn {
        input: [1, 28, 28],
        conv2d(8, kernel = ((((((((((((((((((((((((((((((((((((((((3))))))))))))))))))))))))))))))))))))))))),
    }
}

fn main() {}
