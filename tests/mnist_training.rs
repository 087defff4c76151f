//! The MNIST MLP of BENCHMARKS.md, trained as `examples/02-mnist-mlp.rs` trains it, must
//! reach at least 94% on the 1,000 test digits.

use nn::data::MnistSplit;
use nn::{Adam, Dataset, FitConfig, Model};

nn::network! {
    struct Mlp {
        input: [784],
        dense(128), relu,
        dense(64), relu,
        dense(10), softmax,
    }
}

#[test]
fn mlp_reaches_94_percent_in_5_epochs_of_adam() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
    let train = Dataset::mnist(dir, MnistSplit::Train).unwrap();
    let test = Dataset::mnist(dir, MnistSplit::Test).unwrap();
    let mut model = Mlp::new_boxed(42);
    let config = FitConfig::new(5, 32).seed(42).quiet();
    let history = model
        .fit(&train, None, &mut Adam::new(1e-3), &config)
        .unwrap();

    let losses: Vec<f32> = history.epochs.iter().map(|e| e.train.loss).collect();
    assert!(
        losses.windows(2).all(|w| w[1] < w[0]),
        "training loss should fall every epoch: {losses:?}"
    );
    let accuracy = model.evaluate(&test, 256).unwrap().accuracy.unwrap();
    assert!(
        accuracy >= 0.94,
        "test accuracy {:.2}% is below 94%",
        100.0 * accuracy
    );
}
