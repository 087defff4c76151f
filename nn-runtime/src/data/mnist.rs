//! Image/label pairs of IDX files as a [`Dataset`], and MNIST by its standard file names.

use std::path::{Path, PathBuf};

use super::transform::check_classes;
use super::{one_hot, read_idx_images, read_idx_labels, DataError, Dataset};

/// Which half of MNIST to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MnistSplit {
    /// The training images (`train-*-idx*-ubyte`).
    Train,
    /// The test images (`t10k-*` in the original release, `test-*` here).
    Test,
}

impl MnistSplit {
    /// The standard (un-gzipped) file names of this split: `(images, labels)`.
    pub fn file_names(self) -> (&'static str, &'static str) {
        match self {
            MnistSplit::Train => ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
            MnistSplit::Test => ("test-images-idx3-ubyte", "test-labels-idx1-ubyte"),
        }
    }
}

/// Classes in MNIST: the digits 0 to 9.
const MNIST_CLASSES: usize = 10;

impl Dataset {
    /// Loads an IDX image file and an IDX label file (each gzipped or not) as one sample per
    /// image: pixels scaled to `[0, 1]` by dividing by 255, labels one-hot over `classes`.
    ///
    /// Fails if `classes` is 0 or above [`MAX_CLASSES`](super::MAX_CLASSES) (checked before
    /// any file is read), if the files are malformed, hold different numbers of samples, or a
    /// label is not below `classes`.
    pub fn from_idx(
        images_path: impl AsRef<Path>,
        labels_path: impl AsRef<Path>,
        classes: usize,
    ) -> Result<Dataset, DataError> {
        let (images_path, labels_path) = (images_path.as_ref(), labels_path.as_ref());
        check_classes(classes)?;
        let images = read_idx_images(images_path)?;
        let labels = read_idx_labels(labels_path)?;
        if images.count != labels.len() {
            return Err(DataError::CountMismatch {
                images_path: images_path.to_owned(),
                labels_path: labels_path.to_owned(),
                images: images.count,
                labels: labels.len(),
            });
        }
        let targets = one_hot(&labels, classes).map_err(|err| match err {
            DataError::LabelOutOfRange {
                index,
                label,
                classes,
                ..
            } => DataError::LabelOutOfRange {
                path: Some(labels_path.to_owned()),
                index,
                label,
                classes,
            },
            other => other,
        })?;
        let inputs = images
            .pixels
            .iter()
            .map(|&p| f32::from(p) / 255.0)
            .collect();
        Dataset::new(inputs, targets, images.pixels_per_image(), classes)
    }

    /// Loads one split of MNIST from `dir`, by the standard file names (for the training
    /// split, `train-images-idx3-ubyte.gz` and `train-labels-idx1-ubyte.gz`), taking the
    /// un-gzipped file when the `.gz` one is absent. Inputs are 784 pixels in `[0, 1]`,
    /// targets one-hot over the 10 digits.
    pub fn mnist(dir: impl AsRef<Path>, split: MnistSplit) -> Result<Dataset, DataError> {
        let dir = dir.as_ref();
        let (images, labels) = split.file_names();
        let images_path = find_maybe_gzipped(dir, images)?;
        let labels_path = find_maybe_gzipped(dir, labels)?;
        Dataset::from_idx(images_path, labels_path, MNIST_CLASSES)
    }
}

/// `dir/file.gz` if it exists, else `dir/file` if that does.
fn find_maybe_gzipped(dir: &Path, file: &'static str) -> Result<PathBuf, DataError> {
    let gzipped = dir.join(format!("{file}.gz"));
    if gzipped.is_file() {
        return Ok(gzipped);
    }
    let plain = dir.join(file);
    if plain.is_file() {
        return Ok(plain);
    }
    Err(DataError::MnistFileMissing {
        dir: dir.to_owned(),
        file,
    })
}
