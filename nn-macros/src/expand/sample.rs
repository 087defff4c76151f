//! Single-sample inference: fixed-size arrays, no heap. Dense layers write to one of two
//! scratch buffers (A and B) in turn, the last one straight into the output; activations
//! work in place. The scratch size is thus known at compile time.

use super::{input_len, layer, lit, output_len};
use crate::ir::{element_count, Network};
use nn_runtime::layers::SamplePass;
use proc_macro2::TokenStream;
use quote::quote;

#[derive(Clone, Copy, PartialEq)]
enum Buffer {
    Input,
    A,
    B,
    Output,
}

/// Where each layer's output lives, and the largest width each scratch buffer holds.
struct Plan {
    /// Per layer: (buffer read, buffer written); equal for in-place layers.
    steps: Vec<(Buffer, Buffer)>,
    a_len: usize,
    b_len: usize,
}

fn plan(net: &Network) -> Plan {
    let last_out_of_place = net
        .layers
        .iter()
        .rposition(|l| l.sample_pass() == SamplePass::OutOfPlace);
    let mut plan = Plan {
        steps: Vec::new(),
        a_len: 0,
        b_len: 0,
    };
    let mut current = Buffer::Input;
    for (index, layer) in net.layers.iter().enumerate() {
        let width = element_count(&layer.output_shape);
        // A reshape or inference-mode dropout changes nothing in a flat buffer, even the input.
        let pass = layer.sample_pass();
        let in_place = pass != SamplePass::OutOfPlace;
        let next = if pass == SamplePass::Identity || (in_place && current != Buffer::Input) {
            current
        } else if last_out_of_place.is_none_or(|last| index >= last) {
            Buffer::Output
        } else if current == Buffer::A {
            Buffer::B
        } else {
            Buffer::A
        };
        match next {
            Buffer::A => plan.a_len = plan.a_len.max(width),
            Buffer::B => plan.b_len = plan.b_len.max(width),
            _ => {}
        }
        plan.steps.push((current, next));
        current = next;
    }
    plan
}

pub fn scratch_len(net: &Network) -> usize {
    let plan = plan(net);
    plan.a_len + plan.b_len + state_len(net)
}

/// Scratch for layers that keep state besides their output (a recurrent layer's gates).
fn state_len(net: &Network) -> usize {
    net.layers.iter().map(layer::state_len).max().unwrap_or(0)
}

pub fn expand(net: &Network) -> TokenStream {
    let name = &net.name;
    let super::Primitives { f32, .. } = super::primitives();
    let allow = super::impl_attrs(net);
    let plan = plan(net);
    let (in_len, out_len, a_len, b_len, scratch) = (
        lit(input_len(net)),
        lit(output_len(net)),
        lit(plan.a_len),
        lit(plan.b_len),
        lit(scratch_len(net)),
    );
    let mut current = Buffer::Input;
    let mut body = Vec::new();
    for (layer, &(from, to)) in net.layers.iter().zip(&plan.steps) {
        let width = element_count(&layer.output_shape);
        let input_width = element_count(&layer.input_shape);
        let call = if to == Buffer::Input {
            // Only an identity (flatten, inference-mode dropout) keeps the borrowed input.
            quote!()
        } else if layer.sample_pass() != SamplePass::OutOfPlace && from != to {
            // An in-place layer applied to the borrowed input: copy it out first.
            let (src, dst) = (read(from, input_width), write(to, width));
            let op = layer::sample_in_place(layer, dst.clone());
            quote!(#dst.copy_from_slice(#src); #op)
        } else if layer.sample_pass() != SamplePass::OutOfPlace {
            layer::sample_in_place(layer, write(to, width))
        } else {
            layer::sample_out_of_place(layer, read(from, input_width), write(to, width))
        };
        body.push(call);
        current = to;
    }
    if current == Buffer::Input {
        // Only reshaping layers: the output is the input.
        body.push(quote!(output.copy_from_slice(&input[..]);));
    }

    quote! {
        #(#allow)*
        impl #name {
            /// Inference on one sample. Allocates nothing; keeps `SCRATCH_BYTES` of scratch
            /// on the stack.
            pub fn forward(&self, input: &[#f32; #in_len]) -> [#f32; #out_len] {
                let mut scratch = [0.0f32; #scratch];
                let mut output = [0.0f32; #out_len];
                self.forward_into(input, &mut scratch, &mut output);
                output
            }

            /// Inference on one sample with caller-provided scratch memory (e.g. a `static`
            /// buffer on a microcontroller).
            #[allow(unused_variables)]
            pub fn forward_into(&self, input: &[#f32; #in_len], scratch: &mut [#f32; #scratch], output: &mut [#f32; #out_len]) {
                let (buffer_a, rest) = scratch.split_at_mut(#a_len);
                let (buffer_b, state) = rest.split_at_mut(#b_len);
                #(#body)*
            }
        }
    }
}

fn read(buffer: Buffer, width: usize) -> TokenStream {
    let width = lit(width);
    match buffer {
        Buffer::Input => quote!(&input[..]),
        Buffer::A => quote!(&buffer_a[..#width]),
        Buffer::B => quote!(&buffer_b[..#width]),
        Buffer::Output => quote!(&output[..]),
    }
}

fn write(buffer: Buffer, width: usize) -> TokenStream {
    let width = lit(width);
    match buffer {
        Buffer::Input => unreachable_input(),
        Buffer::A => quote!((&mut buffer_a[..#width])),
        Buffer::B => quote!((&mut buffer_b[..#width])),
        Buffer::Output => quote!((&mut output[..])),
    }
}

/// The plan never writes to the input; if it ever did, the generated code would not compile
/// (the input is a shared borrow), so this is a compile error, not a macro panic.
fn unreachable_input() -> TokenStream {
    quote!(input)
}
