// Int8 networks take images or vectors; a recurrent layer has no int8 kernel either.

nn::network! {
    struct Rnn {
        input: [5 steps, 3],
        quantized: RnnInt8,
        gru(4), dense(2),
    }
}

fn main() {}
