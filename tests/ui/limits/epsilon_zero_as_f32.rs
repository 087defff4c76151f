// 1e-50 is positive as written but 0 as an f32: a division by zero waiting to happen.

nn::network! {
    struct Normalized {
        input: [16],
        batch_norm(epsilon = 1e-50),
    }
}

fn main() {}
