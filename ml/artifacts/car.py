"""CAR v1 files (a root CID and the blocks of its DAG): how artifacts move between the embedded
store and an IPFS node (`dag/import`) without depending on the node's chunking settings, since a
CAR carries the blocks themselves.

>>> data = bytes(range(256)) * 3000  # 768,000 bytes: three chunks under one node
>>> root, back = read_car(write_car(data))
>>> root == cid_of(data) and back == data
True
"""

from __future__ import annotations

import hashlib

from .cid import DAG_PB, RAW, Cid, InvalidCid, _read_varint, blocks_of, cid_of, varint


class InvalidCar(InvalidCid):
    """Bytes that are not a CAR v1 of one file, or whose blocks do not hash to their CIDs."""


def _header(root: Cid) -> bytes:
    """dag-cbor {"roots": [root], "version": 1}: keys in dag-cbor's order (shorter first), the
    CID as tag 42 over a byte string of 0x00 and the CID's bytes."""
    cid = b"\x00" + root.bytes
    return (
        b"\xa2"
        + b"\x65roots"
        + b"\x81\xd8\x2a"
        + bytes([0x58, len(cid)])
        + cid
        + b"\x67version"
        + b"\x01"
    )


def write_car(data: bytes) -> bytes:
    """The CAR of `data`'s DAG, root first, then the blocks depth first."""
    root, blocks = blocks_of(data)
    header = _header(root)
    out = bytearray(varint(len(header)) + header)
    order, stack = [], [root]
    while stack:
        cid = stack.pop()
        order.append(cid)
        if cid.codec == DAG_PB:
            stack.extend(reversed(_links(blocks[cid])))
    for cid in order:
        entry = cid.bytes + blocks[cid]
        out += varint(len(entry)) + entry
    return bytes(out)


def _links(block: bytes) -> list[Cid]:
    """The CIDs a dag-pb block links to, in order (field 2: PBLink, whose field 1 is Hash)."""
    links, at = [], 0
    while at < len(block):
        key, at = _read_varint(block, at)
        if key & 7 != 2:
            raise InvalidCar(f"dag-pb: unexpected wire type {key & 7}")
        length, at = _read_varint(block, at)
        payload, at = block[at : at + length], at + length
        if key >> 3 == 2:
            inner_key, i = _read_varint(payload, 0)
            if inner_key != (1 << 3 | 2):
                raise InvalidCar("dag-pb: a link without a hash")
            n, i = _read_varint(payload, i)
            links.append(Cid.from_bytes(payload[i : i + n]))
    return links


def read_car(car: bytes) -> tuple[Cid, bytes]:
    """(root, the file's bytes) of a CAR made by `write_car` or an IPFS node; every block is
    re-hashed, and the result must hash to the root."""
    try:
        length, at = _read_varint(car, 0)
        header, at = car[at : at + length], at + length
        marker = b"\x81\xd8\x2a"
        start = header.index(marker) + len(marker)
        size = header[start + 1]
        root = Cid.from_bytes(header[start + 3 : start + 2 + size])
        blocks: dict[Cid, bytes] = {}
        while at < len(car):
            length, at = _read_varint(car, at)
            entry, at = car[at : at + length], at + length
            _, i = _read_varint(entry, 0)
            _, i = _read_varint(entry, i)
            cid = Cid.from_bytes(entry[: i + 34])
            block = entry[i + 34 :]
            if hashlib.sha256(block).digest() != cid.digest:
                raise InvalidCar(f"block {cid} does not hash to its CID")
            blocks[cid] = block
    except (ValueError, IndexError) as err:
        if isinstance(err, InvalidCar):
            raise
        raise InvalidCar(f"not a CAR v1 file ({err})") from None

    def content(cid: Cid) -> bytes:
        if cid not in blocks:
            raise InvalidCar(f"the CAR lacks block {cid}")
        if cid.codec == RAW:
            return blocks[cid]
        return b"".join(content(child) for child in _links(blocks[cid]))

    data = content(root)
    if cid_of(data) != root:
        raise InvalidCar(f"the CAR's content does not hash to its root {root}")
    return root, data
