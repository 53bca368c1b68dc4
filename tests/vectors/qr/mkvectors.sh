#!/bin/sh
# Regenerates the QR golden images with the stock qrencode tool (libqrencode 4.1.1), independent
# of ferry's renderer: tests/test_qr.c checks ferry_qr_raster pixel for pixel against them and
# decodes them with zbar. Run from anywhere: sh tests/vectors/qr/mkvectors.sh
set -eu
cd "$(dirname "$0")"
# name | version | ecc | text (QR alphanumeric alphabet, like ferry frames)
while IFS='|' read -r name ver ecc text; do
    [ -n "$name" ] || continue
    printf '%s' "$text" > "$name.txt"
    printf '%s' "$text" | qrencode -v "$ver" -l "$ecc" -s 4 -m 4 -o "$name.png"
done <<'TABLE'
golden-v5-m|5|M|FERRY GOLDEN 0123456789 $%*+-./:
golden-v10-l|10|L|F1PABCD1234 HELLO QR ALPHANUMERIC FRAME TEXT FOR THE GOLDEN TEST 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ
golden-v25-l|25|L|F1PGOLDEN25 MMZXGYLTEBZGK5DFMFSCA43JNZTWYZJAKFJCAY3PMRSSAZDSMF3W4IDCPEQGMZLSOJ4SAYLOMQQGIZLDN5SGKZBAMJ4SA6TCMFZCAYLOMQQHE2LWMFWHGLRAJFTCA5DINFZSAZ3PNRSGK3RANFWWCZ3FEBRWQYLOM5SXGLBAORUGKIDSMVXGIZLSMVZCA33SEBZWGYLOMVZCA53BNZ2GKZBAN5XGKIDNN5SHK3DFEBWW64TFEB2GQYLOEBQSA4TPOVXGIIDUOJUXAIDUNBZG65LHNAQGCIDSMVXGIZLSEBZXG5DFNUQGC3TEEBQWOYLJNYXCAVDINFZSA2LTEB2GQZJAOJSWCZBNMJQWG2ZAOBQXI2BOEBDEKUSSLEQQ
TABLE
sha256sum golden-*.png golden-*.txt > SHA256SUMS
