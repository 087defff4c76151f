// Networks named like primitive types: the generated code names the primitives by their
// full path, so nothing resolves to the network instead.

#![deny(warnings)]
#![allow(non_camel_case_types)]

mod floats {
    nn::network! {
        pub struct f32 {
            input: [4],
            dense(2), softmax,
        }
    }
}

mod sizes {
    nn::network! {
        pub struct usize {
            input: [2 steps, 3],
            rnn(2), dense(1),
        }
    }
}

mod text {
    nn::network! {
        pub struct str {
            input: [1, 4, 4],
            conv2d(1, kernel = 2), flatten, dense(1),
        }
    }
}

fn main() {
    let _ = floats::f32::new(1).forward(&[0.0; 4]);
    let _ = sizes::usize::new(1).forward(&[0.0; 6]);
    let _ = text::str::new(1).forward(&[0.0; 16]);
}
