#!/bin/sh
# Regenerates tests/vectors/qrseq/ and seeds tests/fuzz/corpus/{qrframe,qrdec}/ from them.
# The frames are made by an INDEPENDENT implementation of the format in ferry/qrseq.h (Python:
# zlib, Base32, GF(2^8) with polynomial 0x11d, Cauchy rows 1/(i xor j) as ISA-L's
# gf_gen_cauchy1_matrix), so test_qrseq cross-checks the C encoder and decoder against it.
# frames-v*.txt are format version 1, as the first release wrote them (kept: the decoder must
# still read them; this script regenerates them byte for byte); frames2-*.txt format version 2.
# The package is synthetic (base64 of a SHA-256 chain, like the base64 inside a real package).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus="$here/../../fuzz/corpus"
mkdir -p "$corpus/qrframe" "$corpus/qrdec"
python3 - "$here" "$corpus" <<'PY'
import base64, hashlib, sys, zlib

here, corpus = sys.argv[1], sys.argv[2]
CAP = {(2, 'L'): 47, (3, 'L'): 77, (5, 'M'): 122, (10, 'M'): 311}   # ISO 18004 alphanumeric
HDR = 38

def gf_mul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11d
        b >>= 1
    return r

def gf_inv(a):
    return next(x for x in range(1, 256) if gf_mul(a, x) == 1)

def b32(data):
    return base64.b32encode(data).decode().rstrip('=')

def encode(pkg, version, ecc, pct):
    msg = zlib.compress(pkg, 9)
    L = len(msg)
    S = (CAP[(version, ecc)] - HDR) // 8 * 5
    kt = -(-L // S)
    if kt + -(-kt * pct // 100) <= 255:
        kb = kt
    else:
        kmax = 255
        while kmax > 1 and kmax + -(-kmax * pct // 100) > 255:
            kmax -= 1
        nb = -(-kt // kmax)
        kb = -(-kt // nb)
    nb = -(-kt // kb)
    p = min(-(-kb * pct // 100), 255 - kb)
    sess = b32(hashlib.sha256(msg).digest()[:5])
    rows = [msg[i * S:(i + 1) * S].ljust(S, b'\0') for i in range(kt)]
    par = [None] * (nb * p)
    for b in range(nb):
        blk = rows[b * kb:(b + 1) * kb]
        k = len(blk)
        for j in range(p):
            coef = [gf_inv((k + j) ^ c) for c in range(k)]
            out = bytearray(S)
            for c in range(k):
                for x in range(S):
                    out[x] ^= gf_mul(coef[c], blk[c][x])
            par[j * nb + b] = bytes(out)
    head = 'FY1P%s:%d:%d:%d:' % (sess, L, S, kb)
    frames = []
    for n in range(kt):
        frames.append(head + 'D%d:' % n + b32(msg[n * S:(n + 1) * S]))
    for m in range(nb * p):
        frames.append(head + 'R%d:' % m + b32(par[m]))
    return frames

def b36(v, w):
    d = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
    return ''.join(d[(v // 36 ** (w - 1 - i)) % 36] for i in range(w))

def parity_rows(rows, nb, kb, p, S):
    par = [None] * (nb * p)
    for b in range(nb):
        blk = rows[b * kb:(b + 1) * kb]
        k = len(blk)
        for j in range(p):
            coef = [gf_inv((k + j) ^ c) for c in range(k)]
            out = bytearray(S)
            for c in range(k):
                for x in range(S):
                    out[x] ^= gf_mul(coef[c], blk[c][x])
            par[j * nb + b] = bytes(out)
    return par

def encode2(pkg, version, ecc, pct):   # pct None: every parity row the code allows
    msg = zlib.compress(pkg, 9)
    for w in (2, 4):
        S = (CAP[(version, ecc)] - 1 - 7 - 2 * w) * 5 // 8
        kt = -(-len(msg) // S)
        nb = -(-kt // 128)
        kb = -(-kt // nb)
        p = 255 - kb if pct is None else min(-(-kb * pct // 100), 255 - kb)
        if kt + nb * p <= 36 * 36:
            break
    padded = msg.ljust(kt * S, b'\0')
    sess = b32(hashlib.sha256(padded).digest()[:5])[:7]
    rows = [padded[i * S:(i + 1) * S] for i in range(kt)]
    allrows = rows + parity_rows(rows, nb, kb, p, S)
    head = ('F' if w == 2 else 'G') + sess + b36(kt, w)
    return [head + b36(i, w) + b32(r) for i, r in enumerate(allrows)]

chain, h = b'', b'ferry qrseq vector'
while len(chain) < 4500:
    h = hashlib.sha256(h).digest()
    chain += h
pkg = base64.b64encode(chain)[:6000]
open(here + '/package.bin', 'wb').write(pkg)
for (v, e, pct) in [(10, 'M', 50), (3, 'L', 50)]:
    fr = encode(pkg, v, e, pct)
    open('%s/frames-v%d%s-p%d.txt' % (here, v, e, pct), 'w').write('\n'.join(fr) + '\n')
    if v == 10:
        for name, i in [('data0', 0), ('last-data', len(fr) * 2 // 3 - 1), ('parity', -1)]:
            open('%s/qrframe/%s' % (corpus, name), 'w').write(fr[i])
        open(corpus + '/qrdec/all-frames', 'w').write('\n'.join(fr))
        open(corpus + '/qrdec/parity-only', 'w').write('\n'.join(fr[len(fr) // 3:]))
        bad = fr[1][:-1] + ('A' if fr[1][-1] != 'A' else 'B')
        open(corpus + '/qrdec/altered', 'w').write('\n'.join([bad] + fr[2:]))
for (v, e, pct) in [(10, 'M', 50), (3, 'L', 50), (2, 'L', 50), (10, 'M', None)]:
    fr = encode2(pkg, v, e, pct)
    name = '%s/frames2-v%d%s-%s.txt' % (here, v, e, 'pall' if pct is None else 'p%d' % pct)
    open(name, 'w').write('\n'.join(fr) + '\n')
    if (v, pct) == (10, 50):
        for name, i in [('v2-data0', 0), ('v2-parity', -1)]:
            open('%s/qrframe/%s' % (corpus, name), 'w').write(fr[i])
        open(corpus + '/qrdec/v2-all-frames', 'w').write('\n'.join(fr))
        bad = fr[1][:20] + ('A' if fr[1][20] != 'A' else 'B') + fr[1][21:]
        open(corpus + '/qrdec/v2-forged-first', 'w').write('\n'.join([bad] + fr))
open(corpus + '/qrframe/v2-bad-header', 'w').write('FAAAAAAAZZZZAAAAAAAA')
open(corpus + '/qrframe/bad-header', 'w').write('FY1PAAAAAAAA:99999999:5:255:R0:AAAAAAAA')
open(corpus + '/qrdec/mixed', 'w').write('FY1PAAAAAAAA:10:5:2:D0:AAAAAAAA\nFY1PAAAAAAAA:10:5:2:D1:'
                                         'AAAAAAAA\nFY1PBBBBBBBB:10:5:1:D0:AAAAAAAA\n\nGARBAGE')
PY
