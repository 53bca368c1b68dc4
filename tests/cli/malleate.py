#!/usr/bin/env python3
"""Re-encodes the ECDSA signature of a .ferry package (DER CMS SignedData) as (r, n - s): a
different byte string that still verifies, made without the key (signature malleability).
usage: malleate.py IN OUT   -- prints "low" or "high": whether IN's s was <= n/2 (P-256)."""
import sys

N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def parse(b, i):
    """One TLV at b[i:]: (tag, content bytes or list of children, end offset)."""
    tag = b[i]
    n = b[i + 1]
    j = i + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[j:j + k], "big")
        j += k
    end = j + n
    if tag & 0x20:
        kids, p = [], j
        while p < end:
            t = parse(b, p)
            kids.append(t)
            p = t[2]
        return (tag, kids, end)
    return (tag, b[j:end], end)


def enc_len(n):
    if n < 0x80:
        return bytes([n])
    s = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(s)]) + s


def ser(t):
    tag, v, _ = t
    body = b"".join(ser(k) for k in v) if tag & 0x20 else v
    return bytes([tag]) + enc_len(len(body)) + body


def der_int(x):
    s = x.to_bytes((x.bit_length() + 8) // 8, "big")
    return bytes([0x02]) + enc_len(len(s)) + s


data = open(sys.argv[1], "rb").read()
top = parse(data, 0)
assert ser(top) == data, "not canonical DER"
signed = top[1][1][1][0]          # ContentInfo -> [0] -> SignedData
signer_info = signed[1][-1][1][0]  # signerInfos SET -> the one SignerInfo
kids = signer_info[1]
k = max(i for i, c in enumerate(kids) if c[0] == 0x04)  # signature OCTET STRING
sig = parse(kids[k][1], 0)
r = int.from_bytes(sig[1][0][1], "big")
s = int.from_bytes(sig[1][1][1], "big")
print("low" if s <= N // 2 else "high")
body = der_int(r) + der_int(N - s)
kids[k] = (0x04, bytes([0x30]) + enc_len(len(body)) + body, 0)
open(sys.argv[2], "wb").write(ser(top))
