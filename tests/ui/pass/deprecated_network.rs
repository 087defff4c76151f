// A `#[deprecated]` network warns where the user names it, not inside its generated impls;
// lint attributes and derives apply to the struct.

#![deny(warnings)]

nn::network! {
    /// Superseded by a bigger model.
    #[deprecated(note = "use a bigger model")]
    #[derive(Copy, PartialOrd)]
    pub struct Old {
        input: [4],
        dense(2),
    }
}

nn::network! {
    #[derive(Default, Copy)]
    #[allow(missing_docs)]
    #[deny(non_camel_case_types)]
    pub struct Tiny {
        input: [3],
        dense(2),
    }
}

fn main() {
    #[allow(deprecated)]
    let _ = Old::new(1);
    let tiny = Tiny::default();
    let copy = tiny;
    assert_eq!(tiny, copy);
}
