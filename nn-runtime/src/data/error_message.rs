//! The messages of [`DataError`]: what was expected, what was found, where, and what to do.

use std::fmt;

use super::DataError;

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DataError::*;
        match self {
            RowMismatch { inputs, targets } => write!(
                f,
                "the data set has {inputs} input rows but {targets} target rows; \
                 every sample needs exactly one of each"
            ),
            PartialRow {
                what,
                floats,
                row_len: 0,
            } => write!(
                f,
                "{what} rows must hold at least one float, but a row length of 0 was given \
                 (for {floats} floats)"
            ),
            PartialRow {
                what,
                floats,
                row_len,
            } => write!(
                f,
                "{what} hold {floats} floats, which is not a whole number of rows of \
                 {row_len}; check the row length"
            ),
            Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            CorruptGzip { path, source } => write!(
                f,
                "{} starts like a gzip file but does not decompress ({source}); \
                 the download is probably damaged, fetch it again",
                path.display()
            ),
            BadMagic {
                path,
                expected,
                found,
            } => write!(
                f,
                "{} is not the expected IDX file: expected magic number {expected:#010x} ({}), \
                 found {found:#010x} ({})",
                path.display(),
                describe_magic(*expected),
                describe_magic(*found)
            ),
            Truncated {
                path,
                expected_bytes,
                found_bytes,
            } => write!(
                f,
                "{} is truncated: its IDX header calls for {expected_bytes} bytes, but only \
                 {found_bytes} are present; the download is incomplete, fetch it again",
                path.display()
            ),
            TrailingBytes {
                path,
                expected_bytes,
                found_bytes,
            } => write!(
                f,
                "{} has {} unexpected trailing bytes: its IDX header calls for \
                 {expected_bytes} bytes, but {found_bytes} are present",
                path.display(),
                found_bytes.saturating_sub(*expected_bytes)
            ),
            DimsTooLarge { path, dims } => write!(
                f,
                "{} declares dimensions {dims:?}, whose product is too large to address; \
                 the header is corrupt",
                path.display()
            ),
            CountMismatch {
                images_path,
                labels_path,
                images,
                labels,
            } => write!(
                f,
                "{} holds {images} images but {} holds {labels} labels; expected one label \
                 per image (are the files from the same split?)",
                images_path.display(),
                labels_path.display()
            ),
            LabelOutOfRange {
                path,
                index,
                label,
                classes,
            } => {
                write!(f, "label {label} at index {index}")?;
                if let Some(path) = path {
                    write!(f, " of {}", path.display())?;
                }
                write!(f, " is out of range: expected a class in 0..{classes}")
            }
            NoClasses => write!(
                f,
                "one-hot encoding needs at least one class, but 0 were given"
            ),
            MnistFileMissing { dir, file } => write!(
                f,
                "neither {file}.gz nor {file} is in {}; download the four MNIST files \
                 (train/test images/labels) into that directory",
                dir.display()
            ),
            CsvParse {
                path,
                line,
                message,
            } => {
                write!(f, "cannot parse {}", path.display())?;
                if let Some(line) = line {
                    write!(f, " at line {line}")?;
                }
                write!(f, ": {message}")
            }
            CsvRagged {
                path,
                line,
                expected,
                found,
            } => write!(
                f,
                "{} line {line}: expected {expected} fields (as in the first row), found {found}; \
                 every row needs the same columns",
                path.display()
            ),
            CsvNotANumber {
                path,
                line,
                column,
                cell,
                cell_bytes,
            } => write!(
                f,
                "{} line {line}, column {column} (0-based): expected a finite number, found {}",
                path.display(),
                describe_cell(cell, *cell_bytes)
            ),
            CsvBadClass {
                path,
                line,
                column,
                cell,
                cell_bytes,
                classes,
            } => write!(
                f,
                "{} line {line}, column {column} (0-based): expected a class label in \
                 0..{classes}, found {}",
                path.display(),
                describe_cell(cell, *cell_bytes)
            ),
            CsvNoSuchColumn {
                path,
                column,
                columns,
            } => write!(
                f,
                "{} has {columns} columns (0..{columns}), so target column {column} does not \
                 exist; columns count from 0",
                path.display()
            ),
            CsvNoSuchColumnName { path, name, header } if header.is_empty() => write!(
                f,
                "{} has no header row, so target column `{name}` cannot be found by name; \
                 declare or detect the header (CsvOptions::with_header, detect_header)",
                path.display()
            ),
            CsvNoSuchColumnName { path, name, header } => write!(
                f,
                "{} has no column named `{name}`; its header names {}",
                path.display(),
                header
                    .iter()
                    .map(|column| format!("`{column}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            CsvNoInputColumns { path, columns } => write!(
                f,
                "all {columns} columns of {} are targets, so no input columns are left",
                path.display()
            ),
            EmptyDataset { path } => write!(
                f,
                "{} holds no data rows; expected at least one",
                path.display()
            ),
            NonFinite {
                what,
                row,
                column,
                value,
            } => write!(
                f,
                "{what} row {row}, column {column} (0-based) is {value}; expected a finite \
                 number (clean or drop the sample)"
            ),
            BadSplitFraction { fraction } => write!(
                f,
                "the validation fraction is {fraction}; expected a number in 0.0..=1.0"
            ),
            TooManyClasses { classes, max } => write!(
                f,
                "{classes} classes were asked for; one-hot encoding accepts at most {max}"
            ),
            TooLarge {
                what,
                rows,
                row_len,
            } => write!(
                f,
                "{what} of {rows} rows of {row_len} floats are too large to allocate"
            ),
            GzipTrailingData {
                path,
                expected_bytes,
            } => write!(
                f,
                "{} decompresses to more than the {expected_bytes} bytes its IDX header calls \
                 for; expected the data to end there (extra data or a second gzip member)",
                path.display()
            ),
            CsvUnclosedQuote { path, line, column } => write!(
                f,
                "{} line {line}, column {column} (0-based): a quoted cell runs over a line \
                 break; expected a closing quote before the end of the line",
                path.display()
            ),
            WidthMismatch { expected, found } => write!(
                f,
                "the transform was fitted on rows of {expected} features but is applied to \
                 rows of {found}; fit and apply it to data sets of the same layout"
            ),
        }
    }
}

