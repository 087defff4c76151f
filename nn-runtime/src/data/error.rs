//! What can be wrong with a data file.
//!
//! Every variant carries the facts its message needs: the file, what was expected and what was
//! found, and (for text files) the line and column. The messages are in `error_message.rs`.

use std::path::PathBuf;

/// A data file that could not be read, or whose contents are malformed, or a data set whose
/// shape does not fit the operation asked of it.
#[derive(Debug)]
#[non_exhaustive]
pub enum DataError {
    /// Rows of inputs and targets disagree.
    RowMismatch {
        /// Input rows.
        inputs: usize,
        /// Target rows.
        targets: usize,
    },
    /// A matrix whose length is not a whole number of rows, or whose rows are empty.
    PartialRow {
        /// Which matrix: `"inputs"` or `"targets"`.
        what: &'static str,
        /// Floats in the matrix.
        floats: usize,
        /// Floats per row that were asked for.
        row_len: usize,
    },
    /// A file could not be opened or read.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A file starts like gzip but does not decompress.
    CorruptGzip {
        /// The file.
        path: PathBuf,
        /// What the decompressor said.
        source: std::io::Error,
    },
    /// An IDX file whose first four bytes are not the expected magic number.
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The magic number this reader accepts.
        expected: u32,
        /// The first four bytes of the (decompressed) file, big-endian.
        found: u32,
    },
    /// An IDX file shorter than its header says it is.
    Truncated {
        /// The file.
        path: PathBuf,
        /// Bytes the header calls for (after decompression).
        expected_bytes: usize,
        /// Bytes present (after decompression).
        found_bytes: usize,
    },
    /// An IDX file longer than its header says it is.
    TrailingBytes {
        /// The file.
        path: PathBuf,
        /// Bytes the header calls for (after decompression).
        expected_bytes: usize,
        /// Bytes present (after decompression).
        found_bytes: usize,
    },
    /// An IDX header whose dimensions multiply past what this machine can address.
    DimsTooLarge {
        /// The file.
        path: PathBuf,
        /// The dimensions the header declares.
        dims: Vec<u32>,
    },
    /// An image file and a label file that hold different numbers of samples.
    CountMismatch {
        /// The image file.
        images_path: PathBuf,
        /// The label file.
        labels_path: PathBuf,
        /// Images in the image file.
        images: usize,
        /// Labels in the label file.
        labels: usize,
    },
    /// A class label that is not below the number of classes.
    LabelOutOfRange {
        /// The file the label came from, if any.
        path: Option<PathBuf>,
        /// Position of the label (0-based).
        index: usize,
        /// The label.
        label: usize,
        /// Number of classes; labels must lie in `0..classes`.
        classes: usize,
    },
    /// One-hot encoding was asked for with zero classes.
    NoClasses,
    /// One of the standard MNIST files is in neither its gzipped nor its plain form.
    MnistFileMissing {
        /// The directory searched.
        dir: PathBuf,
        /// The file name looked for (its `.gz` form was tried first).
        file: &'static str,
    },
    /// A CSV file the `csv` parser rejects (for instance, invalid UTF-8).
    CsvParse {
        /// The file.
        path: PathBuf,
        /// 1-based line, when the parser knows it.
        line: Option<u64>,
        /// What the parser said.
        message: String,
    },
    /// A CSV row with a different number of fields than the first row (header or data).
    CsvRagged {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Fields in the first row.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// A CSV cell that should hold a finite number but does not.
    CsvNotANumber {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 0-based column.
        column: usize,
        /// The cell's text, cut to its first 40 characters when longer.
        cell: String,
        /// Length of the whole cell in bytes.
        cell_bytes: usize,
    },
    /// A CSV cell in a class column that is not an integer in `0..classes`.
    CsvBadClass {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 0-based column.
        column: usize,
        /// The cell's text, cut to its first 40 characters when longer.
        cell: String,
        /// Length of the whole cell in bytes.
        cell_bytes: usize,
        /// Number of classes.
        classes: usize,
    },
    /// A target column beyond the last column of the CSV file.
    CsvNoSuchColumn {
        /// The file.
        path: PathBuf,
        /// The 0-based column asked for.
        column: usize,
        /// Columns in the file.
        columns: usize,
    },
    /// A target column asked for by name is not in the CSV file's header row (or the file
    /// has none).
    CsvNoSuchColumnName {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
        /// The header's names; empty when the file has no header row.
        header: Vec<String>,
    },
    /// Every column of the CSV file is a target, so no inputs are left.
    CsvNoInputColumns {
        /// The file.
        path: PathBuf,
        /// Columns in the file.
        columns: usize,
    },
    /// A file with no data rows.
    EmptyDataset {
        /// The file.
        path: PathBuf,
    },
    /// A value that is NaN or infinite where a data set needs finite numbers.
    NonFinite {
        /// Which matrix: `"inputs"` or `"targets"`.
        what: &'static str,
        /// Row (sample) of the value, 0-based.
        row: usize,
        /// Column within the row, 0-based.
        column: usize,
        /// The value.
        value: f32,
    },
    /// A validation fraction outside `0.0..=1.0`, or NaN.
    BadSplitFraction {
        /// The fraction asked for.
        fraction: f32,
    },
    /// More classes than one-hot encoding accepts ([`MAX_CLASSES`](super::MAX_CLASSES)).
    TooManyClasses {
        /// Classes asked for.
        classes: usize,
        /// The largest number accepted.
        max: usize,
    },
    /// A matrix too large to allocate: its size overflows, or the allocator refused it.
    TooLarge {
        /// Which matrix, e.g. `"one-hot targets"`.
        what: &'static str,
        /// Rows it would have.
        rows: usize,
        /// Floats per row.
        row_len: usize,
    },
    /// A gzipped IDX file that decompresses to more bytes than its header calls for (read
    /// no further than one byte past them).
    GzipTrailingData {
        /// The file.
        path: PathBuf,
        /// Bytes the header calls for (after decompression).
        expected_bytes: usize,
    },
    /// A quoted CSV cell that runs over a line break: its closing quote is missing.
    CsvUnclosedQuote {
        /// The file.
        path: PathBuf,
        /// 1-based line where the cell starts.
        line: u64,
        /// 0-based column of the cell.
        column: usize,
    },
    /// A transform fitted on rows of one width, applied to rows of another.
    WidthMismatch {
        /// Features the transform was fitted on.
        expected: usize,
        /// Features per input row of the data set it was applied to.
        found: usize,
    },
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::Io { source, .. } | DataError::CorruptGzip { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_are_exposed_as_the_source() {
        let err = DataError::Io {
            path: "x.idx".into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "gone"),
        };
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("gone"));
        assert!(err.to_string().contains("x.idx"), "{err}");
    }
}
