// `#[cfg(…)]` on a network applies to all it generates: a network for tests only (absent in
// this binary) leaves no impl behind, and one that is compiled in works as usual.

#![deny(warnings)]

nn::network! {
    #[cfg(test)]
    struct OnlyInTests {
        input: [4],
        dense(1),
    }
}

nn::network! {
    #[cfg(not(test))]
    #[allow(dead_code)]
    struct Always {
        input: [4],
        dense(1),
    }
}

nn::network! {
    #[cfg(any())]
    struct Never {
        input: [4],
        dense(1),
    }
}

fn main() {
    let _ = Always::new(0).forward(&[0.0; 4]);
}
