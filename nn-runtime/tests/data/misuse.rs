//! Misuse and hostile files: each is an error that says what arrived and what was expected,
//! found before anything large is allocated or inflated, never a panic or an abort.

use std::io::Write;

use flate2::write::GzEncoder;
use flate2::Compression;

use super::support::{gzip, idx_bytes, Scratch};
use nn_runtime::data::{
    one_hot, read_idx_images, read_idx_labels, CsvOptions, DataError, Dataset, MAX_CLASSES,
};

fn three_rows() -> Dataset {
    Dataset::new(vec![0.0, 1.0, 2.0], vec![0.0, 1.0, 0.0], 1, 1).expect("valid")
}

#[test]
fn split_fractions_outside_the_unit_interval_are_errors() {
    for fraction in [10.0, -0.5, f32::NAN, f32::INFINITY] {
        let err = three_rows().split(fraction, 1).unwrap_err();
        assert!(
            matches!(err, DataError::BadSplitFraction { fraction: f } if f.to_bits() == fraction.to_bits()),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("is {fraction}"))
                && msg.contains("expected a number in 0.0..=1.0"),
            "{msg}"
        );
    }
    assert!(three_rows().split(1.0, 1).is_ok());
}

#[test]
fn a_dataset_with_a_non_finite_value_is_refused_with_its_row_and_column() {
    let err = Dataset::new(vec![0.0, 1.0, 2.0, f32::NAN], vec![0.0, 1.0], 2, 1).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::NonFinite {
                what: "inputs",
                row: 1,
                column: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("inputs row 1, column 1 (0-based) is NaN"),
        "{err}"
    );
    let err = Dataset::new(vec![0.0; 2], vec![0.0, f32::NEG_INFINITY], 1, 1).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::NonFinite {
                what: "targets",
                row: 1,
                column: 0,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("is -inf"), "{err}");
}

/// Class counts that would have the process allocate terabytes, or overflow, are refused
/// before anything is allocated or read.
#[test]
fn absurd_class_counts_are_errors_not_aborts() {
    let dir = Scratch::new("classes");
    let images = dir.file("images", &idx_bytes(&[1, 1, 1], &[7]));
    let labels = dir.file("labels", &idx_bytes(&[1], &[0]));
    let csv = dir.file("table.csv", b"1,0\n");
    for classes in [100_000_000_000, usize::MAX, MAX_CLASSES + 1] {
        let errors = [
            Dataset::from_idx(&images, &labels, classes).unwrap_err(),
            Dataset::from_csv(&csv, CsvOptions::classes(1, classes)).unwrap_err(),
            one_hot(&[0u8], classes).unwrap_err(),
        ];
        for err in errors {
            assert!(
                matches!(err, DataError::TooManyClasses { classes: c, max: MAX_CLASSES } if c == classes),
                "{classes}: {err:?}"
            );
            assert!(
                err.to_string().contains(&format!(
                    "{classes} classes were asked for; one-hot encoding accepts at most 16777216"
                )),
                "{err}"
            );
        }
    }
    // Even a missing file: the count is checked first.
    let err = Dataset::from_csv(
        dir.path().join("absent.csv"),
        CsvOptions::classes(0, usize::MAX),
    );
    assert!(
        matches!(err, Err(DataError::TooManyClasses { .. })),
        "{err:?}"
    );
    // The largest count is accepted, and its one row is allocated.
    assert_eq!(one_hot(&[3u8], MAX_CLASSES).unwrap().len(), MAX_CLASSES);
}

/// A gzip member whose IDX header asks for 1 pixel, followed by 64 MiB of zeros.
fn one_pixel_then(extra: usize) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(&idx_bytes(&[1, 1, 1], &[9])).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..extra >> 20 {
        encoder.write_all(&zeros).unwrap();
    }
    encoder.finish().unwrap()
}

#[test]
fn gzip_is_read_no_further_than_the_header_allows() {
    let dir = Scratch::new("gzip-limit");
    // 64 MiB inflate from 64 KiB: reading stops one byte past the single pixel.
    let bomb = dir.file("bomb.gz", &one_pixel_then(64 << 20));
    let err = read_idx_images(&bomb).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::GzipTrailingData {
                expected_bytes: 17,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("decompresses to more than the 17 bytes its IDX header calls for"),
        "{err}"
    );
    // Proof that the rest is never inflated: it is damaged, and that goes unnoticed.
    let mut damaged = one_pixel_then(1 << 20);
    let middle = damaged.len() / 2;
    damaged[middle..].fill(0xA5);
    let err = read_idx_images(dir.file("damaged.gz", &damaged)).unwrap_err();
    assert!(matches!(err, DataError::GzipTrailingData { .. }), "{err:?}");
    // A wrong header is found before the body too.
    let mut labels_header = gzip(&idx_bytes(&[1], &[0]));
    let middle = labels_header.len() - 6;
    labels_header[middle..].fill(0xA5); // a broken CRC and length: only read at the end
    let err = read_idx_images(dir.file("labels.gz", &labels_header)).unwrap_err();
    assert!(
        matches!(err, DataError::BadMagic { found: 0x801, .. }),
        "{err:?}"
    );
}

