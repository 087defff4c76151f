//! Just enough of the protobuf wire format to write ONNX messages: varints, fixed 32-bit
//! floats and length-delimited fields (strings, bytes and nested messages).

/// One message being written, field by field, in the order the caller chooses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Message(Vec<u8>);

const VARINT: u64 = 0;
const LENGTH_DELIMITED: u64 = 2;
const FIXED32: u64 = 5;

impl Message {
    pub(crate) fn new() -> Self {
        Message(Vec::new())
    }

    /// The encoded bytes.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.0.push((value as u8 & 0x7f) | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
    }

    fn key(&mut self, field: u32, wire_type: u64) {
        self.varint((u64::from(field) << 3) | wire_type);
    }

    /// An `int32`, `int64` or enum field; negative values take ten bytes, as protobuf says.
    pub(crate) fn int(&mut self, field: u32, value: i64) -> &mut Self {
        self.key(field, VARINT);
        self.varint(value as u64);
        self
    }

    /// A `float` field.
    pub(crate) fn float(&mut self, field: u32, value: f32) -> &mut Self {
        self.key(field, FIXED32);
        self.0.extend(value.to_le_bytes());
        self
    }

    /// A `bytes` field.
    pub(crate) fn bytes(&mut self, field: u32, value: &[u8]) -> &mut Self {
        self.key(field, LENGTH_DELIMITED);
        self.varint(value.len() as u64);
        self.0.extend(value);
        self
    }

    /// A `string` field.
    pub(crate) fn string(&mut self, field: u32, value: &str) -> &mut Self {
        self.bytes(field, value.as_bytes())
    }

    /// A nested message field.
    pub(crate) fn message(&mut self, field: u32, value: &Message) -> &mut Self {
        self.bytes(field, &value.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected bytes from the protobuf encoding guide's examples.
    #[test]
    fn varints_and_keys_match_the_encoding_guide() {
        // `message Test1 { int32 a = 1; }` with a = 150 is 08 96 01.
        assert_eq!(
            Message::new().int(1, 150).clone().into_bytes(),
            [0x08, 0x96, 0x01]
        );
        // `message Test2 { string b = 2; }` with b = "testing" is 12 07 74 65 73 74 69 6e 67.
        assert_eq!(
            Message::new().string(2, "testing").clone().into_bytes(),
            b"\x12\x07testing"
        );
        // `message Test3 { Test1 c = 3; }` with c.a = 150 is 1a 03 08 96 01.
        let mut inner = Message::new();
        inner.int(1, 150);
        assert_eq!(
            Message::new().message(3, &inner).clone().into_bytes(),
            [0x1a, 0x03, 0x08, 0x96, 0x01]
        );
    }

    #[test]
    fn negative_ints_take_ten_bytes_and_floats_four() {
        let bytes = Message::new().int(1, -1).clone().into_bytes();
        assert_eq!(bytes.len(), 11);
        assert_eq!(bytes[1..10], [0xff; 9]);
        assert_eq!(bytes[10], 0x01);
        // Field 2, wire type 5, then 1.0f32 little-endian.
        assert_eq!(
            Message::new().float(2, 1.0).clone().into_bytes(),
            [0x15, 0x00, 0x00, 0x80, 0x3f]
        );
        // A key of a field number above 15 takes two bytes: field 20, varint → a0 01.
        assert_eq!(
            Message::new().int(20, 2).clone().into_bytes(),
            [0xa0, 0x01, 0x02]
        );
    }
}
