//! IDX files, the format MNIST ships in, gzipped or not.
//!
//! An IDX file is a big-endian magic number `0x0000TTNN` (element type `TT`, `NN`
//! dimensions), then `NN` big-endian `u32` dimensions, then the elements. This reader accepts
//! the two kinds MNIST uses: unsigned bytes in 3 dimensions (images) and in 1 (labels).

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use super::DataError;

/// Magic number of a 3-dimensional IDX file of unsigned bytes: images.
pub const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of a 1-dimensional IDX file of unsigned bytes: labels.
pub const IDX_LABELS_MAGIC: u32 = 0x0000_0801;

/// The first two bytes of every gzip stream (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Greyscale images as stored in an IDX file: `count` images of `rows × cols` bytes, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxImages {
    /// Number of images.
    pub count: usize,
    /// Pixel rows per image.
    pub rows: usize,
    /// Pixel columns per image.
    pub cols: usize,
    /// `count * rows * cols` pixels, image after image, each row-major.
    pub pixels: Vec<u8>,
}

impl IdxImages {
    /// Pixels per image: `rows * cols`.
    pub fn pixels_per_image(&self) -> usize {
        self.rows * self.cols
    }

    /// The pixels of image `i`.
    ///
    /// # Panics
    /// If `i >= count`, like slice indexing.
    pub fn image(&self, i: usize) -> &[u8] {
        let len = self.pixels_per_image();
        &self.pixels[i * len..(i + 1) * len]
    }
}

/// Reads an IDX file of images (magic `0x00000803`), gzipped or not.
pub fn read_idx_images(path: impl AsRef<Path>) -> Result<IdxImages, DataError> {
    let path = path.as_ref();
    let (dims, pixels) = read_idx_u8(path, IDX_IMAGES_MAGIC)?;
    let [count, rows, cols] = [dims[0], dims[1], dims[2]];
    Ok(IdxImages {
        count,
        rows,
        cols,
        pixels,
    })
}

/// Reads an IDX file of labels (magic `0x00000801`), gzipped or not.
pub fn read_idx_labels(path: impl AsRef<Path>) -> Result<Vec<u8>, DataError> {
    read_idx_u8(path.as_ref(), IDX_LABELS_MAGIC).map(|(_, labels)| labels)
}

/// Reads an IDX file of unsigned bytes with the given magic number; returns its dimensions
/// and its elements, having checked that there are exactly as many as the dimensions say.
fn read_idx_u8(path: &Path, magic: u32) -> Result<(Vec<usize>, Vec<u8>), DataError> {
    let mut bytes = read_maybe_gzipped(path)?;
    let rank = (magic & 0xff) as usize;
    let header_len = 4 + 4 * rank;
    let truncated = |expected_bytes, found_bytes| DataError::Truncated {
        path: path.to_owned(),
        expected_bytes,
        found_bytes,
    };
    if bytes.len() < 4 {
        return Err(truncated(header_len, bytes.len()));
    }
    let found = be_u32(&bytes, 0);
    if found != magic {
        return Err(DataError::BadMagic {
            path: path.to_owned(),
            expected: magic,
            found,
        });
    }
    if bytes.len() < header_len {
        return Err(truncated(header_len, bytes.len()));
    }
    let raw_dims: Vec<u32> = (0..rank).map(|d| be_u32(&bytes, 4 + 4 * d)).collect();
    let dims_too_large = || DataError::DimsTooLarge {
        path: path.to_owned(),
        dims: raw_dims.clone(),
    };
    let dims = raw_dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| dims_too_large()))
        .collect::<Result<Vec<usize>, _>>()?;
    let expected_bytes = dims
        .iter()
        .try_fold(1usize, |elements, &d| elements.checked_mul(d))
        .and_then(|elements| elements.checked_add(header_len))
        .ok_or_else(dims_too_large)?;
    if bytes.len() < expected_bytes {
        return Err(truncated(expected_bytes, bytes.len()));
    }
    if bytes.len() > expected_bytes {
        return Err(DataError::TrailingBytes {
            path: path.to_owned(),
            expected_bytes,
            found_bytes: bytes.len(),
        });
    }
    bytes.drain(..header_len);
    Ok((dims, bytes))
}

/// The whole file, decompressed if it starts with the gzip magic bytes.
fn read_maybe_gzipped(path: &Path) -> Result<Vec<u8>, DataError> {
    let raw = std::fs::read(path).map_err(|source| DataError::Io {
        path: PathBuf::from(path),
        source,
    })?;
    if !raw.starts_with(&GZIP_MAGIC) {
        return Ok(raw);
    }
    let mut decompressed = Vec::new();
    GzDecoder::new(raw.as_slice())
        .read_to_end(&mut decompressed)
        .map_err(|source| DataError::CorruptGzip {
            path: PathBuf::from(path),
            source,
        })?;
    Ok(decompressed)
}

/// The big-endian `u32` at `offset`; the caller has checked that four bytes are there.
fn be_u32(bytes: &[u8], offset: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[offset..offset + 4]);
    u32::from_be_bytes(word)
}
