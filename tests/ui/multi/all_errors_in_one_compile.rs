// Every problem of a spec is reported by one compile, each at its own token.

nn::network! {
    pub struct Mlp {
        input: [784],
        dens(128), relu(3),
        dense(0), tanh,
        dense(10, init = xavier), softmax,
        loss: crossentropy,
    }
}

fn main() {}
