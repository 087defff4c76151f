//! Data sets: loading (IDX as MNIST ships it, CSV), scaling, standardization, one-hot
//! encoding and seeded splits. Malformed files give a [`DataError`] that says what is wrong.
//!
//! A gzipped IDX file is inflated as a stream, header first: a wrong magic number or impossible
//! dimensions are reported before the body is inflated, and no more is inflated than the
//! elements the header calls for and one byte past them, so a small file cannot make the
//! reader inflate gigabytes. Concatenated gzip members (`cat a.gz b.gz`) are one stream, as
//! `gunzip` reads them; data past the elements is an error, in a gzipped file as in a plain
//! one, and so are bytes after the last member that are not gzip.
//!
//! ```no_run
//! use nn_runtime::data::{Dataset, MnistSplit};
//!
//! # fn main() -> Result<(), nn_runtime::data::DataError> {
//! let train = Dataset::mnist("data/mnist", MnistSplit::Train)?;
//! let (train, validation) = train.split(0.1, 42)?;
//! assert_eq!(train.input_len, 784);
//! # let _ = validation;
//! # Ok(())
//! # }
//! ```

mod class_indices;
mod csv_file;
mod csv_options;
mod dataset;
mod describe;
mod error;
mod fingerprint;
mod idx;
mod mnist;
mod shape_error;
mod transform;

pub use csv_options::{CsvColumn, CsvData, CsvOptions, CsvTarget};
pub use dataset::Dataset;
pub use error::DataError;
pub use fingerprint::DataFingerprint;
pub use idx::{read_idx_images, read_idx_labels, IdxImages, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC};
pub use mnist::MnistSplit;
pub(crate) use shape_error::whole_rows;
pub use shape_error::DataShapeError;
pub use transform::{one_hot, MinMaxScaler, Standardizer, MAX_CLASSES};
