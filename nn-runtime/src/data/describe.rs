//! How a data error's message shows what it found: an IDX magic number, a CSV cell.

/// Names the element type and rank an IDX magic number stands for, or says it is not one.
pub(super) fn describe_magic(magic: u32) -> String {
    let [zero_a, zero_b, type_code, rank] = magic.to_be_bytes();
    let element = match type_code {
        0x08 => "unsigned bytes",
        0x09 => "signed bytes",
        0x0B => "16-bit integers",
        0x0C => "32-bit integers",
        0x0D => "32-bit floats",
        0x0E => "64-bit floats",
        _ => return "not an IDX file".to_owned(),
    };
    if zero_a != 0 || zero_b != 0 {
        return "not an IDX file".to_owned();
    }
    let content = match (type_code, rank) {
        (0x08, 3) => ": images",
        (0x08, 1) => ": labels",
        _ => "",
    };
    let plural = if rank == 1 { "" } else { "s" };
    format!("{element}, {rank} dimension{plural}{content}")
}

/// Quotes a cell for a message, naming an empty one as such and saying how long a cut one
/// was.
pub(super) fn describe_cell(cell: &str, cell_bytes: usize) -> String {
    if cell_bytes == 0 {
        "an empty cell".to_owned()
    } else if cell.len() < cell_bytes {
        format!("{cell:?}… (a cell of {cell_bytes} bytes)")
    } else {
        format!("{cell:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers_are_described() {
        assert_eq!(
            describe_magic(0x0803),
            "unsigned bytes, 3 dimensions: images"
        );
        assert_eq!(
            describe_magic(0x0801),
            "unsigned bytes, 1 dimension: labels"
        );
        assert_eq!(describe_magic(0x0D02), "32-bit floats, 2 dimensions");
        assert_eq!(describe_magic(0x1f8b_0800), "not an IDX file");
    }

    #[test]
    fn cells_are_quoted_and_long_ones_marked_as_cut() {
        assert_eq!(describe_cell("", 0), "an empty cell");
        assert_eq!(describe_cell("abc", 3), "\"abc\"");
        assert_eq!(describe_cell("abc", 50), "\"abc\"… (a cell of 50 bytes)");
    }
}
