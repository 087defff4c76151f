//! The tensors of a spec as a graph: which node each layer reads (the one before it, a
//! named one with `name ->`, or a join's list), the names given with `as`, and who uses
//! each node. Node 0 is the input, node `i + 1` the output of layer `i`; a layer reads only
//! nodes above it, so the graph has no cycles by construction.

use crate::ast::{LayerItem, OutputsItem, Value as ArgTree};
use crate::errors::Errors;
use crate::ir::{element_count, Layer, Network, Value};
use crate::suggest::did_you_mean;
use nn_runtime::layers::join::join_kind;
use nn_runtime::layers::SequenceRule;
use proc_macro2::Span;
use syn::Ident;

pub struct NodeInfo {
    pub shape: Vec<usize>,
    pub sequence: bool,
}

pub struct Nodes<'a> {
    items: &'a [&'a LayerItem],
    /// Per node: its shape, unknown after an error.
    info: Vec<Option<NodeInfo>>,
    /// Per layer: the nodes it reads.
    inputs: Vec<Vec<usize>>,
    /// The names given so far: name, node, the name's token.
    names: Vec<(String, usize, Span)>,
    /// Per node: how many layers, outputs and loss terms read it.
    uses: Vec<usize>,
    outputs: Vec<usize>,
    /// Whether some name could not be found: then what looks unused may be what the
    /// misspelt name meant, so nothing is reported as unused.
    missed: std::cell::Cell<bool>,
}