/// Names the element type and rank an IDX magic number stands for, or says it is not one.
fn describe_magic(magic: u32) -> String {
    let [zero_a, zero_b, type_code, rank] = magic.to_be_bytes();
    let element = match type_code {
        0x08 => "unsigned bytes",
        0x09 => "signed bytes",
        0x0B => "16-bit integers",
        0x0C => "32-bit integers",
        0x0D => "32-bit floats",
        0x0E => "64-bit floats",
        _ => return "not an IDX file".to_owned(),
    };
    if zero_a != 0 || zero_b != 0 {
        return "not an IDX file".to_owned();
    }
    let content = match (type_code, rank) {
        (0x08, 3) => ": images",
        (0x08, 1) => ": labels",
        _ => "",
    };
    let plural = if rank == 1 { "" } else { "s" };
    format!("{element}, {rank} dimension{plural}{content}")
}

/// Quotes a cell for a message, naming an empty one as such and saying how long a cut one
/// was.
fn describe_cell(cell: &str, cell_bytes: usize) -> String {
    if cell_bytes == 0 {
        "an empty cell".to_owned()
    } else if cell.len() < cell_bytes {
        format!("{cell:?}… (a cell of {cell_bytes} bytes)")
    } else {
        format!("{cell:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers_are_described() {
        assert_eq!(
            describe_magic(0x0803),
            "unsigned bytes, 3 dimensions: images"
        );
        assert_eq!(
            describe_magic(0x0801),
            "unsigned bytes, 1 dimension: labels"
        );
        assert_eq!(describe_magic(0x0D02), "32-bit floats, 2 dimensions");
        assert_eq!(describe_magic(0x1f8b_0800), "not an IDX file");
    }
}
