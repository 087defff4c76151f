//! IDX files, the format MNIST ships in, gzipped or not.
//!
//! An IDX file is a big-endian magic number `0x0000TTNN` (element type `TT`, `NN`
//! dimensions), then `NN` big-endian `u32` dimensions, then the elements. This reader accepts
//! the two kinds MNIST uses: unsigned bytes in 3 dimensions (images) and in 1 (labels).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

use super::DataError;

/// Magic number of a 3-dimensional IDX file of unsigned bytes: images.
pub const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of a 1-dimensional IDX file of unsigned bytes: labels.
pub const IDX_LABELS_MAGIC: u32 = 0x0000_0801;

/// The first two bytes of every gzip stream (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Greyscale images as stored in an IDX file: `count` images of `rows × cols` bytes, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
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

/// Reads an IDX file of images (magic `0x00000803`), gzipped or not (see the
/// [`data`](crate::data) module for how gzip is read).
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

/// Reads an IDX file of labels (magic `0x00000801`), gzipped or not (see the
/// [`data`](crate::data) module for how gzip is read).
pub fn read_idx_labels(path: impl AsRef<Path>) -> Result<Vec<u8>, DataError> {
    read_idx_u8(path.as_ref(), IDX_LABELS_MAGIC).map(|(_, labels)| labels)
}

/// Reads an IDX file of unsigned bytes with the given magic number; returns its dimensions
/// and its elements, having checked that there are exactly as many as the dimensions say.
///
/// The header is read and checked first, and then no more than the elements it calls for
/// and one byte past them: a gzipped file is inflated as a stream, so a wrong header or
/// trailing data is found without inflating (or holding) the rest. Concatenated gzip
/// members are one stream, as `gunzip` treats them; as in a plain file, data past the
/// elements is an error, and so are bytes after the last member that are not gzip.
fn read_idx_u8(path: &Path, magic: u32) -> Result<(Vec<usize>, Vec<u8>), DataError> {
    let file = File::open(path).map_err(|source| DataError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut reader = BufReader::new(file);
    let gzipped = reader
        .fill_buf()
        .map_err(|source| DataError::Io {
            path: path.to_owned(),
            source,
        })?
        .starts_with(&GZIP_MAGIC);
    if gzipped {
        read_idx_stream(path, magic, MultiGzDecoder::new(reader), true)
    } else {
        read_idx_stream(path, magic, reader, false)
    }
}

/// [`read_idx_u8`] over the (decompressed) bytes of `stream`.
fn read_idx_stream(
    path: &Path,
    magic: u32,
    mut stream: impl Read,
    gzipped: bool,
) -> Result<(Vec<usize>, Vec<u8>), DataError> {
    let rank = (magic & 0xff) as usize;
    let header_len = 4 + 4 * rank;
    let mut header = vec![0; header_len];
    let read_error = |source: std::io::Error| {
        if gzipped {
            DataError::CorruptGzip {
                path: path.to_owned(),
                source,
            }
        } else {
            DataError::Io {
                path: path.to_owned(),
                source,
            }
        }
    };
    let truncated = |expected_bytes, found_bytes| DataError::Truncated {
        path: path.to_owned(),
        expected_bytes,
        found_bytes,
    };
    // The magic number alone first: a file of another kind is named as such even when
    // it is shorter than this kind's header, or damaged further on.
    let found = read_up_to(&mut stream, &mut header[..4]).map_err(read_error)?;
    if found < 4 {
        return Err(truncated(header_len, found));
    }
    let found_magic = be_u32(&header, 0);
    if found_magic != magic {
        return Err(DataError::BadMagic {
            path: path.to_owned(),
            expected: magic,
            found: found_magic,
        });
    }
    let found = 4 + read_up_to(&mut stream, &mut header[4..]).map_err(read_error)?;
    if found < header_len {
        return Err(truncated(header_len, found));
    }
    let raw_dims: Vec<u32> = (0..rank).map(|d| be_u32(&header, 4 + 4 * d)).collect();
    let dims_too_large = || DataError::DimsTooLarge {
        path: path.to_owned(),
        dims: raw_dims.clone(),
    };
    let dims = raw_dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| dims_too_large()))
        .collect::<Result<Vec<usize>, _>>()?;
    let elements = dims
        .iter()
        .try_fold(1usize, |elements, &d| elements.checked_mul(d))
        .filter(|&elements| elements.checked_add(header_len).is_some())
        .ok_or_else(dims_too_large)?;
    let expected_bytes = header_len + elements;
    // The buffer grows with the data actually read, not with what the header claims.
    let mut data = Vec::new();
    let limit = u64::try_from(elements).map_or(u64::MAX, |e| e.saturating_add(1));
    stream
        .by_ref()
        .take(limit)
        .read_to_end(&mut data)
        .map_err(read_error)?;
    if data.len() < elements {
        return Err(truncated(expected_bytes, header_len + data.len()));
    }
    if data.len() > elements {
        if gzipped {
            return Err(DataError::GzipTrailingData {
                path: path.to_owned(),
                expected_bytes,
            });
        }
        // A plain file's length is known without reading the rest.
        let found_bytes = std::fs::metadata(path)
            .ok()
            .and_then(|m| usize::try_from(m.len()).ok())
            .unwrap_or(expected_bytes + 1);
        return Err(DataError::TrailingBytes {
            path: path.to_owned(),
            expected_bytes,
            found_bytes,
        });
    }
    Ok((dims, data))
}

/// Reads until `buffer` is full or the stream ends; returns the bytes read.
fn read_up_to(stream: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match stream.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The big-endian `u32` at `offset`; the caller has checked that four bytes are there.
fn be_u32(bytes: &[u8], offset: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[offset..offset + 4]);
    u32::from_be_bytes(word)
}
