// A folded relu clamps its producer's output in place: when another layer also reads that
// output, it would see the clamped values, so the int8 type refuses it.

nn::network! {
    struct Residual {
        input: [2, 4, 4],
        quantized: ResidualInt8,
        conv2d(2, kernel = 3, padding = same) as stem,
        relu as clamped,
        add(stem, clamped),
    }
}

fn main() {}
