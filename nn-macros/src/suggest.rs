//! "Did you mean …?" for misspelled names.

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .iter()
        .map(|&c| (edit_distance(&word, c), c))
        .filter(|&(d, c)| d <= 2.max(c.len() / 3) || c.replace('_', "") == word.replace('_', ""))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// ", did you mean `x`?" or an empty string.
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    match closest(word, candidates) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => String::new(),
    }
}

/// Levenshtein distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYERS: &[&str] = &[
        "dense",
        "relu",
        "leaky_relu",
        "sigmoid",
        "tanh",
        "softmax",
        "flatten",
    ];

    #[test]
    fn typos_find_their_layer() {
        assert_eq!(closest("dens", LAYERS), Some("dense"));
        assert_eq!(closest("Relu", LAYERS), Some("relu"));
        assert_eq!(closest("leakyrelu", LAYERS), Some("leaky_relu"));
        assert_eq!(closest("softmx", LAYERS), Some("softmax"));
    }

    #[test]
    fn unrelated_words_get_no_suggestion() {
        assert_eq!(closest("transformer", LAYERS), None);
        assert_eq!(did_you_mean("xyz", LAYERS), "");
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
