#!/usr/bin/env python3
"""Writes the first N items of a (gzipped) IDX file, e.g. a Fashion-MNIST subset small enough to travel to the
device machine with a GPU pack (tools/gpu_pack.sh --fashion-mnist).
    python3 tools/idx_head.py IN.gz N OUT.gz"""
import gzip
import struct
import sys


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, count, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with gzip.open(src, "rb") as f:
        data = f.read()
    zero, kind, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08:
        sys.exit(f"{src}: not an IDX file of unsigned bytes")
    shape = list(struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims]))
    if count > shape[0]:
        sys.exit(f"{src}: has {shape[0]} items, fewer than {count}")
    item = 1
    for d in shape[1:]:
        item *= d
    header = 4 + 4 * dims
    shape[0] = count
    with gzip.open(dst, "wb") as f:
        f.write(data[:4] + struct.pack(">" + "I" * dims, *shape) + data[header:header + count * item])


if __name__ == "__main__":
    main()