impl<'a> Nodes<'a> {
    pub fn new(items: &'a [&'a LayerItem], input: Option<Vec<usize>>, sequence: bool) -> Self {
        Nodes {
            items,
            info: vec![input.map(|shape| NodeInfo { shape, sequence })],
            inputs: Vec::new(),
            names: vec![("input".to_string(), 0, Span::call_site())],
            uses: vec![0],
            outputs: Vec::new(),
            missed: std::cell::Cell::new(false),
        }
    }

    /// The nodes layer `index` reads, recorded and counted as used; `None` when one of
    /// them cannot be found (reported). Also gives the layer's own output its name.
    pub fn reads(
        &mut self,
        index: usize,
        item: &LayerItem,
        errors: &mut Errors,
    ) -> Option<Vec<usize>> {
        let keyword = item.name.to_string();
        let reads = match join_kind(&keyword) {
            Some(kind) => {
                if let Some(source) = &item.source {
                    errors.push(source.span(), format!("`{keyword}` names the tensors it joins in its parentheses, e.g. `{}`; remove `{source} ->`", kind.example));
                }
                let mut names = Vec::new();
                for arg in &item.args {
                    match (&arg.key, &arg.value) {
                        (None, ArgTree::Ident(name)) => names.push(name),
                        (Some(key), _) => errors.push(key.span(), format!("`{keyword}` takes only the names of the tensors it joins, e.g. `{}`", kind.example)),
                        (None, value) => errors.push(value.span(), format!("`{keyword}` takes the names of the tensors it joins, e.g. `{}`, found {}", kind.example, value.describe())),
                    }
                }
                let (least, most) = kind.inputs;
                let span = item.paren_span.unwrap_or_else(|| item.name.span());
                if names.len() < least || names.len() > most {
                    let count = if least == most {
                        format!("{least}")
                    } else if most == usize::MAX {
                        format!("at least {least}")
                    } else {
                        format!("{least} to {most}")
                    };
                    errors.push(
                        span,
                        format!(
                            "`{keyword}` joins {count} tensors, e.g. `{}`; found {}",
                            kind.example,
                            names.len()
                        ),
                    );
                }
                let mut nodes = Vec::new();
                for (position, name) in names.iter().enumerate() {
                    if names[..position].iter().any(|earlier| earlier == name) {
                        errors.push(
                            name.span(),
                            format!("`{name}` is given to `{keyword}` twice"),
                        );
                        continue;
                    }
                    nodes.push(self.lookup(name, index, errors));
                }
                nodes
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .filter(|n| n.len() == names.len() && !n.is_empty())
            }
            None => match &item.source {
                Some(source) => self.lookup(source, index, errors).map(|n| vec![n]),
                None => Some(vec![index]),
            },
        };
        for &node in reads.iter().flatten() {
            self.uses[node] += 1;
        }
        self.inputs.push(reads.clone().unwrap_or_default());
        self.uses.push(0);
        self.name(index + 1, item, errors);
        reads
    }

    /// Records the name `item` gives its output, if any.
    fn name(&mut self, node: usize, item: &LayerItem, errors: &mut Errors) {
        let Some(alias) = &item.alias else { return };
        let text = alias.to_string();
        if let Some((_, _, first)) = self.names.iter().find(|(name, _, _)| *name == text) {
            let message = if text == "input" {
                "`input` is the name of the network's input; choose another name".to_string()
            } else {
                format!(
                    "the name `{text}` is already taken by a tensor above; each name is given once"
                )
            };
            let mut error = syn::Error::new(alias.span(), message);
            if text != "input" {
                error.combine(syn::Error::new(
                    *first,
                    format!("`{text}` is first given here"),
                ));
            }
            errors.push_error(error);
            return;
        }
        self.names.push((text, node, alias.span()));
    }

    /// The node named `name`, as read by layer `reader`.
    fn lookup(&self, name: &Ident, reader: usize, errors: &mut Errors) -> Option<usize> {
        let text = name.to_string();
        if let Some((_, node, _)) = self.names.iter().find(|(n, _, _)| *n == text) {
            return Some(*node);
        }
        let later = self
            .items
            .iter()
            .skip(reader)
            .find(|item| item.alias.as_ref().is_some_and(|a| *a == text));
        let message = match later {
            Some(_) => format!("`{text}` is used before it is defined: a layer can read only tensors named above it (`… as {text}` comes later)"),
            None => {
                let known: Vec<&str> = self.names.iter().map(|(n, _, _)| n.as_str()).collect();
                let hint = did_you_mean(&text, &known);
                let hint = if hint.is_empty() {
                    format!("; the tensors named so far are {}", known.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "))
                } else {
                    hint
                };
                format!("unknown tensor `{text}`{hint}")
            }
        };
        errors.push(name.span(), message);
        self.missed.set(true);
        None
    }

    /// The name a spec gave a node, if any.
    pub fn name_of(&self, node: usize) -> Option<&str> {
        self.names
            .iter()
            .find(|(_, n, _)| *n == node)
            .map(|(name, _, _)| name.as_str())
    }

    pub fn define(&mut self, node: usize, info: Option<NodeInfo>) {
        if self.info.len() <= node {
            self.info.resize_with(node + 1, || None);
        }
        self.info[node] = info;
    }

    pub fn shape(&self, node: usize) -> Option<&[usize]> {
        self.info
            .get(node)?
            .as_ref()
            .map(|info| info.shape.as_slice())
    }

    pub fn is_sequence(&self, node: usize) -> bool {
        self.info
            .get(node)
            .and_then(|i| i.as_ref())
            .is_some_and(|info| info.sequence)
    }

    pub fn inputs_of(&self, layer: usize) -> &[usize] {
        self.inputs.get(layer).map_or(&[], Vec::as_slice)
    }

    /// The layer that produced `node`, looking through element-wise layers (those that keep
    /// a sequence as it is) to the one whose output they pass on.
    pub fn producer_through_keeps<'l>(
        &self,
        node: usize,
        checked: &'l [Layer],
    ) -> Option<&'l Layer> {
        let mut node = node;
        loop {
            let layer = checked.iter().find(|l| l.node == Some(node))?;
            if layer.sequence != Some(SequenceRule::Keeps) {
                return Some(layer);
            }
            node = *layer.inputs.first()?;
        }
    }

    /// The output nodes: those `outputs:` names, or the last layer's.
    pub fn outputs(
        &mut self,
        item: Option<&OutputsItem>,
        errors: &mut Errors,
    ) -> Option<Vec<usize>> {
        let last = self.items.len();
        let outputs = match item {
            None => vec![last],
            Some(item) => {
                if item.names.is_empty() {
                    errors.push(item.bracket_span, "`outputs:` lists at least one tensor, e.g. `outputs: [digits, reconstruction]`");
                    return None;
                }
                let mut outputs = Vec::new();
                for (position, name) in item.names.iter().enumerate() {
                    if item.names[..position].iter().any(|earlier| earlier == name) {
                        errors.push(
                            name.span(),
                            format!("`{name}` is listed twice in `outputs:`"),
                        );
                        return None;
                    }
                    outputs.push(self.lookup(name, last, errors));
                }
                outputs.into_iter().collect::<Option<Vec<_>>>()?
            }
        };
        for &node in &outputs {
            self.uses[node] += 1;
        }
        self.outputs = outputs.clone();
        Some(outputs)
    }

    /// Counts a loss term's read of `node`.
    pub fn use_node(&mut self, node: usize) {
        self.uses[node] += 1;
    }

    /// Looks up a tensor a loss term names.
    pub fn lookup_for_loss(&self, name: &Ident, errors: &mut Errors) -> Option<usize> {
        self.lookup(name, self.items.len(), errors)
    }

    /// Every layer output that nothing reads: a named one is an error on its name, an
    /// unnamed one on its layer.
    pub fn report_unused(&self, errors: &mut Errors) {
        if self.missed.get() {
            return;
        }
        for (index, item) in self.items.iter().enumerate() {
            let node = index + 1;
            if self.uses.get(node).copied().unwrap_or(1) > 0 || self.outputs.is_empty() {
                continue;
            }
            match &item.alias {
                Some(alias) => errors.push(alias.span(), format!("the tensor `{alias}` is never used: read it with `{alias} -> layer`, join it, or list it in `outputs:`; or remove the name")),
                None => {
                    let written = if item.paren_span.is_some() { format!("{}(…)", item.name) } else { item.name.to_string() };
                    errors.push(item.name.span(), format!("the output of this `{}` is never used: the item after it reads another tensor; name it (`{written} as x`) and use it, or remove the layer", item.name));
                }
            }
        }
    }
}

/// With several outputs, appends the internal `concat` that lays them side by side as the
/// network's one output node (each output's values flat, in `outputs:` order).
pub fn join_outputs(net: &mut Network) {
    if net.outputs.len() < 2 {
        return;
    }
    let widths: Vec<Vec<usize>> = net
        .outputs
        .iter()
        .map(|&node| vec![element_count(node_shape(net, node))])
        .collect();
    let shapes: Vec<&[usize]> = widths.iter().map(Vec::as_slice).collect();
    let concat = join_kind("concat").expect("concat is a registered join");
    let Ok((join, shape)) = (concat.resolve)(&shapes, false) else {
        return;
    };
    let node = net.layers.len() + 1;
    net.layers.push(Layer {
        keyword: "concat",
        sequence: None,
        span: net.name.span(),
        name: "outputs".to_string(),
        inputs: net.outputs.clone(),
        input_shape: widths[0].clone(),
        output_shape: shape.dims().to_vec(),
        output_is_sequence: false,
        tensors: Vec::new(),
        value: Value::Join(join),
        aux_width: 0,
        aux_offset: net.layers.iter().map(|l| l.aux_width).sum(),
        node: Some(node),
    });
}

/// The shape of `node`.
pub fn node_shape(net: &Network, node: usize) -> &[usize] {
    match node {
        0 => &net.input_shape,
        n => &net.layers[n - 1].output_shape,
    }
}
