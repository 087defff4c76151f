nn::network! {
    struct Net {
        input: [8],
        dense(6), tanh as hidden,
        hidden -> dense(3) as mean,
        hidden -> dense(2) as log_var,
        sample(mean, log_var),
        dense(8),
        loss: mse + kl(mean, log_var),
    }
}

fn main() {}
