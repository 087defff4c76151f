//! Data sets: loading (IDX as MNIST ships it, CSV), scaling, standardization, one-hot
//! encoding and seeded splits. Malformed files give a [`DataError`] that says what is wrong.

mod dataset;
mod error;

pub use dataset::Dataset;
pub use error::DataError;
