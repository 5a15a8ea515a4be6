"""Writes a TFRecord file of tf.train.Example records without TensorFlow: the framing (uint64
length, masked CRC-32C of the length, data, masked CRC-32C of the data) with a pure-Python
CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), and the Example protobuf encoded by hand
(Example.features = 1; Features.feature = 1, a map<string, Feature>; Feature.bytes_list = 1,
float_list = 2, int64_list = 3, each with a repeated `value` = 1, int64 and float packed).

usage: write_tfrecord.py OUT SPEC.json — SPEC is a list of records, each a dict of
key → ["bytes", hex] | ["int64", [ints]] | ["float", [floats]]."""
import json
import struct
import sys

TABLE = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    TABLE.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def varint(v):
    v &= (1 << 64) - 1  # negative int64 as two's complement
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, payload):
    """A length-delimited field."""
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def feature(kind, value):
    if kind == "bytes":
        inner = field(1, bytes.fromhex(value))
        return field(1, inner)
    if kind == "int64":
        packed = b"".join(varint(v) for v in value)
        return field(3, field(1, packed))
    if kind == "float":
        packed = b"".join(struct.pack("<f", v) for v in value)
        return field(2, field(1, packed))
    raise ValueError(kind)


def example(rec):
    entries = b"".join(
        field(1, field(1, k.encode()) + field(2, feature(*v))) for k, v in rec.items()
    )
    return field(1, entries)


def main():
    out, spec = sys.argv[1], json.load(open(sys.argv[2]))
    with open(out, "wb") as f:
        for rec in spec:
            data = example(rec)
            length = struct.pack("<Q", len(data))
            f.write(length + struct.pack("<I", masked(length)) + data + struct.pack("<I", masked(data)))


main()
