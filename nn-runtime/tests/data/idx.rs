//! IDX reading: both encodings load, every malformation is its own error with a clear message.

use super::support::{gzip, idx_bytes, Scratch};
use nn_runtime::data::{read_idx_images, read_idx_labels, DataError, Dataset, MnistSplit};

/// Two 2×3 images with pixels 0..12.
fn two_images() -> Vec<u8> {
    idx_bytes(&[2, 2, 3], &(0..12).collect::<Vec<u8>>())
}

#[test]
fn plain_and_gzipped_images_load_the_same() {
    let dir = Scratch::new("idx-both");
    let plain = read_idx_images(dir.file("a.idx", &two_images())).expect("plain IDX loads");
    let zipped = read_idx_images(dir.file("a.idx.gz", &gzip(&two_images()))).expect("gz loads");
    assert_eq!((plain.count, plain.rows, plain.cols), (2, 2, 3));
    assert_eq!(plain.image(1), &[6, 7, 8, 9, 10, 11]);
    assert_eq!(plain, zipped);
    let labels = idx_bytes(&[3], &[4, 0, 9]);
    assert_eq!(
        read_idx_labels(dir.file("l", &labels)).expect("plain"),
        [4, 0, 9]
    );
    assert_eq!(
        read_idx_labels(dir.file("l.gz", &gzip(&labels))).expect("gz"),
        [4, 0, 9]
    );
}

#[test]
fn a_label_file_read_as_images_is_bad_magic() {
    let dir = Scratch::new("idx-magic");
    let path = dir.file("labels.idx", &idx_bytes(&[3], &[1, 2, 3]));
    let err = read_idx_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::BadMagic {
                expected: 0x803,
                found: 0x801,
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("labels.idx") && msg.contains("0x00000803"),
        "{msg}"
    );
    assert!(
        msg.contains("found 0x00000801 (unsigned bytes, 1 dimension: labels)"),
        "{msg}"
    );
    let err = read_idx_labels(dir.file("text", b"hello, world")).unwrap_err();
    assert!(err.to_string().contains("not an IDX file"), "{err}");
}

#[test]
fn missing_pixels_are_truncation_plain_or_gzipped() {
    let dir = Scratch::new("idx-trunc");
    let mut short = two_images();
    short.truncate(short.len() - 5);
    for name in ["short.idx", "short.idx.gz"] {
        let bytes = if name.ends_with(".gz") {
            gzip(&short)
        } else {
            short.clone()
        };
        let err = read_idx_images(dir.file(name, &bytes)).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::Truncated {
                    expected_bytes: 28,
                    found_bytes: 23,
                    ..
                }
            ),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains(name) && msg.contains("calls for 28 bytes"),
            "{msg}"
        );
    }
}

#[test]
fn a_cut_header_is_truncation() {
    let dir = Scratch::new("idx-header");
    let err = read_idx_images(dir.file("h", &two_images()[..9])).unwrap_err();
    assert!(matches!(
        err,
        DataError::Truncated {
            expected_bytes: 16,
            found_bytes: 9,
            ..
        }
    ));
    let err = read_idx_labels(dir.file("empty", &[])).unwrap_err();
    assert!(
        matches!(err, DataError::Truncated { found_bytes: 0, .. }),
        "{err:?}"
    );
}

#[test]
fn extra_bytes_after_the_data_are_an_error() {
    let dir = Scratch::new("idx-trailing");
    let mut long = two_images();
    long.extend_from_slice(b"junk");
    let err = read_idx_images(dir.file("long.idx", &long)).unwrap_err();
    assert!(matches!(
        err,
        DataError::TrailingBytes {
            expected_bytes: 28,
            found_bytes: 32,
            ..
        }
    ));
    let msg = err.to_string();
    assert!(
        msg.contains("4 unexpected trailing bytes") && msg.contains("28"),
        "{msg}"
    );
}

