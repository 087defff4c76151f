//! The seed essay's CNN, trained as its Keras original is, with the Keras conveniences:
//! sparse integer labels, a validation split, early stopping on the validation loss with the
//! best weights restored, and a cosine learning-rate schedule. Prints the test accuracy and
//! writes `curves.png` (loss and accuracy per epoch) and `confusion.png`.
//!
//! ```python
//! model = Sequential([
//!     Conv2D(32, 3, activation='relu', input_shape=(28, 28, 1)),
//!     Conv2D(64, 3, activation='relu'), MaxPooling2D(2),
//!     Conv2D(64, 3, activation='relu'), MaxPooling2D(2),
//!     Conv2D(32, 3, activation='relu'), MaxPooling2D(2),
//!     Flatten(), Dense(128, activation='relu'), Dense(10, activation='softmax')])
//! model.compile(loss='sparse_categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
//! model.fit(x, y, epochs=10, batch_size=32, validation_split=0.1, callbacks=[
//!     EarlyStopping(monitor='val_loss', patience=3, restore_best_weights=True),
//!     LearningRateScheduler(CosineDecay(1e-3, 10))])
//! ```
//!
//! Run with `cargo run --release --example 08-seed-cnn [DATA_DIR] [EPOCHS] [SEED]` (defaults:
//! `data/mnist`, 10, 42: the seed of the initial weights and of the shuffling).

use nn::callbacks::{Callback, EarlyStopping, LearningRateScheduler, Monitor, Schedule};
use nn::data::MnistSplit;
use nn::metrics::ConfusionMatrix;
use nn::{Adam, Dataset, FitConfig, Model};

include!("../models/seed_cnn.rs");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist").to_string());
    // The recipe trains 10 epochs; fewer give a quick run of the same program (a test's).
    let epochs: usize = match args.next() {
        Some(text) => text
            .parse()
            .map_err(|_| format!("EPOCHS must be a whole number, found `{text}`"))?,
        None => 10,
    };
    let seed: u64 = match args.next() {
        Some(text) => text
            .parse()
            .map_err(|_| format!("SEED must be a whole number, found `{text}`"))?,
        None => 42,
    };
    // Class indices, as `sparse_categorical_crossentropy` takes them: no one-hot copy.
    let train = Dataset::mnist(&dir, MnistSplit::Train)?.to_class_indices();
    let test = Dataset::mnist(&dir, MnistSplit::Test)?.to_class_indices();
    println!(
        "{} training and {} test digits from {dir}\n",
        train.len(),
        test.len()
    );
    print!("{}", SeedCnn::SUMMARY);

    let mut model = SeedCnn::new_boxed(seed);
    let mut stopping = EarlyStopping::new(Monitor::ValLoss)
        .patience(3)
        .restore_best_weights(true);
    let mut cosine = LearningRateScheduler::new(Schedule::Cosine {
        epochs,
        min_lr: 0.0,
    });
    let callbacks: &mut [&mut dyn Callback] = &mut [&mut cosine, &mut stopping];
    let config = FitConfig::new(epochs, 32).seed(seed).validation_split(0.1);
    let history = model.fit_with(&train, None, &mut Adam::new(1e-3), &config, callbacks)?;
    print!("\n{history}");

    let result = model.evaluate(&test, 256)?;
    println!(
        "\ntest accuracy: {:.2}% (loss {:.4}; best epoch {})",
        100.0 * result.accuracy.unwrap_or(0.0),
        result.loss,
        stopping.best_epoch().unwrap_or(0)
    );
    let classes = model.predict_classes(&test.inputs)?;
    let matrix = ConfusionMatrix::new(10, &test.labels(), &classes)?;
    nn::plot::plot_history(&history, "curves.png")?;
    nn::plot::plot_confusion(&matrix, None, "confusion.png")?;
    println!("wrote curves.png and confusion.png");
    Ok(())
}
