//! Single-sample inference: fixed-size arrays, no heap. Every tensor lives in the caller's
//! input, the caller's output, or the scratch memory, where tensors that are alive at the
//! same time never overlap and a tensor's place is reused once nothing reads it any more.
//! The scratch size is thus known at compile time: the peak of the activations alive at
//! once (a reshape or an in-place activation shares its input's place), plus the state of
//! the layer that needs the most (a recurrent layer's gates).

use super::{input_len, layer, lit, output_len, rt};
use crate::ir::{element_count, Layer, Network};
use nn_runtime::layers::SamplePass;
use proc_macro2::TokenStream;
use quote::quote;

#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Region {
    Input,
    Scratch,
    Output,
}

/// One place that one or more nodes share (a node and its in-place or reshaped successors).
pub(super) struct Storage {
    pub(super) region: Region,
    pub(super) len: usize,
    /// The layer step that writes it first, and the last that reads any node held in it.
    born: usize,
    dies: usize,
    pub(super) offset: usize,
}

/// How each layer runs, and where its output goes.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Step {
    /// Into its own new place.
    OutOfPlace,
    /// On its input's place, which it takes over.
    InPlace,
    /// Copy the input to a new place, then in place there.
    CopyThenInPlace,
    /// Nothing: the output is the input (a reshape, inference-mode dropout).
    Alias,
    /// A reshape whose output must be in the caller's output array: a copy.
    Copy,
}

pub struct Plan {
    /// Per node: the storage that holds it.
    pub(super) node_storage: Vec<usize>,
    pub(super) storages: Vec<Storage>,
    pub(super) steps: Vec<Step>,
    /// Elements of scratch the activations need (floats, or bytes for int8).
    pub activations: usize,
}

/// The last layer step that reads each node (`usize::MAX` for the network's output, which
/// the caller reads after the last step).
fn last_reads(net: &Network) -> Vec<usize> {
    let mut last = vec![0; net.layers.len() + 1];
    for (index, layer) in net.layers.iter().enumerate() {
        for &input in &layer.inputs {
            last[input] = last[input].max(index);
        }
    }
    last[net.layers.len()] = usize::MAX;
    last
}

fn readers(net: &Network) -> Vec<usize> {
    let mut readers = vec![0; net.layers.len() + 1];
    for layer in &net.layers {
        for &input in &layer.inputs {
            readers[input] += 1;
        }
    }
    readers
}

/// Nodes that can live in the caller's output array: the output, and going up from it each
/// node that an in-place or reshaping layer turns into the one below, read by nothing else.
fn in_output(net: &Network, pass: &dyn Fn(&Layer) -> SamplePass) -> Vec<bool> {
    let readers = readers(net);
    let mut inside = vec![false; net.layers.len() + 1];
    let mut node = net.layers.len();
    inside[node] = true;
    while node > 0 {
        let layer = &net.layers[node - 1];
        let input = layer.inputs[0];
        let shares = pass(layer) != SamplePass::OutOfPlace && layer.join().is_none();
        if !shares || input == 0 || readers[input] != 1 {
            break;
        }
        inside[input] = true;
        node = input;
    }
    inside
}

pub fn plan(net: &Network) -> Plan {
    plan_with(net, &Layer::sample_pass)
}

