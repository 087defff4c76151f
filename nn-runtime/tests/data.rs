//! Integration tests of the data module, one file per concern under `tests/data/`; every test
//! path starts with `data::`, so `cargo test -p nn-runtime data` runs them all.

mod data {
    mod csv;
    mod csv_names;
    mod idx;
    mod misuse;
    mod mnist;
    mod support;
    mod transform;
}