#[test]
fn concatenated_gzip_members_are_one_stream_and_trailing_data_is_an_error() {
    let dir = Scratch::new("gzip-members");
    let file = idx_bytes(&[3], &[4, 0, 9]);
    // Split across two members, as `cat a.gz b.gz` makes: read as the concatenation.
    let mut two_members = gzip(&file[..6]);
    two_members.extend(gzip(&file[6..]));
    assert_eq!(
        read_idx_labels(dir.file("two.gz", &two_members)).unwrap(),
        [4, 0, 9]
    );
    // A second member past the data, like extra bytes in a plain file, is an error.
    let mut extra_member = gzip(&file);
    extra_member.extend(gzip(b"more"));
    let err = read_idx_labels(dir.file("extra.gz", &extra_member)).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::GzipTrailingData {
                expected_bytes: 11,
                ..
            }
        ),
        "{err:?}"
    );
    let mut plain_extra = file.clone();
    plain_extra.extend_from_slice(b"more");
    let err = read_idx_labels(dir.file("extra.idx", &plain_extra)).unwrap_err();
    assert!(matches!(err, DataError::TrailingBytes { .. }), "{err:?}");
    // Bytes after the last member that are not gzip at all: the file is damaged.
    let mut garbage = gzip(&file);
    garbage.extend_from_slice(b"garbage!");
    let err = read_idx_labels(dir.file("garbage.gz", &garbage)).unwrap_err();
    assert!(matches!(err, DataError::CorruptGzip { .. }), "{err:?}");
}

#[test]
fn a_huge_bad_cell_is_quoted_by_its_start_and_its_length() {
    let dir = Scratch::new("csv-huge-cell");
    let cell = "x".repeat(5_000_000);
    let path = dir.file("table.csv", format!("1,2\n3,{cell}\n").as_bytes());
    let err = Dataset::from_csv(&path, CsvOptions::regression(0)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.len() < 400, "a message of {} bytes", msg.len());
    assert!(
        msg.contains(&format!(
            "found \"{}\"… (a cell of 5000000 bytes)",
            "x".repeat(40)
        )),
        "{msg}"
    );
    assert!(
        matches!(err, DataError::CsvNotANumber { ref cell, cell_bytes: 5_000_000, line: 2, column: 1, .. } if cell.len() == 40),
        "{:?}",
        msg
    );
    let path = dir.file("classes.csv", format!("1,{cell}\n").as_bytes());
    let err = Dataset::from_csv(&path, CsvOptions::classes(1, 3)).unwrap_err();
    assert!(
        err.to_string().len() < 400,
        "{} bytes",
        err.to_string().len()
    );
}

#[test]
fn an_unclosed_quote_is_named_as_such() {
    let dir = Scratch::new("csv-quote");
    let path = dir.file("table.csv", b"1,2,3\n4,\"5,6\n7,8,9\n");
    let err = Dataset::from_csv(&path, CsvOptions::regression(0)).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::CsvUnclosedQuote {
                line: 2,
                column: 1,
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("table.csv line 2, column 1 (0-based): a quoted cell runs over a line break"),
        "{msg}"
    );
    // In a header too.
    let path = dir.file("header.csv", b"a,\"b\nc\n1,2\n");
    let err = Dataset::from_csv(&path, CsvOptions::regression(0).with_header(true)).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::CsvUnclosedQuote {
                line: 1,
                column: 1,
                ..
            }
        ),
        "{err:?}"
    );
    // On the last line, where only the final line break is swallowed.
    let path = dir.file("last.csv", b"1,2\n3,\"4\n");
    let err = Dataset::from_csv(&path, CsvOptions::regression(0)).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::CsvUnclosedQuote {
                line: 2,
                column: 1,
                ..
            }
        ),
        "{err:?}"
    );
    // A closed quote is fine.
    let path = dir.file("quoted.csv", b"\" 1 \", 2 \r\n");
    assert!(Dataset::from_csv(&path, CsvOptions::regression(0)).is_ok());
}