#[test]
fn damaged_gzip_is_an_error_not_a_panic() {
    let dir = Scratch::new("idx-gzip");
    let zipped = gzip(&two_images());
    let cut = dir.file("cut.gz", &zipped[..zipped.len() / 2]);
    let mut flipped = zipped.clone();
    flipped[3] = 0xff; // reserved header flag bits must be zero
    let flipped = dir.file("flipped.gz", &flipped);
    let mut bad_crc = zipped.clone();
    let crc_at = bad_crc.len() - 8;
    bad_crc[crc_at] ^= 0xff;
    let bad_crc = dir.file("crc.gz", &bad_crc);
    for path in [cut, flipped, bad_crc] {
        let err = read_idx_images(&path).unwrap_err();
        assert!(
            matches!(err, DataError::CorruptGzip { .. }),
            "{path:?}: {err:?}"
        );
        assert!(std::error::Error::source(&err).is_some());
        let msg = err.to_string();
        assert!(
            msg.contains("does not decompress") && msg.contains(".gz"),
            "{msg}"
        );
    }
}

#[test]
fn absurd_dimensions_are_reported_not_allocated() {
    let dir = Scratch::new("idx-dims");
    let huge = idx_bytes(&[u32::MAX, u32::MAX, u32::MAX], &[]);
    let err = read_idx_images(dir.file("huge", &huge)).unwrap_err();
    assert!(matches!(err, DataError::DimsTooLarge { ref dims, .. } if dims.len() == 3));
    assert!(err.to_string().contains("too large"), "{err}");
    let big = idx_bytes(&[60_000, 28, 28], &[0; 10]);
    let err = read_idx_images(dir.file("big", &big)).unwrap_err();
    assert!(matches!(
        err,
        DataError::Truncated {
            expected_bytes: 47_040_016,
            ..
        }
    ));
}

#[test]
fn a_missing_file_is_io_naming_it() {
    let dir = Scratch::new("idx-missing");
    let err = read_idx_labels(dir.path().join("nope.idx")).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("nope.idx"), "{err}");
}

#[test]
fn from_idx_scales_pixels_and_one_hot_encodes_labels() {
    let dir = Scratch::new("idx-dataset");
    let images = dir.file("i", &idx_bytes(&[2, 1, 2], &[0, 255, 51, 102]));
    let labels = dir.file("l", &idx_bytes(&[2], &[2, 0]));
    let d = Dataset::from_idx(&images, &labels, 3).expect("valid pair");
    assert_eq!((d.len(), d.input_len, d.target_len), (2, 2, 3));
    assert_eq!(d.inputs, [0.0, 1.0, 0.2, 0.4]);
    assert_eq!(d.targets, [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    assert_eq!(d.labels(), [2, 0]);
}

#[test]
fn from_idx_rejects_mismatched_counts_and_large_labels() {
    let dir = Scratch::new("idx-pair");
    let images = dir.file("imgs", &two_images());
    let three = dir.file("three", &idx_bytes(&[3], &[0, 1, 2]));
    let err = Dataset::from_idx(&images, &three, 10).unwrap_err();
    assert!(matches!(
        err,
        DataError::CountMismatch {
            images: 2,
            labels: 3,
            ..
        }
    ));
    let msg = err.to_string();
    assert!(msg.contains("imgs") && msg.contains("2 images") && msg.contains("3 labels"));
    assert!(msg.contains("expected one label per image"), "{msg}");

    let eleven = dir.file("eleven", &idx_bytes(&[2], &[3, 11]));
    let err = Dataset::from_idx(&images, &eleven, 10).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::LabelOutOfRange {
                index: 1,
                label: 11,
                classes: 10,
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("eleven") && msg.contains("expected a class in 0..10"),
        "{msg}"
    );
}

#[test]
fn mnist_falls_back_to_plain_files_and_names_a_missing_one() {
    let dir = Scratch::new("idx-mnist");
    let err = Dataset::mnist(dir.path(), MnistSplit::Test).unwrap_err();
    assert!(matches!(
        err,
        DataError::MnistFileMissing {
            file: "test-images-idx3-ubyte",
            ..
        }
    ));
    assert!(
        err.to_string()
            .contains("neither test-images-idx3-ubyte.gz nor"),
        "{err}"
    );

    dir.file(
        "test-images-idx3-ubyte",
        &idx_bytes(&[1, 28, 28], &[255; 784]),
    );
    dir.file("test-labels-idx1-ubyte.gz", &gzip(&idx_bytes(&[1], &[7])));
    let d = Dataset::mnist(dir.path(), MnistSplit::Test).expect("plain images, gz labels");
    assert_eq!((d.len(), d.input_len, d.target_len), (1, 784, 10));
    assert_eq!(d.labels(), [7]);
    assert!(d.inputs.iter().all(|&x| x == 1.0));
}
