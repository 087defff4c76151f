//! One-hot encoding and the scalers: fitted on training data, applied to test data.

use nn_runtime::data::{one_hot, DataError, Dataset, MinMaxScaler, Standardizer};

/// Rows `[x, 10 + 3x, 7]` for the given `x`s; the last feature is constant.
fn features(xs: &[f32]) -> Dataset {
    let inputs = xs.iter().flat_map(|&x| [x, 10.0 + 3.0 * x, 7.0]).collect();
    Dataset::new(inputs, vec![0.0; xs.len()], 3, 1).expect("valid shape")
}

fn column(d: &Dataset, j: usize) -> Vec<f32> {
    (0..d.len()).map(|i| d.input(i)[j]).collect()
}

#[test]
fn one_hot_encodes_and_rejects_out_of_range_labels() {
    assert_eq!(
        one_hot(&[1u8, 0], 2).expect("in range"),
        [0.0, 1.0, 1.0, 0.0]
    );
    assert_eq!(one_hot(&[2usize], 3).expect("in range"), [0.0, 0.0, 1.0]);
    let err = one_hot(&[0usize, 1, 5], 5).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::LabelOutOfRange {
                path: None,
                index: 2,
                label: 5,
                classes: 5
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("label 5 at index 2 is out of range"),
        "{err}"
    );
    assert!(matches!(one_hot::<u8>(&[], 0), Err(DataError::NoClasses)));
}

#[test]
fn standardizer_gives_zero_mean_unit_std_on_training_data() {
    let mut train = features(&[1.0, 2.0, 3.0, 4.0, 10.0]);
    let s = Standardizer::fit(&train);
    assert_eq!(s.mean, [4.0, 22.0, 7.0]);
    assert_eq!(s.std[2], 1.0, "a constant feature keeps std 1");
    s.apply(&mut train).expect("same width");
    for j in 0..3 {
        let col = column(&train, j);
        let mean = col.iter().sum::<f32>() / col.len() as f32;
        let var = col.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / col.len() as f32;
        assert!(mean.abs() < 1e-6, "feature {j} mean {mean}");
        let expected_var = if j == 2 { 0.0 } else { 1.0 };
        assert!(
            (var - expected_var).abs() < 1e-5,
            "feature {j} variance {var}"
        );
    }
}

#[test]
fn standardizer_uses_training_statistics_on_test_data() {
    let train = features(&[1.0, 2.0, 3.0, 4.0, 10.0]);
    let s = Standardizer::fit(&train);
    let mut test = features(&[4.0, 4.0 + s.std[0]]);
    s.apply(&mut test).expect("same width");
    assert!(column(&test, 0)
        .iter()
        .zip([0.0, 1.0])
        .all(|(x, e)| (x - e).abs() < 1e-6));
    assert_eq!(column(&test, 2), [0.0, 0.0]);
}

#[test]
fn scalers_refuse_data_of_another_width() {
    let s = Standardizer::fit(&features(&[1.0, 2.0]));
    let mut narrow = Dataset::new(vec![1.0, 2.0], vec![0.0], 2, 1).expect("valid shape");
    let err = s.apply(&mut narrow).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::WidthMismatch {
                expected: 3,
                found: 2
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("fitted on rows of 3 features"),
        "{err}"
    );
    assert_eq!(narrow.inputs, [1.0, 2.0], "nothing changed");
    let m = MinMaxScaler::fit(&features(&[1.0]));
    assert!(matches!(
        m.apply(&mut narrow),
        Err(DataError::WidthMismatch { .. })
    ));
}

#[test]
fn min_max_scaler_maps_training_data_onto_the_unit_interval() {
    let mut train = features(&[-2.0, 0.0, 6.0]);
    let m = MinMaxScaler::fit(&train);
    m.apply(&mut train).expect("same width");
    assert_eq!(column(&train, 0), [0.0, 0.25, 1.0]);
    assert_eq!(column(&train, 1), [0.0, 0.25, 1.0]);
    assert_eq!(column(&train, 2), [0.0, 0.0, 0.0]);
    let mut test = features(&[10.0]);
    m.apply(&mut test).expect("same width");
    assert_eq!(test.input(0)[0], 1.5, "test data uses the training range");
}

#[test]
fn fitting_an_empty_data_set_is_harmless() {
    let empty = Dataset::new(vec![], vec![], 2, 1).expect("valid shape");
    let s = Standardizer::fit(&empty);
    assert_eq!((s.mean, s.std), (vec![0.0; 2], vec![1.0; 2]));
    assert_eq!(MinMaxScaler::fit(&empty).max, [1.0, 1.0]);
}
