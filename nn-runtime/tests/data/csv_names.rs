//! CSV by names: a header row detected, the target column by name, class names as labels.

use super::support::Scratch;
use nn_runtime::data::{CsvColumn, CsvData, CsvOptions, DataError, Dataset};

fn read(text: &str, options: CsvOptions) -> Result<CsvData, DataError> {
    let dir = Scratch::new("csv-names");
    Dataset::read_csv(dir.file("table.csv", text.as_bytes()), options)
}

#[test]
fn a_header_is_detected_by_a_cell_that_is_not_a_number() {
    let with = read(
        "a,b,y\n1,2,3\n4,5,6\n",
        CsvOptions::regression(2).detect_header(),
    )
    .unwrap();
    assert_eq!(
        with.header.as_deref(),
        Some(&["a".to_string(), "b".into(), "y".into()][..])
    );
    assert_eq!(with.dataset.targets, [3.0, 6.0]);
    let without = read("1,2,3\n4,5,6\n", CsvOptions::regression(2).detect_header()).unwrap();
    assert_eq!(
        (without.header, without.dataset.targets),
        (None, vec![3.0, 6.0])
    );
}

#[test]
fn the_target_column_is_found_by_its_name() {
    let data = read(
        "x, label ,z\n1,2,3\n4,0,6\n",
        CsvOptions::classes_named("label", 3),
    )
    .unwrap();
    assert_eq!(data.dataset.inputs, [1.0, 3.0, 4.0, 6.0]);
    assert_eq!(data.dataset.labels(), [2, 0]);
    let error = read("x,y\n1,2\n", CsvOptions::classes_named("label", 3)).unwrap_err();
    assert!(
        matches!(error, DataError::CsvNoSuchColumnName { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .ends_with("has no column named `label`; its header names `x`, `y`"),
        "{error}"
    );
    let headless = CsvOptions::classes_named("label", 3).with_header(false);
    let error = read("1,2\n", headless).unwrap_err();
    assert!(error.to_string().contains("has no header row"), "{error}");
}

#[test]
fn class_names_become_sorted_class_indices_and_are_kept() {
    let text = "w,animal\n1,dog\n2,cat\n3,dog\n4,emu\n";
    let data = read(
        text,
        CsvOptions::text_labels(CsvColumn::Name("animal".into())),
    )
    .unwrap();
    assert_eq!(
        data.class_names.as_deref(),
        Some(&["cat".to_string(), "dog".into(), "emu".into()][..])
    );
    assert_eq!(data.dataset.target_len, 3);
    assert_eq!(data.dataset.labels(), [1, 0, 1, 2]);
    assert_eq!(data.dataset.inputs, [1.0, 2.0, 3.0, 4.0]);
    // By index, with a detected header: the label column's text does not make a data row a
    // header.
    let by_index = CsvOptions::text_labels(CsvColumn::Index(1)).detect_header();
    let data = read("1,dog\n2,cat\n", by_index).unwrap();
    assert_eq!((data.header, data.dataset.labels()), (None, vec![1, 0]));
}
