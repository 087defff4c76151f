// A memory budget checked at compile time: the MLP's single-sample scratch (768 bytes) does
// not fit a 512-byte budget, so the build fails.

nn::network! {
    pub struct Mlp {
        input: [784],
        dense(128), relu,
        dense(64), relu,
        dense(10), softmax,
    }
}

const _: () = assert!(Mlp::SCRATCH_BYTES <= 512, "Mlp needs more scratch RAM than the device has");

fn main() {}
