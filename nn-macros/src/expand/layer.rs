//! Per-layer code: the runtime calls each layer kind makes in single-sample inference, in the
//! batched forward and backward passes, in initialization and in the state update.

use super::{lit, rt, tensor};
use crate::ir::{element_count, Cell, Init, Layer, LayerKind};
use crate::shape;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

/// The runtime value implementing `Activation` for an activation layer.
pub fn activation(layer: &Layer) -> Option<TokenStream> {
    let rt = rt();
    let width = lit(element_count(&layer.output_shape));
    Some(match layer.kind {
        LayerKind::Relu => quote!(#rt::Relu),
        LayerKind::LeakyRelu { alpha } => quote!(#rt::LeakyRelu { alpha: #alpha }),
        LayerKind::Sigmoid => quote!(#rt::Sigmoid),
        LayerKind::Tanh => quote!(#rt::Tanh),
        LayerKind::Softmax => quote!(#rt::Softmax { width: #width }),
        _ => return None,
    })
}

/// `&Conv2dShape { … }` or `&Pool2dShape { … }` of a windowed layer.
fn window_shape(layer: &Layer) -> TokenStream {
    let rt = rt();
    let w = match shape::window(&layer.kind, &layer.input_shape) {
        Ok(window) => window,
        Err(message) => {
            return {
                let core = super::core();
                quote_spanned!(layer.span=> #core::compile_error!(#message))
            }
        }
    };
    let [c, ih, iw, kh, kw, sh, sw, oh, ow] = [
        w.channels, w.input.0, w.input.1, w.size.0, w.size.1, w.stride.0, w.stride.1, w.output.0,
        w.output.1,
    ]
    .map(lit);
    match layer.kind {
        LayerKind::Conv2d { filters, .. } => {
            let (f, pt, pl) = (lit(filters), lit(w.pad_before.0), lit(w.pad_before.1));
            quote!(&#rt::Conv2dShape {
                in_channels: #c, in_height: #ih, in_width: #iw, out_channels: #f, kernel_h: #kh, kernel_w: #kw,
                stride_h: #sh, stride_w: #sw, pad_top: #pt, pad_left: #pl, out_height: #oh, out_width: #ow,
            })
        }
        _ => quote!(&#rt::Pool2dShape {
            channels: #c, in_height: #ih, in_width: #iw, size_h: #kh, size_w: #kw,
            stride_h: #sh, stride_w: #sw, out_height: #oh, out_width: #ow,
        }),
    }
}

/// The runtime's `Cell` value.
pub fn cell(cell: Cell) -> TokenStream {
    let rt = rt();
    match cell {
        Cell::Rnn => quote!(#rt::Cell::Rnn),
        Cell::Lstm => quote!(#rt::Cell::Lstm),
        Cell::Gru => quote!(#rt::Cell::Gru),
    }
}

/// `&RecurrentShape { … }` of a recurrent layer.
fn recurrent_shape(layer: &Layer) -> TokenStream {
    let rt = rt();
    let LayerKind::Recurrent {
        cell: kind,
        units,
        sequences,
    } = layer.kind
    else {
        return quote!();
    };
    let (steps, features) = match layer.input_shape[..] {
        [steps, features] => (lit(steps), lit(features)),
        _ => {
            let core = super::core();
            return quote_spanned!(layer.span=> #core::compile_error!("a recurrent layer needs a [steps, features] input"));
        }
    };
    let (cell, units) = (cell(kind), lit(units));
    quote!(&#rt::RecurrentShape { cell: #cell, steps: #steps, features: #features, units: #units, sequences: #sequences })
}

/// The `start..end` range of all of a layer's tensors, which are adjacent.
fn all_tensors(layer: &Layer) -> TokenStream {
    let (first, last) = (&layer.tensors[0], &layer.tensors[layer.tensors.len() - 1]);
    let start = lit(first.offset);
    let end = lit(last.offset + element_count(&last.shape));
    quote!(#start..#end)
}

/// Single-sample scratch a layer needs besides its input and output buffers.
pub fn state_len(layer: &Layer) -> usize {
    match layer.kind {
        LayerKind::Recurrent { cell, units, .. } => {
            let extra = usize::from(cell != Cell::Rnn);
            (cell.gates() + extra + 1) * units
        }
        _ => 0,
    }
}

fn batch_norm_shape(layer: &Layer) -> TokenStream {
    let rt = rt();
    let LayerKind::BatchNorm { momentum, epsilon } = layer.kind else {
        return quote!();
    };
    let (channels, spatial) = shape::batch_norm_groups(&layer.input_shape);
    let (channels, spatial) = (lit(channels), lit(spatial));
    quote!(&#rt::BatchNormShape { channels: #channels, spatial: #spatial, momentum: #momentum, epsilon: #epsilon })
}

/// Batch-norm statistics: the first `2·channels` floats of its auxiliary region.
fn stats_len(layer: &Layer) -> proc_macro2::Literal {
    lit(2 * shape::batch_norm_groups(&layer.input_shape).0)
}

/// Single-sample inference of a layer that changes its buffer's size: `src` → `dst`.
pub fn sample_out_of_place(layer: &Layer, src: TokenStream, dst: TokenStream) -> TokenStream {
    let rt = rt();
    let (w, b) = (|| tensor(layer, 0), || tensor(layer, 1));
    match layer.kind {
        LayerKind::Dense { .. } => {
            let (w, b) = (w(), b());
            quote!(#rt::dense_forward(&#w, &#b, #src, #dst);)
        }
        LayerKind::Conv2d { .. } => {
            let (w, b, shape) = (w(), b(), window_shape(layer));
            quote!(#rt::conv2d_forward(#shape, &#w, &#b, #src, #dst);)
        }
        LayerKind::MaxPool2d { .. } => {
            let shape = window_shape(layer);
            quote!(#rt::max_pool2d_forward(#shape, #src, #dst);)
        }
        LayerKind::AvgPool2d { .. } => {
            let shape = window_shape(layer);
            quote!(#rt::avg_pool2d_forward(#shape, #src, #dst);)
        }
        LayerKind::Recurrent { .. } => {
            let (shape, params, state) = (
                recurrent_shape(layer),
                all_tensors(layer),
                lit(state_len(layer)),
            );
            quote!(#rt::recurrent_forward(#shape, &self.params[#params], #src, #dst, &mut state[..#state]);)
        }
        _ => quote!(),
    }
}

/// Single-sample inference of a layer that keeps its buffer: applied to `values` in place.
pub fn sample_in_place(layer: &Layer, values: TokenStream) -> TokenStream {
    let rt = rt();
    if let Some(act) = activation(layer) {
        return quote!(#rt::Activation::forward_in_place(&#act, #values););
    }
    match layer.kind {
        LayerKind::BatchNorm { .. } => {
            let [gamma, beta, mean, var] = [0, 1, 2, 3].map(|i| tensor(layer, i));
            let shape = batch_norm_shape(layer);
            quote!(#rt::batch_norm_infer_in_place(#shape, &#gamma, &#beta, &#mean, &#var, #values);)
        }
        // Flatten reshapes nothing in a flat buffer; inference-mode dropout is the identity.
        _ => quote!(),
    }
}

/// Inference of one sample from `x` into `y` (both one sample wide), for a layer that
/// [`runs_per_sample`] in batched inference.
pub fn infer_sample(layer: &Layer) -> TokenStream {
    let rt = rt();
    if let Some(act) = activation(layer) {
        quote!(#rt::Activation::forward(&#act, x, y);)
    } else {
        match layer.kind {
            LayerKind::Conv2d { .. } => {
                let (w, b, shape) = (tensor(layer, 0), tensor(layer, 1), window_shape(layer));
                quote!(#rt::conv2d_forward(#shape, &#w, &#b, x, y);)
            }
            LayerKind::MaxPool2d { .. } => {
                let shape = window_shape(layer);
                quote!(#rt::max_pool2d_forward(#shape, x, y);)
            }
            LayerKind::AvgPool2d { .. } => {
                let shape = window_shape(layer);
                quote!(#rt::avg_pool2d_forward(#shape, x, y);)
            }
            LayerKind::BatchNorm { .. } => {
                let [gamma, beta, mean, var] = [0, 1, 2, 3].map(|i| tensor(layer, i));
                let shape = batch_norm_shape(layer);
                quote!(y.copy_from_slice(x); #rt::batch_norm_infer_in_place(#shape, &#gamma, &#beta, &#mean, &#var, y);)
            }
            _ => quote!(y.copy_from_slice(x);),
        }
    }
}

/// Whether batched inference runs the layer sample by sample inside a chain of such layers:
/// layers whose work is per sample anyway (convolution, pooling, element-wise), as opposed
/// to dense and recurrent layers, which gain from one GEMM over the whole batch.
pub fn runs_per_sample(layer: &Layer) -> bool {
    !matches!(
        layer.kind,
        LayerKind::Dense { .. } | LayerKind::Recurrent { .. } | LayerKind::Softmax
    )
}

/// The batched forward pass of layer `index`.
pub fn batch_forward(index: usize, layer: &Layer) -> TokenStream {
    let rt = rt();
    let i = lit(index);
    let (aux_offset, aux_width) = (lit(layer.aux_offset), lit(layer.aux_width));
    let io = quote!(let (x, y) = #rt::layer_io(nodes, WIDTHS, #i, batch););
    let io_aux = quote!(let (x, y, aux) = #rt::layer_io_aux(nodes, WIDTHS, #i, batch, #aux_offset, #aux_width););
    let body = if let Some(act) = activation(layer) {
        quote!(#io #rt::Activation::forward(&#act, x, y);)
    } else {
        match layer.kind {
            LayerKind::Dense { .. } => {
                let (w, b) = (tensor(layer, 0), tensor(layer, 1));
                quote!(#io #rt::dense_forward_batch(&#w, &#b, x, y, batch);)
            }
            LayerKind::Conv2d { .. } => {
                let (w, b, shape) = (tensor(layer, 0), tensor(layer, 1), window_shape(layer));
                // Inference needs no im2col matrices for a backward pass.
                quote! {
                    #io_aux
                    match mode {
                        #rt::Mode::Train => #rt::conv2d_forward_batch(#shape, &#w, &#b, x, y, aux, batch),
                        #rt::Mode::Infer => #rt::conv2d_infer_batch(#shape, &#w, &#b, x, y, batch),
                    }
                }
            }
            LayerKind::MaxPool2d { .. } => {
                let shape = window_shape(layer);
                quote!(#io #rt::max_pool2d_forward(#shape, x, y);)
            }
            LayerKind::AvgPool2d { .. } => {
                let shape = window_shape(layer);
                quote!(#io #rt::avg_pool2d_forward(#shape, x, y);)
            }
            LayerKind::Recurrent { .. } => {
                let (shape, params) = (recurrent_shape(layer), all_tensors(layer));
                quote!(#io_aux #rt::recurrent_forward_batch(#shape, &self.params[#params], x, y, aux, batch);)
            }
            LayerKind::Dropout { rate } => quote! {
                #io_aux
                match mode {
                    #rt::Mode::Train => #rt::dropout_forward_train(#rate, x, y, aux, rng),
                    #rt::Mode::Infer => y.copy_from_slice(x),
                }
            },
            LayerKind::BatchNorm { .. } => {
                let [gamma, beta, mean, var] = [0, 1, 2, 3].map(|i| tensor(layer, i));
                let (shape, stats) = (batch_norm_shape(layer), stats_len(layer));
                quote! {
                    #io_aux
                    match mode {
                        #rt::Mode::Train => #rt::batch_norm_forward_train(#shape, &#gamma, &#beta, x, y, &mut aux[..#stats], batch),
                        #rt::Mode::Infer => {
                            y.copy_from_slice(x);
                            #rt::batch_norm_infer_in_place(#shape, &#gamma, &#beta, &#mean, &#var, y);
                        }
                    }
                }
            }
            _ => quote!(#io y.copy_from_slice(x);),
        }
    };
    quote!({ #body })
}

/// The backward pass of layer `index`; `needs_input_grad` is false for the lowest layer
/// with parameters, below which nothing needs a gradient.
pub fn batch_backward(index: usize, layer: &Layer, needs_input_grad: bool) -> TokenStream {
    let (rt, core) = (rt(), super::core());
    let (i, next) = (lit(index), lit(index + 1));
    let (aux_offset, aux_width) = (lit(layer.aux_offset), lit(layer.aux_width));
    let x = quote!(let x = #rt::node(nodes, WIDTHS, #i, batch););
    let aux = quote!(let aux = #rt::aux(nodes, WIDTHS, batch, #aux_offset, #aux_width););
    let y = quote!(let y = #rt::node(nodes, WIDTHS, #next, batch););
    let grads = quote!(let (dx, dy) = #rt::layer_grads(node_grads, WIDTHS, #i, batch););
    let (dy_only, dx_arg) = if needs_input_grad {
        (grads.clone(), quote!(#core::option::Option::Some(dx)))
    } else {
        (
            quote!(let dy = #rt::node(node_grads, WIDTHS, #next, batch);),
            quote!(#core::option::Option::None),
        )
    };
    let param_grads = || {
        // A layer's first two tensors (weight and bias, or gamma and beta) are adjacent.
        let start = lit(layer.tensors[0].offset);
        let end = lit(layer.tensors[1].offset + element_count(&layer.tensors[1].shape));
        let split = lit(element_count(&layer.tensors[0].shape));
        quote!(let (first_grad, second_grad) = param_grads[#start..#end].split_at_mut(#split);)
    };
    let body = if let Some(act) = activation(layer) {
        quote!(#x #y #grads #rt::Activation::backward(&#act, x, y, dy, dx);)
    } else {
        match layer.kind {
            LayerKind::Dense { .. } => {
                let (w, pg) = (tensor(layer, 0), param_grads());
                quote!(#x #dy_only #pg #rt::dense_backward_batch(&#w, x, dy, #dx_arg, first_grad, second_grad, batch);)
            }
            LayerKind::Conv2d { .. } => {
                let (w, pg, shape) = (tensor(layer, 0), param_grads(), window_shape(layer));
                quote! {
                    let (_, cols) = #rt::input_and_aux(nodes, WIDTHS, #i, batch, #aux_offset, #aux_width);
                    #dy_only #pg
                    #rt::conv2d_backward_batch(#shape, &#w, dy, #dx_arg, first_grad, second_grad, cols, batch);
                }
            }
            LayerKind::MaxPool2d { .. } => {
                let shape = window_shape(layer);
                quote!(#x #y #grads #rt::max_pool2d_backward(#shape, x, y, dy, dx);)
            }
            LayerKind::AvgPool2d { .. } => {
                let shape = window_shape(layer);
                quote!(#grads #rt::avg_pool2d_backward(#shape, dy, dx);)
            }
            LayerKind::Dropout { .. } => quote!(#aux #grads #rt::dropout_backward(aux, dy, dx);),
            LayerKind::Recurrent { .. } => {
                let (shape, params) = (recurrent_shape(layer), all_tensors(layer));
                quote! {
                    let (x, stash) = #rt::input_and_aux(nodes, WIDTHS, #i, batch, #aux_offset, #aux_width);
                    #dy_only
                    #rt::recurrent_backward_batch(#shape, &self.params[#params], x, stash, dy, #dx_arg, &mut param_grads[#params], batch);
                }
            }
            LayerKind::BatchNorm { .. } => {
                let (gamma, pg, shape, stats) = (
                    tensor(layer, 0),
                    param_grads(),
                    batch_norm_shape(layer),
                    stats_len(layer),
                );
                quote! {
                    #x #aux #dy_only #pg
                    #rt::batch_norm_backward(#shape, &#gamma, x, &aux[..#stats], dy, #dx_arg, first_grad, second_grad, batch);
                }
            }
            _ => quote!(#grads dx.copy_from_slice(dy);),
        }
    };
    quote!({ #body })
}

/// Initialization of a layer's parameters (all start at zero).
pub fn init(layer: &Layer) -> TokenStream {
    let rt = rt();
    let fill = |init: Init, fan_in: usize, fan_out: usize| {
        let weight = tensor(layer, 0);
        let (fan_in, fan_out) = (lit(fan_in), lit(fan_out));
        match init {
            Init::He => quote!(#rt::he_uniform(&mut #weight, #fan_in, &mut rng);),
            Init::Glorot => quote!(#rt::glorot_uniform(&mut #weight, #fan_in, #fan_out, &mut rng);),
        }
    };
    match layer.kind {
        LayerKind::Dense { units, init } => fill(init, element_count(&layer.input_shape), units),
        LayerKind::Conv2d {
            filters,
            kernel,
            init,
            ..
        } => {
            let area = kernel.0 * kernel.1;
            fill(init, layer.input_shape[0] * area, filters * area)
        }
        LayerKind::BatchNorm { .. } => {
            let (gamma, var) = (tensor(layer, 0), tensor(layer, 3));
            quote!(#gamma.fill(1.0); #var.fill(1.0);)
        }
        LayerKind::Recurrent { .. } => {
            let (shape, params) = (recurrent_shape(layer), all_tensors(layer));
            quote!(#rt::recurrent_init(#shape, &mut self.params[#params], &mut rng);)
        }
        _ => quote!(),
    }
}

/// After a training forward pass: blends a batch-norm layer's batch statistics into its
/// running statistics.
pub fn update_state(layer: &Layer) -> Option<TokenStream> {
    let rt = rt();
    let LayerKind::BatchNorm { .. } = layer.kind else {
        return None;
    };
    let (aux_offset, aux_width) = (lit(layer.aux_offset), lit(layer.aux_width));
    let (shape, stats) = (batch_norm_shape(layer), stats_len(layer));
    let start = lit(layer.tensors[2].offset);
    let end = lit(layer.tensors[3].offset + element_count(&layer.tensors[3].shape));
    let split = lit(element_count(&layer.tensors[2].shape));
    Some(quote! {{
        let stats = &#rt::aux(nodes, WIDTHS, batch, #aux_offset, #aux_width)[..#stats];
        let (mean, var) = self.params[#start..#end].split_at_mut(#split);
        #rt::batch_norm_update_running(#shape, stats, mean, var, batch);
    }})
}
