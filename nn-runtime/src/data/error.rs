//! What can be wrong with a data file.
//!
//! Every variant carries the facts its message needs: the file, what was expected and what was
//! found, and (for text files) the line and column.

use std::path::{Path, PathBuf};

use super::describe::{describe_cell, describe_magic};
use super::DataShapeError;

/// A data file that could not be read, or whose contents are malformed, or a data set whose
/// shape does not fit the operation asked of it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// Flat matrices that do not split into rows, or inputs and targets that do not pair up.
    #[error(transparent)]
    DataShape(#[from] DataShapeError),
    /// A file could not be opened or read.
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A file starts like gzip but does not decompress.
    #[error(
        "{} starts like a gzip file but does not decompress ({source}); the download is \
         probably damaged, fetch it again",
        .path.display()
    )]
    CorruptGzip {
        /// The file.
        path: PathBuf,
        /// What the decompressor said.
        source: std::io::Error,
    },
    /// An IDX file whose first four bytes are not the expected magic number.
    #[error(
        "{} is not the expected IDX file: expected magic number {expected:#010x} ({}), found \
         {found:#010x} ({})",
        .path.display(),
        describe_magic(*.expected),
        describe_magic(*.found)
    )]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The magic number this reader accepts.
        expected: u32,
        /// The first four bytes of the (decompressed) file, big-endian.
        found: u32,
    },
    /// An IDX file shorter than its header says it is.
    #[error(
        "{} is truncated: its IDX header calls for {expected_bytes} bytes, but only \
         {found_bytes} are present; the download is incomplete, fetch it again",
        .path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Bytes the header calls for (after decompression).
        expected_bytes: usize,
        /// Bytes present (after decompression).
        found_bytes: usize,
    },
    /// An IDX file longer than its header says it is.
    #[error(
        "{} has {} unexpected trailing bytes: its IDX header calls for {expected_bytes} \
         bytes, but {found_bytes} are present",
        .path.display(),
        .found_bytes.saturating_sub(*.expected_bytes)
    )]
    TrailingBytes {
        /// The file.
        path: PathBuf,
        /// Bytes the header calls for (after decompression).
        expected_bytes: usize,
        /// Bytes present (after decompression).
        found_bytes: usize,
    },
    /// An IDX header whose dimensions multiply past what this machine can address.
    #[error(
        "{} declares dimensions {dims:?}, whose product is too large to address; the \
         header is corrupt",
        .path.display()
    )]
    DimsTooLarge {
        /// The file.
        path: PathBuf,
        /// The dimensions the header declares.
        dims: Vec<u32>,
    },
    /// An image file and a label file that hold different numbers of samples.
    #[error(
        "{} holds {images} images but {} holds {labels} labels; expected one label per \
         image (are the files from the same split?)",
        .images_path.display(),
        .labels_path.display()
    )]
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
    #[error(
        "label {label} at index {index}{} is out of range: expected a class in 0..{classes}",
        of_file(.path.as_deref())
    )]
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
    #[error("one-hot encoding needs at least one class, but 0 were given")]
    NoClasses,
    /// One of the standard MNIST files is in neither its gzipped nor its plain form.
    #[error(
        "neither {file}.gz nor {file} is in {}; download the four MNIST files \
         (train/test images/labels) into that directory",
        .dir.display()
    )]
    MnistFileMissing {
        /// The directory searched.
        dir: PathBuf,
        /// The file name looked for (its `.gz` form was tried first).
        file: &'static str,
    },
    /// A CSV file the `csv` parser rejects (for instance, invalid UTF-8).
    #[error("cannot parse {}{}: {message}", .path.display(), at_line(*.line))]
    CsvParse {
        /// The file.
        path: PathBuf,
        /// 1-based line, when the parser knows it.
        line: Option<u64>,
        /// What the parser said.
        message: String,
    },
    /// A CSV row with a different number of fields than the first row (header or data).
    #[error(
        "{} line {line}: expected {expected} fields (as in the first row), found {found}; \
         every row needs the same columns",
        .path.display()
    )]
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
    #[error(
        "{} line {line}, column {column} (0-based): expected a finite number, found {}",
        .path.display(),
        describe_cell(.cell, *.cell_bytes)
    )]
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
    #[error(
        "{} line {line}, column {column} (0-based): expected a class label in \
         0..{classes}, found {}",
        .path.display(),
        describe_cell(.cell, *.cell_bytes)
    )]
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
    #[error(
        "{} has {columns} columns (0..{columns}), so target column {column} does not \
         exist; columns count from 0",
        .path.display()
    )]
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
    #[error("{}", no_such_column_name(.path, .name, .header))]
    CsvNoSuchColumnName {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
        /// The header's names; empty when the file has no header row.
        header: Vec<String>,
    },
    /// Every column of the CSV file is a target, so no inputs are left.
    #[error(
        "all {columns} columns of {} are targets, so no input columns are left",
        .path.display()
    )]
    CsvNoInputColumns {
        /// The file.
        path: PathBuf,
        /// Columns in the file.
        columns: usize,
    },
    /// A file with no data rows.
    #[error("{} holds no data rows; expected at least one", .path.display())]
    EmptyDataset {
        /// The file.
        path: PathBuf,
    },
    /// A value that is NaN or infinite where a data set needs finite numbers.
    #[error(
        "{what} row {row}, column {column} (0-based) is {value}; expected a finite number \
         (clean or drop the sample)"
    )]
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
    #[error("the validation fraction is {fraction}; expected a number in 0.0..=1.0")]
    BadSplitFraction {
        /// The fraction asked for.
        fraction: f32,
    },
    /// More classes than one-hot encoding accepts ([`MAX_CLASSES`](super::MAX_CLASSES)).
    #[error("{classes} classes were asked for; one-hot encoding accepts at most {max}")]
    TooManyClasses {
        /// Classes asked for.
        classes: usize,
        /// The largest number accepted.
        max: usize,
    },
    /// A matrix too large to allocate: its size overflows, or the allocator refused it.
    #[error("{what} of {rows} rows of {row_len} floats are too large to allocate")]
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
    #[error(
        "{} decompresses to more than the {expected_bytes} bytes its IDX header calls for; \
         expected the data to end there (extra data or a second gzip member)",
        .path.display()
    )]
    GzipTrailingData {
        /// The file.
        path: PathBuf,
        /// Bytes the header calls for (after decompression).
        expected_bytes: usize,
    },
    /// A quoted CSV cell that runs over a line break: its closing quote is missing.
    #[error(
        "{} line {line}, column {column} (0-based): a quoted cell runs over a line break; \
         expected a closing quote before the end of the line",
        .path.display()
    )]
    CsvUnclosedQuote {
        /// The file.
        path: PathBuf,
        /// 1-based line where the cell starts.
        line: u64,
        /// 0-based column of the cell.
        column: usize,
    },
    /// A transform fitted on rows of one width, applied to rows of another.
    #[error(
        "the transform was fitted on rows of {expected} features but is applied to rows of \
         {found}; fit and apply it to data sets of the same layout"
    )]
    WidthMismatch {
        /// Features the transform was fitted on.
        expected: usize,
        /// Features per input row of the data set it was applied to.
        found: usize,
    },
}

/// ` of FILE` when the label came from a file.
fn of_file(path: Option<&Path>) -> String {
    path.map_or_else(String::new, |path| format!(" of {}", path.display()))
}

/// ` at line N` when the parser knows the line.
fn at_line(line: Option<u64>) -> String {
    line.map_or_else(String::new, |line| format!(" at line {line}"))
}

/// Why a target column named `name` is not in `path`, listing the names there are.
fn no_such_column_name(path: &Path, name: &str, header: &[String]) -> String {
    if header.is_empty() {
        return format!(
            "{} has no header row, so target column `{name}` cannot be found by name; \
             declare or detect the header (CsvOptions::with_header, detect_header)",
            path.display()
        );
    }
    let names = header
        .iter()
        .map(|column| format!("`{column}`"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{} has no column named `{name}`; its header names {names}",
        path.display()
    )
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
