// The same budget check passes when the model fits.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(128), relu,
        dense(64), relu,
        dense(10), softmax,
    }
}

const _: () = assert!(Mlp::SCRATCH_BYTES <= 1024, "Mlp needs more scratch RAM than the device has");
const _: () = assert!(Mlp::PARAM_BYTES <= 512 * 1024, "Mlp's weights do not fit in flash");

fn main() {}
