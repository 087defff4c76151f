// 1e39 is finite as an f64 but infinite as the f32 the network holds.

nn::network! {
    struct Normalized {
        input: [16],
        batch_norm(epsilon = 1e39),
    }
}

fn main() {}
