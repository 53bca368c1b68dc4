#!/usr/bin/env python3
"""Renders a captured terminal pane (tmux capture-pane -p) of ferry's half-block QR codes as a
PGM image for zbarimg. ferry draws the light modules: in each character cell the upper half is
light for '▀' and '█', the lower half for '▄' and '█'; a space (and any other character) is the
dark terminal background. Each module becomes SCALE x SCALE pixels.

usage: pane2pgm.py PANE.txt OUT.pgm [SCALE]"""
import sys

UPPER = {"\u2580", "\u2588"}
LOWER = {"\u2584", "\u2588"}
BLOCKS = UPPER | LOWER


def main():
    src, dst = sys.argv[1], sys.argv[2]
    scale = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    with open(src, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f]
    # the code: the rows that hold half blocks (the status line and blank rows are not part)
    rows = [l for l in lines if any(c in BLOCKS for c in l)]
    if not rows:
        sys.exit("no half-block characters in the pane")
    width = max(len(l) for l in rows) + 8  # dark margin right of the code
    px = []
    for l in rows:
        l = l.ljust(width)
        for half in (UPPER, LOWER):
            line = bytearray()
            for c in l:
                line += (b"\xff" if c in half else b"\x00") * scale
            px.extend([bytes(line)] * scale)
    with open(dst, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (width * scale, len(px)))
        f.writelines(px)


if __name__ == "__main__":
    main()