/// The plan when each layer runs as `pass` says (int8 inference runs other kernels than
/// f32's: in place nowhere, a folded activation as nothing at all).
pub(super) fn plan_with(net: &Network, pass: &dyn Fn(&Layer) -> SamplePass) -> Plan {
    let last = last_reads(net);
    let output_chain = in_output(net, pass);
    let width = |node: usize| {
        element_count(match node {
            0 => &net.input_shape,
            n => &net.layers[n - 1].output_shape,
        })
    };
    let mut storages = vec![Storage {
        region: Region::Input,
        len: width(0),
        born: 0,
        dies: usize::MAX,
        offset: 0,
    }];
    let mut node_storage = vec![0];
    let mut steps = Vec::new();
    let output_storage = output_chain[1..].iter().any(|&inside| inside).then(|| {
        storages.push(Storage {
            region: Region::Output,
            len: width(net.layers.len()),
            born: 0,
            dies: usize::MAX,
            offset: 0,
        });
        storages.len() - 1
    });
    for (index, layer) in net.layers.iter().enumerate() {
        let node = index + 1;
        let input = layer.inputs[0];
        let source = node_storage[input];
        let pass = if layer.join().is_some() {
            SamplePass::OutOfPlace
        } else {
            pass(layer)
        };
        let new_storage = |storages: &mut Vec<Storage>| -> usize {
            if output_chain[node] {
                return output_storage.unwrap_or(0);
            }
            storages.push(Storage {
                region: Region::Scratch,
                len: width(node),
                born: index,
                dies: last[node].max(index),
                offset: 0,
            });
            storages.len() - 1
        };
        let (step, storage) = match pass {
            SamplePass::Identity
                if output_chain[node] && storages[source].region != Region::Output =>
            {
                (Step::Copy, new_storage(&mut storages))
            }
            SamplePass::Identity => (Step::Alias, source),
            SamplePass::InPlace
                if match storages[source].region {
                    Region::Output => output_chain[node],
                    Region::Scratch => !output_chain[node] && storages[source].dies == index,
                    Region::Input => false,
                } =>
            {
                (Step::InPlace, source)
            }
            SamplePass::InPlace => (Step::CopyThenInPlace, new_storage(&mut storages)),
            SamplePass::OutOfPlace => (Step::OutOfPlace, new_storage(&mut storages)),
        };
        if storage == source && storages[storage].region == Region::Scratch {
            // The place now also holds this node: it lives until this node's last reader.
            storages[storage].dies = storages[storage].dies.max(last[node]);
        }
        node_storage.push(storage);
        steps.push(step);
    }
    let activations = place(&mut storages, &node_storage, net);
    Plan {
        node_storage,
        storages,
        steps,
        activations,
    }
}

/// Offsets for the scratch storages: each takes a place free for its whole life. A new one
/// goes to the opposite end from the place its layer reads, so a chain alternates between
/// the two ends of one buffer and needs exactly its largest pair of neighbours; a graph
/// usually reaches its peak the same way. Returns the floats used.
fn place(storages: &mut [Storage], node_storage: &[usize], net: &Network) -> usize {
    let scratch: Vec<usize> = (0..storages.len())
        .filter(|&s| storages[s].region == Region::Scratch)
        .collect();
    let peak = peak_alive(storages);
    let mut used = 0;
    for &s in &scratch {
        let (born, dies, len) = (storages[s].born, storages[s].dies, storages[s].len);
        let busy: Vec<(usize, usize)> = scratch
            .iter()
            .take_while(|&&t| t != s)
            .filter(|&&t| storages[t].born <= dies && born <= storages[t].dies)
            .map(|&t| (storages[t].offset, storages[t].offset + storages[t].len))
            .collect();
        let fits = |at: usize| {
            busy.iter()
                .all(|&(start, end)| at + len <= start || end <= at)
        };
        let mut candidates: Vec<usize> = std::iter::once(0)
            .chain(busy.iter().map(|&(_, end)| end))
            .filter(|&at| fits(at))
            .collect();
        candidates.extend(
            std::iter::once(peak)
                .chain(busy.iter().map(|&(start, _)| start))
                .filter_map(|end| end.checked_sub(len))
                .filter(|&at| fits(at)),
        );
        let within: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&at| at + len <= peak)
            .collect();
        let reads = net.layers[born].inputs[0];
        let read = &storages[node_storage[reads]];
        let read_low = read.region != Region::Scratch || read.offset + read.len / 2 < peak / 2;
        let offset = if within.is_empty() {
            candidates.iter().copied().min().unwrap_or(0)
        } else if read_low {
            within.iter().copied().max().unwrap_or(0)
        } else {
            within.iter().copied().min().unwrap_or(0)
        };
        storages[s].offset = offset;
        used = used.max(offset + len);
    }
    used
}

