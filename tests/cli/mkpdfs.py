#!/usr/bin/env python3
"""Writes the two hostile PDFs of issue 14 (built here, not copied): huge.pdf, three pages of
14400 x 14400 pt in under 1 KB (poppler would render 900 megapixels each at 150 dpi), and
blank500.pdf, 500 empty A4 pages in ~40 KB.
usage: mkpdfs.py DIR"""
import os
import sys


def pdf(pages, path):
    objs = ["<< /Type /Catalog /Pages 2 0 R >>", None]
    kids = []
    for w, h in pages:
        kids.append("%d 0 R" % (len(objs) + 1))
        objs.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] >>" % (w, h))
    objs[1] = "<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join(kids), len(kids))
    out = b"%PDF-1.4\n"
    offs = []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i + 1, o.encode())
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    open(path, "wb").write(out)


d = sys.argv[1]
pdf([(14400, 14400)] * 3, os.path.join(d, "huge.pdf"))
pdf([(595, 842)] * 500, os.path.join(d, "blank500.pdf"))
