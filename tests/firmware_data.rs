//! The firmware's data is consistent with the host: the committed weights, run by the host's
//! forward pass on the committed digits, give exactly the predictions the firmware must match
//! (`firmware/data/expected.bin`; the firmware compares itself to them under QEMU in CI).

mod support;

use support::{Cnn, DigitReader, Mlp, MnistResNet};

static MLP: Mlp = Mlp::from_le_bytes(include_bytes!("../firmware/data/mlp.bin"));
static CNN: Cnn = Cnn::from_le_bytes(include_bytes!("../firmware/data/cnn.bin"));
static LSTM: DigitReader = DigitReader::from_le_bytes(include_bytes!("../firmware/data/lstm.bin"));
static RESNET: MnistResNet =
    MnistResNet::from_le_bytes(include_bytes!("../firmware/data/resnet.bin"));
const DIGITS: &[u8] = include_bytes!("../firmware/data/digits.bin");
const LABELS: &[u8] = include_bytes!("../firmware/data/labels.bin");
const EXPECTED: &[u8] = include_bytes!("../firmware/data/expected.bin");

fn argmax(values: &[f32]) -> u8 {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best as u8
}

#[test]
fn host_predictions_on_the_firmware_digits_match_the_committed_expectations() {
    assert_eq!(DIGITS.len(), 784 * LABELS.len());
    let digits = LABELS.len();
    assert_eq!(EXPECTED.len(), 4 * digits);
    let (mut mlp_correct, mut cnn_correct, mut lstm_correct) = (0, 0, 0);
    let mut resnet_correct = 0;
    for (i, pixels) in DIGITS.chunks_exact(784).enumerate() {
        let image: [f32; 784] = std::array::from_fn(|p| pixels[p] as f32 / 255.0);
        let (mlp, cnn) = (argmax(&MLP.forward(&image)), argmax(&CNN.forward(&image)));
        assert_eq!(mlp, EXPECTED[i], "MLP, digit {i}");
        assert_eq!(cnn, EXPECTED[digits + i], "CNN, digit {i}");
        let lstm = argmax(&LSTM.forward(&image));
        assert_eq!(lstm, EXPECTED[2 * digits + i], "LSTM, digit {i}");
        lstm_correct += usize::from(lstm == LABELS[i]);
        let resnet = argmax(&RESNET.forward(&image));
        assert_eq!(resnet, EXPECTED[3 * digits + i], "ResNet, digit {i}");
        resnet_correct += usize::from(resnet == LABELS[i]);
        mlp_correct += usize::from(mlp == LABELS[i]);
        cnn_correct += usize::from(cnn == LABELS[i]);
    }
    // Trained weights, not noise: all four classify most of these digits.
    assert!(
        mlp_correct >= 85 && cnn_correct >= 85 && lstm_correct >= 85 && resnet_correct >= 85,
        "MLP {mlp_correct}/100, CNN {cnn_correct}/100, LSTM {lstm_correct}/100, \
         ResNet {resnet_correct}/100"
    );
}