/// The most scratch floats alive at one step.
fn peak_alive(storages: &[Storage]) -> usize {
    let steps = storages
        .iter()
        .filter(|s| s.region == Region::Scratch)
        .map(|s| s.born)
        .max()
        .map_or(0, |n| n + 1);
    (0..steps)
        .map(|step| {
            storages
                .iter()
                .filter(|s| s.region == Region::Scratch && s.born <= step && step <= s.dies)
                .map(|s| s.len)
                .sum()
        })
        .max()
        .unwrap_or(0)
}

pub fn scratch_len(net: &Network) -> usize {
    plan(net).activations + state_len(net)
}

/// Scratch for layers that keep state besides their output (a recurrent layer's gates).
fn state_len(net: &Network) -> usize {
    net.layers.iter().map(layer::state_len).max().unwrap_or(0)
}

impl Plan {
    pub(super) fn loc(&self, node: usize) -> TokenStream {
        let rt = rt();
        let storage = &self.storages[self.node_storage[node]];
        let region = match storage.region {
            Region::Input => quote!(Input),
            Region::Scratch => quote!(Scratch),
            Region::Output => quote!(Output),
        };
        let (start, len) = (lit(storage.offset), lit(storage.len));
        quote!(#rt::Loc { region: #rt::Region::#region, start: #start, len: #len })
    }
}

fn step_code(net: &Network, plan: &Plan, index: usize) -> TokenStream {
    let rt = rt();
    let layer = &net.layers[index];
    let value = layer::reference(net, index);
    let node = index + 1;
    let out = plan.loc(node);
    // Slicing again to the constant lengths lets the compiler see them inside the kernels
    // (and drop their bounds checks), which it does not through `sample_io`'s array.
    let out_len = lit(plan.storages[plan.node_storage[node]].len);
    let in_len = lit(plan.storages[plan.node_storage[layer.inputs[0]]].len);
    let ins: Vec<TokenStream> = layer.inputs.iter().map(|&n| plan.loc(n)).collect();
    let io = |reads: &[TokenStream]| quote!(#rt::sample_io(&input[..], &mut *activations, &mut output[..], [#(#reads),*], #out));
    match plan.steps[index] {
        Step::Alias => quote!(),
        Step::Copy => {
            let io = io(&ins);
            quote!({ let ([x], y) = #io; y[..#out_len].copy_from_slice(&x[..#in_len]); })
        }
        Step::InPlace => {
            let op = layer::sample_in_place(layer, &value, quote!(&mut values[..#out_len]));
            quote!({ let values = #rt::sample_values(&mut *activations, &mut output[..], #out); #op })
        }
        Step::CopyThenInPlace => {
            let io = io(&ins);
            let op = layer::sample_in_place(layer, &value, quote!(y));
            quote!({ let ([x], y) = #io; let y = &mut y[..#out_len]; y.copy_from_slice(&x[..#in_len]); #op })
        }
        Step::OutOfPlace if layer.join().is_some() => {
            let io = io(&ins);
            quote!({ let (xs, y) = #io; #rt::Join::forward_sample(&#value, &xs, &mut y[..#out_len]); })
        }
        Step::OutOfPlace => {
            let io = io(&ins);
            let op = layer::sample_out_of_place(
                layer,
                &value,
                quote!(&x[..#in_len]),
                quote!(&mut y[..#out_len]),
            );
            quote!({ let ([x], y) = #io; #op })
        }
    }
}

pub fn expand(net: &Network) -> TokenStream {
    let name = &net.name;
    let super::Primitives { f32, .. } = super::primitives();
    let allow = super::impl_attrs(net);
    let plan = plan(net);
    let (in_len, out_len, activations, scratch) = (
        lit(input_len(net)),
        lit(output_len(net)),
        lit(plan.activations),
        lit(scratch_len(net)),
    );
    let mut body: Vec<TokenStream> = (0..net.layers.len())
        .map(|index| step_code(net, &plan, index))
        .collect();
    if plan.node_storage[net.layers.len()] == 0 {
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
            #[allow(unused_variables, unused_mut)]
            pub fn forward_into(&self, input: &[#f32; #in_len], scratch: &mut [#f32; #scratch], output: &mut [#f32; #out_len]) {
                let (activations, state) = scratch.split_at_mut(#activations);
                #(#body)*
            }
        }
    }
}
