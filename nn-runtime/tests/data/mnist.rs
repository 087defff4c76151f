//! The MNIST subset shipped in `data/mnist` loads with the expected shape and ranges.

use std::path::PathBuf;

use nn_runtime::data::{Dataset, MnistSplit};

fn mnist_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/mnist")
}

fn check(d: &Dataset, rows: usize) {
    assert_eq!((d.len(), d.input_len, d.target_len), (rows, 784, 10));
    assert_eq!(d.inputs.len(), rows * 784);
    assert!(
        d.inputs.iter().all(|x| (0.0..=1.0).contains(x)),
        "pixel outside [0, 1]"
    );
    let max = d.inputs.iter().copied().fold(0.0, f32::max);
    assert_eq!(max, 1.0, "pixels should reach 255/255");
    for i in 0..d.len() {
        let row = d.target(i);
        assert_eq!(
            row.iter().sum::<f32>(),
            1.0,
            "row {i} is not one-hot: {row:?}"
        );
        assert!(row.iter().all(|&t| t == 0.0 || t == 1.0));
    }
    let mut seen = [0usize; 10];
    d.labels().iter().for_each(|&l| seen[l] += 1);
    assert!(
        seen.iter().all(|&n| n > rows / 20),
        "implausible class counts {seen:?}"
    );
}

#[test]
fn real_mnist_training_split_loads() {
    let d = Dataset::mnist(mnist_dir(), MnistSplit::Train).expect("data/mnist train loads");
    check(&d, 8_000);
}

#[test]
fn real_mnist_test_split_loads() {
    let d = Dataset::mnist(mnist_dir(), MnistSplit::Test).expect("data/mnist test loads");
    check(&d, 1_000);
}
