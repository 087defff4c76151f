//! Int8 single-sample inference: the f32 plan's liveness at one byte per element, every
//! step out of place (an activation folded into its producer is no step at all).

use super::steps::{Kind, Step};
use super::{conv_shape, field, pool_shape};
use crate::expand::sample::{plan_with, Plan, Step as PlanStep};
use crate::expand::{input_len, lit, output_len, rt};
use crate::ir::{Layer, Network};
use nn_runtime::layers::SamplePass;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

/// How int8 inference runs a layer: a folded activation and a flatten move nothing.
fn int8_pass(layer: &Layer) -> SamplePass {
    match layer.keyword {
        "relu" | "relu6" | "flatten" => SamplePass::Identity,
        _ => SamplePass::OutOfPlace,
    }
}

pub fn plan(net: &Network) -> Plan {
    plan_with(net, &int8_pass)
}

fn step_code(net: &Network, plan: &Plan, number: usize, step: &Step<'_>) -> TokenStream {
    let rt = rt();
    let index = step.index;
    let layer = step.layer;
    let node = index + 1;
    let out = plan.loc(node);
    let out_len = lit(plan.storages[plan.node_storage[node]].len);
    let in_len = lit(plan.storages[plan.node_storage[layer.inputs[0]]].len);
    let ins: Vec<TokenStream> = layer.inputs.iter().map(|&n| plan.loc(n)).collect();
    let io =
        quote!(#rt::sample_io(&input[..], &mut *activations, &mut output[..], [#(#ins),*], #out));
    let f = field(step);
    let span = layer.span;
    let run = match plan.steps[index] {
        PlanStep::Alias => quote!(),
        PlanStep::Copy => {
            quote!({ let ([x], y) = #io; y[..#out_len].copy_from_slice(&x[..#in_len]); })
        }
        _ => {
            let call = match &step.kind {
                Kind::Conv2d(g) => {
                    let shape = conv_shape(g);
                    quote!(self.#f.conv2d(&#shape, x, y))
                }
                Kind::DepthwiseConv2d(g) => {
                    let shape = conv_shape(g);
                    quote!(self.#f.depthwise_conv2d(&#shape, x, y))
                }
                Kind::Dense { .. } => quote!(self.#f.fully_connected(x, y)),
                Kind::AvgPool2d(g) => {
                    let shape = pool_shape(g);
                    quote!(self.#f.avg_pool2d(&#shape, x, y))
                }
                Kind::MaxPool2d(g) => {
                    let shape = pool_shape(g);
                    quote!(#rt::int8::max_pool2d(&#shape, self.#f.min, self.#f.max, x, y))
                }
                Kind::Softmax { depth } => {
                    let depth = lit(*depth);
                    quote!(#rt::int8::softmax(&self.#f, #depth, x, y))
                }
                Kind::Add => {
                    quote_spanned!(span=> { let ([a, b], y) = #io; #rt::int8::add(&self.#f, a, b, &mut y[..#out_len]); })
                }
                Kind::Flatten => quote!(y.copy_from_slice(x)),
            };
            if let Kind::Add = step.kind {
                call
            } else {
                quote_spanned!(span=> { let ([x], y) = #io; let (x, y) = (&x[..#in_len], &mut y[..#out_len]); #call; })
            }
        }
    };
    // The step's final output: its own node, or that of the activation folded into it.
    let seen = plan.loc(step.node(net));
    let number = lit(number);
    quote! {
        #run
        inspect(#number, #rt::sample_view(&input[..], &*activations, &output[..], #seen));
    }
}

pub fn expand(net: &Network, steps: &[Step<'_>]) -> TokenStream {
    let plan = plan(net);
    let core = crate::expand::core();
    let super::super::Primitives { usize, .. } = crate::expand::primitives();
    let i8 = quote!(#core::primitive::i8);
    let (in_len, out_len, scratch) = (
        lit(input_len(net)),
        lit(output_len(net)),
        lit(plan.activations),
    );
    let mut body: Vec<TokenStream> = steps
        .iter()
        .enumerate()
        .map(|(number, step)| step_code(net, &plan, number, step))
        .collect();
    if plan.node_storage[net.layers.len()] == 0 {
        // Only reshaping layers: the output is the input.
        body.push(quote!(output.copy_from_slice(&input[..]);));
    }
    quote! {
        /// Bytes of scratch memory a forward pass needs besides its input and output: the
        /// most int8 activations alive at once. `forward` keeps it on the stack.
        pub const SCRATCH_BYTES: #usize = #scratch;

        /// Inference on one sample. Allocates nothing; keeps `SCRATCH_BYTES` on the stack.
        pub fn forward(&self, input: &[#i8; #in_len]) -> [#i8; #out_len] {
            let mut scratch = [0i8; #scratch];
            let mut output = [0i8; #out_len];
            self.forward_into(input, &mut scratch, &mut output);
            output
        }

        /// Inference on one sample with caller-provided scratch memory (e.g. a `static`
        /// buffer on a microcontroller).
        pub fn forward_into(&self, input: &[#i8; #in_len], scratch: &mut [#i8; #scratch], output: &mut [#i8; #out_len]) {
            self.forward_inspect(input, scratch, output, |_, _| {});
        }

        /// [`Self::forward_into`], showing `inspect` each step's output as it is computed:
        /// step `k` of `QuantizedNetwork::LAYERS` (an activation folded into a step is
        /// part of its output).
        #[allow(unused_variables, unused_mut)]
        pub fn forward_inspect<F: #core::ops::FnMut(#usize, &[#i8])>(&self, input: &[#i8; #in_len], scratch: &mut [#i8; #scratch], output: &mut [#i8; #out_len], mut inspect: F) {
            let activations = &mut scratch[..];
            #(#body)*
        }
    }
}
