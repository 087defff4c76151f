// `quantized: Name` generates an int8 type beside the network: const-constructible from its
// parameter image (here all zero, as firmware would `include_bytes!` a real one), with its
// sizes as constants, and hygienic inside a `#[no_implicit_prelude]` module.

#![deny(warnings)]

#[no_implicit_prelude]
mod bare {
    ::nn::network! {
        pub struct Cnn {
            input: [3, 8, 8],
            quantized: CnnInt8,
            conv2d(4, kernel = 3, stride = 2, padding = same), relu6 as stem,
            depthwise_conv2d(kernel = 3, padding = same), relu,
            conv2d(4, kernel = 1) as branch,
            add(stem, branch), relu,
            global_avg_pool2d, dense(2), softmax,
        }
    }
}

static IMAGE: [u8; bare::CnnInt8::PARAM_BYTES] = [0; bare::CnnInt8::PARAM_BYTES];
static NET: bare::CnnInt8 = bare::CnnInt8::from_le_bytes(&IMAGE);

const _: () = assert!(bare::CnnInt8::SCRATCH_BYTES == 3 * 4 * 4 * 4);
const _: () = assert!(bare::CnnInt8::INPUT_LEN == 3 * 8 * 8 && bare::CnnInt8::OUTPUT_LEN == 2);

fn main() {
    let _ = NET.input_quantization();
    let _ = bare::Cnn::new(1);
}
