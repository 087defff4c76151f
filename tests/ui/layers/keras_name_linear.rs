// PyTorch calls a fully connected layer `Linear`; here it is `dense`.

nn::network! {
    struct Mlp {
        input: [784],
        linear(10),
    }
}

fn main() {}
