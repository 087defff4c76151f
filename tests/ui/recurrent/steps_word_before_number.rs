// The number of steps comes before the word `steps`.

nn::network! {
    struct Reader {
        input: [steps 5, 3],
        lstm(2),
    }
}

fn main() {}
