//! Data-parallel training (`FitConfig::threads`): a run with a fixed thread count is
//! bit-for-bit reproducible, and sharding each batch changes the rounding but not what the
//! network learns.

mod support;

use nn::{Adam, Dataset, FitConfig, History, Model, Network};
use support::{mnist, Mlp};

/// Trains a fresh `N` from seed 7 and returns it with its history.
fn train<N: Model>(
    fresh: fn(u64) -> Box<N>,
    data: &Dataset,
    epochs: usize,
    threads: usize,
) -> (Box<N>, History) {
    let mut model = fresh(7);
    let config = FitConfig::new(epochs, 32).seed(11).threads(threads).quiet();
    let history = model
        .fit(data, None, &mut Adam::new(1e-3), &config)
        .unwrap();
    (model, history)
}

/// Every epoch's training loss and accuracy, as bits (the timings differ between runs).
fn statistics(history: &History) -> Vec<(u32, Option<u32>)> {
    history
        .epochs
        .iter()
        .map(|e| (e.train.loss.to_bits(), e.train.accuracy.map(f32::to_bits)))
        .collect()
}

fn bits(params: &[f32]) -> Vec<u32> {
    params.iter().map(|p| p.to_bits()).collect()
}

#[test]
fn one_and_two_threads_reach_the_same_accuracy_and_two_threads_repeat_exactly() {
    let (train_set, test_set) = mnist();
    let (serial, _) = train(Mlp::new_boxed, &train_set, 3, 1);
    let (parallel, history) = train(Mlp::new_boxed, &train_set, 3, 2);
    let (again, history_again) = train(Mlp::new_boxed, &train_set, 3, 2);

    assert_eq!(bits(parallel.params()), bits(again.params()));
    assert_eq!(statistics(&history), statistics(&history_again));
    // Dense layers do all of the MLP's work, so the threads share each large GEMM instead
    // of each batch; every product is still summed in the same order, so two threads give
    // one thread's very bits.
    assert_eq!(bits(serial.params()), bits(parallel.params()));

    let accuracy = |m: &Mlp| m.evaluate(&test_set, 256).unwrap().accuracy.unwrap();
    let (one, two) = (accuracy(&serial), accuracy(&parallel));
    assert!(
        one >= 0.93 && two >= 0.93,
        "1 thread {one}, 2 threads {two}"
    );
    assert!(
        (one - two).abs() <= 0.012,
        "1 thread {one} vs 2 threads {two}: more than noise apart"
    );
}

nn::network! {
    /// Batch norm (per-shard statistics) and dropout (per-shard masks).
    struct Regularized {
        input: [1, 28, 28],
        conv2d(4, kernel = 3, padding = same), batch_norm, relu,
        max_pool2d(2),
        dropout(0.25),
        flatten,
        dense(10), softmax,
    }
}

#[test]
fn shards_of_uneven_size_with_batch_norm_and_dropout_repeat_exactly() {
    let (train_set, _) = mnist();
    let data = train_set.take(500);
    // 32 samples over 3 threads: shards of 10, 11 and 11; the last batch (20) of 6 and 7.
    let (first, history) = train(Regularized::new_boxed, &data, 1, 3);
    let (second, history_again) = train(Regularized::new_boxed, &data, 1, 3);
    assert_eq!(bits(first.params()), bits(second.params()));
    assert_eq!(statistics(&history), statistics(&history_again));
    let (serial, _) = train(Regularized::new_boxed, &data, 1, 1);
    assert_ne!(bits(serial.params()), bits(first.params()));
    assert!(history.epochs[0].train.loss.is_finite());
}

nn::network! {
    /// Recurrent layers keep no state across samples, so they shard like any other.
    struct SmallReader {
        input: [28 steps, 28],
        gru(16, return_sequences = true),
        lstm(16),
        dense(10), softmax,
    }
}

#[test]
fn a_recurrent_network_trains_data_parallel_and_repeats_exactly() {
    let (train_set, test_set) = mnist();
    let subset = train_set.take(3000);
    let (serial, _) = train(SmallReader::new_boxed, &subset, 2, 1);
    let (parallel, history) = train(SmallReader::new_boxed, &subset, 2, 2);
    let (again, history_again) = train(SmallReader::new_boxed, &subset, 2, 2);
    assert_eq!(bits(parallel.params()), bits(again.params()));
    assert_eq!(statistics(&history), statistics(&history_again));
    assert_ne!(bits(serial.params()), bits(parallel.params()));
    let accuracy = |m: &SmallReader| m.evaluate(&test_set, 256).unwrap().accuracy.unwrap();
    let (one, two) = (accuracy(&serial), accuracy(&parallel));
    assert!(
        one > 0.4 && (one - two).abs() < 0.05,
        "1 thread {one}, 2 threads {two}"
    );
}

nn::network! {
    /// A graph: a residual join with batch norm in its branch and a strided projection.
    struct SmallResidual {
        input: [1, 28, 28],
        conv2d(4, kernel = 3, stride = 2, padding = 1), relu as stem,
        conv2d(4, kernel = 3, padding = 1), batch_norm as branch,
        add(stem, branch), relu as block,
        conv2d(8, kernel = 3, stride = 2, padding = 1) as main,
        block -> conv2d(8, kernel = 1, stride = 2) as projection,
        add(main, projection), relu,
        flatten,
        dense(10), softmax,
    }
}

#[test]
fn a_graph_trains_data_parallel_and_repeats_exactly() {
    let (train_set, test_set) = mnist();
    let subset = train_set.take(2000);
    let (serial, _) = train(SmallResidual::new_boxed, &subset, 2, 1);
    let (parallel, history) = train(SmallResidual::new_boxed, &subset, 2, 2);
    let (again, history_again) = train(SmallResidual::new_boxed, &subset, 2, 2);
    assert_eq!(bits(parallel.params()), bits(again.params()));
    assert_eq!(statistics(&history), statistics(&history_again));
    assert_ne!(bits(serial.params()), bits(parallel.params()));
    let accuracy = |m: &SmallResidual| m.evaluate(&test_set, 256).unwrap().accuracy.unwrap();
    let (one, two) = (accuracy(&serial), accuracy(&parallel));
    assert!(
        one > 0.4 && (one - two).abs() < 0.05,
        "1 thread {one}, 2 threads {two}"
    );
}
