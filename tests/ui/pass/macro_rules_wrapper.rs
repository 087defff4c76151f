// Layers passed in through a `macro_rules!` wrapper: the generated code resolves `self` and
// its locals in its own hygiene context, not in the context of the layer tokens.

#![deny(warnings)]

macro_rules! mlp {
    ($name:ident, $inputs:literal, $($layers:tt)*) => {
        nn::network! {
            pub struct $name {
                input: [$inputs],
                $($layers)*
            }
        }
    };
}

mlp!(Small, 4, dense(8), relu, dense(2), softmax);
mlp!(Conv, 16, dense(4), batch_norm, dropout(0.5), dense(1), sigmoid);

macro_rules! sequence {
    ($steps:literal, $features:literal) => {
        nn::network! {
            struct Reader {
                input: [$steps steps, $features],
                gru(4, return_sequences = true), lstm(3), dense(2),
            }
        }
    };
}

sequence!(6, 2);

fn main() {
    const _: () = assert!(Small::PARAM_COUNT == 4 * 8 + 8 + 8 * 2 + 2);
    let model = Small::new(1);
    let _ = model.forward(&[0.0; 4]);
    let _ = Reader::new(2).forward(&[0.0; 12]);
    let _ = Conv::new(3);
}
