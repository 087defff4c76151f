//! CSV loading: header or not, class or regression targets, and every malformed case.

use super::support::Scratch;
use nn_runtime::data::{CsvOptions, CsvTarget, DataError, Dataset};

fn load(text: &str, options: CsvOptions) -> Result<Dataset, DataError> {
    let dir = Scratch::new("csv");
    Dataset::from_csv(dir.file("table.csv", text.as_bytes()), options)
}

#[test]
fn a_class_column_is_one_hot_and_the_rest_are_inputs() {
    let text = "sepal,class,petal\n1.5, 2, -3\n0,0,4e2\n";
    let d = load(text, CsvOptions::classes(1, 3).with_header(true)).expect("valid CSV");
    assert_eq!((d.len(), d.input_len, d.target_len), (2, 2, 3));
    assert_eq!(d.inputs, [1.5, -3.0, 0.0, 400.0]);
    assert_eq!(d.targets, [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    assert_eq!(d.labels(), [2, 0]);
}

#[test]
fn without_a_header_the_first_row_is_data() {
    let d = load("1,2,3\n4,5,6", CsvOptions::regression(2)).expect("valid CSV");
    assert_eq!(d.inputs, [1.0, 2.0, 4.0, 5.0]);
    assert_eq!(d.targets, [3.0, 6.0]);
    let err = load("x,y,z\n4,5,6", CsvOptions::regression(2)).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::CsvNotANumber {
                line: 1,
                column: 0,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn several_regression_columns_keep_the_order_given() {
    let options = CsvOptions::new(CsvTarget::Columns(vec![3, 0, 3])).with_delimiter(b';');
    let d = load("1;2;3;4\n5;6;7;8\n", options).expect("valid CSV");
    assert_eq!((d.input_len, d.target_len), (2, 2));
    assert_eq!(d.inputs, [2.0, 3.0, 6.0, 7.0]);
    assert_eq!(d.targets, [4.0, 1.0, 8.0, 5.0]);
}

#[test]
fn class_labels_may_be_written_as_whole_floats() {
    let d = load("0.5,1.0\n0.25,0\n", CsvOptions::classes(1, 2)).expect("valid CSV");
    assert_eq!(d.labels(), [1, 0]);
}

#[test]
fn a_non_numeric_cell_names_line_and_column() {
    let err = load(
        "a,b\n1,2\n3,oops\n",
        CsvOptions::regression(0).with_header(true),
    );
    let err = err.unwrap_err();
    assert!(
        matches!(
            err,
            DataError::CsvNotANumber {
                line: 3,
                column: 1,
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("table.csv line 3, column 1"), "{msg}");
    assert!(
        msg.contains("expected a finite number, found \"oops\""),
        "{msg}"
    );
    let err = load("1,\n", CsvOptions::regression(0)).unwrap_err();
    assert!(err.to_string().contains("found an empty cell"), "{err}");
    let err = load("1,NaN\n", CsvOptions::regression(0)).unwrap_err();
    assert!(matches!(err, DataError::CsvNotANumber { .. }), "{err:?}");
}

#[test]
fn a_ragged_row_names_its_line() {
    let err = load(
        "a,b,c\n1,2,3\n4,5\n",
        CsvOptions::regression(0).with_header(true),
    );
    let err = err.unwrap_err();
    assert!(
        matches!(
            err,
            DataError::CsvRagged {
                line: 3,
                expected: 3,
                found: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("line 3: expected 3 fields"),
        "{err}"
    );
    let err = load("a,b\n1,2,3\n", CsvOptions::regression(0).with_header(true)).unwrap_err();
    assert!(matches!(
        err,
        DataError::CsvRagged {
            line: 2,
            expected: 2,
            found: 3,
            ..
        }
    ));
}

#[test]
fn bad_class_labels_are_errors() {
    for (cell, text) in [
        ("3", "1,3\n"),
        ("-1", "1,-1\n"),
        ("1.5", "1,1.5\n"),
        ("cat", "1,cat\n"),
    ] {
        let err = load(text, CsvOptions::classes(1, 3)).unwrap_err();
        assert!(
            matches!(
                err,
                DataError::CsvBadClass {
                    line: 1,
                    column: 1,
                    classes: 3,
                    ..
                }
            ),
            "{cell}: {err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("expected a class label in 0..3") && msg.contains(cell),
            "{msg}"
        );
    }
}

#[test]
fn empty_and_header_only_files_have_no_rows() {
    for text in ["", "a,b\n", "\n\n"] {
        let err = load(text, CsvOptions::regression(0).with_header(true)).unwrap_err();
        assert!(
            matches!(err, DataError::EmptyDataset { .. }),
            "{text:?}: {err:?}"
        );
        assert!(err.to_string().contains("no data rows"), "{err}");
    }
}

#[test]
fn target_columns_must_exist_and_leave_inputs() {
    let err = load("1,2\n", CsvOptions::regression(2)).unwrap_err();
    assert!(matches!(
        err,
        DataError::CsvNoSuchColumn {
            column: 2,
            columns: 2,
            ..
        }
    ));
    assert!(
        err.to_string().contains("target column 2 does not exist"),
        "{err}"
    );
    let err = load("1,2\n", CsvOptions::new(CsvTarget::Columns(vec![0, 1]))).unwrap_err();
    assert!(
        matches!(err, DataError::CsvNoInputColumns { columns: 2, .. }),
        "{err:?}"
    );
    let err = load("1,2\n", CsvOptions::classes(1, 0)).unwrap_err();
    assert!(matches!(err, DataError::NoClasses), "{err:?}");
}

#[test]
fn invalid_utf8_and_missing_files_are_errors() {
    let dir = Scratch::new("csv-bytes");
    let path = dir.file("bad.csv", b"1,2\n\xff\xfe,3\n");
    let err = Dataset::from_csv(&path, CsvOptions::regression(1)).unwrap_err();
    assert!(
        matches!(err, DataError::CsvParse { line: Some(2), .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("bad.csv"), "{err}");
    let err = Dataset::from_csv(dir.path().join("none.csv"), CsvOptions::regression(0));
    assert!(matches!(err, Err(DataError::Io { .. })), "{err:?}");
}
