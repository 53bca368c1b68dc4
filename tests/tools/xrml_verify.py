#!/usr/bin/env python3
"""Independent XrML 1.2 verifier for ferry's tests (python3 standard library only).

Shares no code with ferry or its stand-in enrollment service: it is a second reading of
[MS-RMPR] 2.2.9 and of how the spec's real samples (4.5) are signed, written from the
specification and the measurements in RMS-NOTES, to check that ferry-enrolld signs the way
Microsoft's documents are signed. The reading:

  * PUBLICKEY: PARAMETER public-exponent VALUE (integer32, decimal), PARAMETER modulus VALUE
    (base64 of the modulus bytes, LITTLE-endian), size in bits.
  * DIGEST/VALUE = SHA-1 (or SHA-256) of the UTF-16LE encoding of the document's text from
    "<BODY" through "</BODY>", with the white space between tags removed ("surface-coding").
  * SIGNATURE/VALUE = big-endian RSA PKCS#1 v1.5 signature (DigestInfo of that hash) by the key
    in BODY/ISSUER/PUBLICKEY. RSA is pow(sig, e, n); the padding and DigestInfo are checked byte
    for byte.

Usage:
  xrml_verify.py doc FILE...              each file one XrML document; all must verify
  xrml_verify.py chain SLC SVC ECA CA [checks]
  xrml_verify.py answer SOAPFILE [--extract DIR] [checks]
      the EnrollResponse of MS-RMPR 3.6.4.1.4.7: four LicensorCertificateChain/string, each an
      XrML document as escaped text; --extract writes them to DIR/cert1.xml..cert4.xml
checks:
  --request FILE    the Enroll request (SOAP or bare EnrollParameters): the SLC's principal key
                    and GUID must be its aPublicKeyBytes and Guid
  --root-fp HEX     SHA-256 of the DER SubjectPublicKeyInfo of the key that signed the CA
                    certificate ("Microsoft DRM Production Root", not in the chain)
  --range-days N    the SLC's ISSUE right RANGETIME spans N days (+-1)
  --validity-days N the SLC's VALIDITYTIME spans N days (+-1)
Exit 0: everything verified; 1: a check failed (each failure printed, naming the document and
the check); 2: usage error.
"""
import base64
import datetime
import hashlib
import os
import re
import sys
import xml.etree.ElementTree as ET

RMS_NS = "http://microsoft.com/DRM/EnrollmentService"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"

DIGESTINFO = {
    "SHA1": bytes.fromhex("3021300906052b0e03021a05000414"),
    "SHA256": bytes.fromhex("3031300d060960864801650304020105000420"),
}
HASHES = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256}


class Fail(Exception):
    pass


def b64(text, what):
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except ValueError as e:
        raise Fail("%s: not base64 (%s)" % (what, e))


def child(el, *path):
    for name in path:
        nxt = None
        if el is not None:
            for c in el:
                if c.tag == name:
                    nxt = c
                    break
        el = nxt
    return el


def children(el, name):
    return [c for c in el if c.tag == name] if el is not None else []


class Key:
    def __init__(self, n, e, size):
        self.n, self.e, self.size = n, e, size

    def __eq__(self, o):
        return isinstance(o, Key) and (self.n, self.e) == (o.n, o.e)

    def spki_der(self):
        return der_spki(self.n, self.e)

    def fingerprint(self):
        return hashlib.sha256(self.spki_der()).hexdigest()


def read_publickey(pk, what):
    """PUBLICKEY (MS-RMPR 2.2.9.1.6): little-endian modulus."""
    if pk is None:
        raise Fail("%s: no PUBLICKEY" % what)
    alg = (child(pk, "ALGORITHM").text or "").strip() if child(pk, "ALGORITHM") is not None else ""
    if alg != "RSA":
        raise Fail("%s/PUBLICKEY: ALGORITHM %r, not RSA" % (what, alg))
    e = n = None
    size = None
    for p in children(pk, "PARAMETER"):
        v = child(p, "VALUE")
        if v is None:
            raise Fail("%s/PUBLICKEY: PARAMETER %s without VALUE" % (what, p.get("name")))
        if p.get("name") == "public-exponent":
            if v.get("encoding") != "integer32" or not (v.text or "").strip().isdigit():
                raise Fail("%s/PUBLICKEY: public-exponent is not an integer32" % what)
            e = int(v.text.strip())
        elif p.get("name") == "modulus":
            if v.get("encoding") != "base64":
                raise Fail("%s/PUBLICKEY: modulus is not base64" % what)
            raw = b64(v.text, what + "/PUBLICKEY/modulus")
            n = int.from_bytes(raw, "little")
            size = v.get("size")
    if e is None or n is None:
        raise Fail("%s/PUBLICKEY: no public-exponent or no modulus" % what)
    if size is None or not size.isdigit() or int(size) != n.bit_length():
        raise Fail("%s/PUBLICKEY: modulus is %d bits (little-endian) but size=%r"
                   % (what, n.bit_length(), size))
    return Key(n, e, int(size))


def body_text(text, what):
    """<BODY ...>...</BODY> exactly as written, white space between tags removed."""
    start = text.find("<BODY")
    end = text.find("</BODY>")
    if start < 0 or end < start or text.find("<BODY", start + 1) >= 0:
        raise Fail("%s: not exactly one <BODY>...</BODY>" % what)
    return re.sub(r">\s+<", "><", text[start:end + len("</BODY>")])


def rsa_pkcs1_verify(key, sig, hname, digest, what):
    k = (key.n.bit_length() + 7) // 8
    if len(sig) != k:
        raise Fail("%s: SIGNATURE/VALUE is %d bytes, the ISSUER key %d" % (what, len(sig), k))
    s = int.from_bytes(sig, "big")
    if s >= key.n:
        raise Fail("%s: SIGNATURE/VALUE is not below the ISSUER key's modulus" % what)
    em = pow(s, key.e, key.n).to_bytes(k, "big")
    t = DIGESTINFO[hname] + digest
    ps = k - 3 - len(t)
    want = b"\x00\x01" + b"\xff" * ps + b"\x00" + t
    if ps < 8 or em != want:
        raise Fail("%s: RSA PKCS#1 v1.5 signature does not verify with the ISSUER key "
                   "(big-endian signature, little-endian modulus, %s DigestInfo)" % (what, hname))


class Cert:
    pass


def parse_time(s, what):
    try:
        return datetime.datetime.strptime((s or "").strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise Fail("%s: time %r is not YYYY-MM-DDTHH:MM" % (what, s))


def verify_doc(text, what):
    """Digest and signature of one XrML document; returns its parsed fields."""
    if text.startswith("\ufeff"):
        text = text[1:]
    body = body_text(text, what)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise Fail("%s: not well-formed XML (%s)" % (what, e))
    if root.tag != "XrML":
        raise Fail("%s: root element is <%s>, not XrML" % (what, root.tag))
    sig = child(root, "SIGNATURE")
    bodyel = child(root, "BODY")
    if sig is None or bodyel is None:
        raise Fail("%s: no BODY or no SIGNATURE" % what)
    dg = child(sig, "DIGEST")
    if dg is None:
        raise Fail("%s: SIGNATURE has no DIGEST" % what)
    hname = (child(dg, "ALGORITHM").text or "").strip() if child(dg, "ALGORITHM") is not None else ""
    hname = hname.replace("-", "").upper()
    if hname not in HASHES:
        raise Fail("%s: DIGEST/ALGORITHM %r is neither SHA1 nor SHA256" % (what, hname))
    salg = child(sig, "ALGORITHM")
    if salg is None or (salg.text or "").strip() != "RSA PKCS#1-V1.5":
        raise Fail("%s: SIGNATURE/ALGORITHM is not RSA PKCS#1-V1.5" % what)
    digest = HASHES[hname](body.encode("utf-16-le")).digest()
    if b64(child(dg, "VALUE").text if child(dg, "VALUE") is not None else "",
           what + "/SIGNATURE/DIGEST/VALUE") != digest:
        raise Fail("%s: DIGEST/VALUE is not the %s of the BODY (UTF-16LE, surface coding)"
                   % (what, hname))
    ikey = read_publickey(child(bodyel, "ISSUER", "PUBLICKEY"), what + " ISSUER")
    sval = child(sig, "VALUE")
    rsa_pkcs1_verify(ikey, b64(sval.text if sval is not None else "", what + "/SIGNATURE/VALUE"),
                     hname, digest, what)
    c = Cert()
    c.what, c.body, c.hname, c.issuer_key = what, bodyel, hname, ikey
    return c


def obj_fields(obj, what):
    if obj is None:
        raise Fail("%s: no OBJECT" % what)
    idel = child(obj, "ID")
    return (obj.get("type"), idel.get("type") if idel is not None else None,
            (idel.text or "").strip() if idel is not None else None,
            child(obj, "NAME"), child(obj, "ADDRESS"))


# MS-RMPR 2.2.9.3.1-3, production hierarchy: (descriptor type, issuer object type, issuer ID
# type, issuer ID or None for a GUID, principal object type, principal ID type, principal ID).
ROLES = [
    ("SLC", "Server-Licensor-Certificate", "MS-DRM-Server", "MS-GUID", None,
     "MS-DRM-Server", "MS-GUID", None),
    ("Enrollment Service certificate", "Server-Licensor-Certificate", "DRM-Certificate-Authority",
     "ascii-tag", "Microsoft DRM Production Server Enrollment CA", "MS-DRM-Server", "MS-GUID", None),
    ("Enrollment CA certificate", "DRM-CA-Certificate", "DRM-Certificate-Authority", "ascii-tag",
     "Microsoft DRM Production CA", "DRM-Certificate-Authority", "ascii-tag",
     "Microsoft DRM Production Server Enrollment CA"),
    ("CA certificate", "DRM-CA-Certificate", "DRM-Certificate-Authority", "ascii-tag",
     "Microsoft DRM Production Root", "DRM-Certificate-Authority", "ascii-tag",
     "Microsoft DRM Production CA"),
]
GUID_RE = re.compile(r"^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$")


def issue_rangetime(body, what):
    for r in body.iter("RIGHT"):
        if r.get("name") == "ISSUE":
            rt = child(r, "CONDITIONLIST", "TIME", "RANGETIME")
            if rt is None:
                raise Fail("%s: the ISSUE right has no CONDITIONLIST/TIME/RANGETIME" % what)
            return (parse_time(child(rt, "FROM").text, what + " RANGETIME/FROM"),
                    parse_time(child(rt, "UNTIL").text, what + " RANGETIME/UNTIL"))
    raise Fail("%s: no RIGHT name=\"ISSUE\" (MS-RMPR 2.2.9.3)" % what)


def check_chain(certs, opts):
    if len(certs) != 4:
        raise Fail("the chain has %d certificates, MS-RMPR 3.6.4.1.4.7 says four" % len(certs))
    for i, (c, role) in enumerate(zip(certs, ROLES)):
        name, dtype, itype, iidtype, iid, ptype, pidtype, pid = role
        w = "certificate %d (%s)" % (i + 1, name)
        d = obj_fields(child(c.body, "DESCRIPTOR", "OBJECT"), w + " DESCRIPTOR")
        if d[0] != dtype or d[1] != "MS-GUID" or not GUID_RE.match(d[2] or ""):
            raise Fail("%s: DESCRIPTOR/OBJECT is %s/%s %s, want %s with an MS-GUID in braces"
                       % (w, d[0], d[1], d[2], dtype))
        iss = obj_fields(child(c.body, "ISSUER", "OBJECT"), w + " ISSUER")
        if iss[0] != itype or iss[1] != iidtype or (iid is not None and iss[2] != iid):
            raise Fail("%s: ISSUER/OBJECT is %s, ID %s %r; want %s, ID %s %r"
                       % (w, iss[0], iss[1], iss[2], itype, iidtype, iid))
        prs = children(child(c.body, "ISSUEDPRINCIPALS"), "PRINCIPAL")
        if len(prs) != 1:
            raise Fail("%s: ISSUEDPRINCIPALS holds %d PRINCIPAL, want one" % (w, len(prs)))
        p = obj_fields(child(prs[0], "OBJECT"), w + " PRINCIPAL")
        if p[0] != ptype or p[1] != pidtype or (pid is not None and p[2] != pid):
            raise Fail("%s: PRINCIPAL/OBJECT is %s, ID %s %r; want %s, ID %s %r"
                       % (w, p[0], p[1], p[2], ptype, pidtype, pid))
        if pidtype == "MS-GUID" and not GUID_RE.match(p[2] or ""):
            raise Fail("%s: PRINCIPAL ID %r is not a GUID in braces" % (w, p[2]))
        if i == 0 and (p[3] is not None or p[4] is None or p[4].get("type") != "URL"):
            raise Fail("%s: the SLC's principal must have no NAME and an ADDRESS type=\"URL\" "
                       "(MS-RMPR 2.2.9.3.3)" % w)
        if i > 0 and (p[3] is None or p[4] is not None):
            raise Fail("%s: the principal must have a NAME and no ADDRESS (MS-RMPR 2.2.9.3.3)" % w)
        c.principal_key = read_publickey(child(prs[0], "PUBLICKEY"), w + " PRINCIPAL")
        c.principal_id, c.issuer_id = p[2], iss[2]
        c.range = issue_rangetime(c.body, w)
        vt = child(c.body, "VALIDITYTIME")
        c.validity = None if vt is None else (
            parse_time(child(vt, "FROM").text, w + " VALIDITYTIME/FROM"),
            parse_time(child(vt, "UNTIL").text, w + " VALIDITYTIME/UNTIL"))
        c.w = w
    for a, b in zip(certs, certs[1:]):
        if a.issuer_key != b.principal_key:
            raise Fail("%s: ISSUER/PUBLICKEY is not %s's PRINCIPAL/PUBLICKEY (the chain does "
                       "not link)" % (a.w, b.w))
        if a.issuer_id != b.principal_id:
            raise Fail("%s: ISSUER ID %r is not %s's PRINCIPAL ID %r"
                       % (a.w, a.issuer_id, b.w, b.principal_id))
        issued = parse_time(child(a.body, "ISSUEDTIME").text, a.w + " ISSUEDTIME")
        if not (b.range[0] <= issued < b.range[1]):
            raise Fail("%s: ISSUEDTIME %s is outside %s's ISSUE RANGETIME"
                       % (a.w, issued, b.w))
    root = certs[3].issuer_key
    if any(root == c.principal_key for c in certs):
        raise Fail("the key that signed the CA certificate is in the chain: it must be the "
                   "production root, which is not")
    fp = root.fingerprint()
    print("root key (signed the CA certificate, not in the chain): SHA-256 %s" %
          " ".join(fp[i:i + 4].upper() for i in range(0, 64, 4)))
    if opts.get("root_fp") and opts["root_fp"] != fp:
        raise Fail("certificate 4 (CA certificate): signed by a root key with SHA-256 %s, "
                   "not the pinned %s" % (fp, opts["root_fp"]))
    slc = certs[0]
    print("SLC: principal %s, ISSUE RANGETIME %s .. %s, VALIDITYTIME %s"
          % (slc.principal_id, slc.range[0], slc.range[1],
             "%s .. %s" % slc.validity if slc.validity else "absent"))
    for key, span, label in (("range_days", slc.range, "ISSUE RANGETIME"),
                             ("validity_days", slc.validity, "VALIDITYTIME")):
        if opts.get(key) is not None:
            if span is None:
                raise Fail("certificate 1 (SLC): no %s" % label)
            days = (span[1] - span[0]).total_seconds() / 86400
            if abs(days - opts[key]) > 1:
                raise Fail("certificate 1 (SLC): %s spans %.1f days, want %d"
                           % (label, days, opts[key]))
    if opts.get("request"):
        rkey, rguid = opts["request"]
        if slc.principal_key != rkey:
            raise Fail("certificate 1 (SLC): PRINCIPAL/PUBLICKEY is not the request's "
                       "aPublicKeyBytes")
        if slc.principal_id.strip("{}").lower() != rguid.strip("{}").lower():
            raise Fail("certificate 1 (SLC): PRINCIPAL ID %s is not the request's Guid %s"
                       % (slc.principal_id, rguid))


# ---- minimal DER, for the request's RSAPublicKey and the SubjectPublicKeyInfo fingerprint ----

def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag, content):
    return bytes([tag]) + der_len(len(content)) + content


def der_int(v):
    b = v.to_bytes(v.bit_length() // 8 + 1, "big")
    return der(0x02, b)


def der_spki(n, e):
    rsapub = der(0x30, der_int(n) + der_int(e))
    alg = der(0x30, der(0x06, bytes.fromhex("2a864886f70d010101")) + b"\x05\x00")
    return der(0x30, alg + der(0x03, b"\x00" + rsapub))


def parse_rsapublickey(raw, what):
    """DER RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }; exact DER."""
    def take(buf, pos, tag):
        if pos + 2 > len(buf) or buf[pos] != tag:
            raise Fail("%s: not a DER RSAPublicKey" % what)
        ln = buf[pos + 1]
        pos += 2
        if ln & 0x80:
            nb = ln & 0x7f
            ln = int.from_bytes(buf[pos:pos + nb], "big")
            pos += nb
        if pos + ln > len(buf):
            raise Fail("%s: truncated DER" % what)
        return buf[pos:pos + ln], pos + ln
    seq, end = take(raw, 0, 0x30)
    if end != len(raw):
        raise Fail("%s: bytes after the RSAPublicKey" % what)
    n, p = take(seq, 0, 0x02)
    e, p = take(seq, p, 0x02)
    if p != len(seq):
        raise Fail("%s: more than two INTEGERs" % what)
    key = Key(int.from_bytes(n, "big"), int.from_bytes(e, "big"), 0)
    if der(0x30, der_int(key.n) + der_int(key.e)) != raw:
        raise Fail("%s: not DER (re-encoding differs)" % what)
    return key


def read_request(path):
    root = ET.parse(path).getroot()
    cpk = next(root.iter("{%s}CertificatePublicKey" % RMS_NS), None)
    if cpk is None:
        raise Fail("%s: no CertificatePublicKey" % path)
    kb = child(cpk, "{%s}aPublicKeyBytes" % RMS_NS)
    g = child(cpk, "{%s}Guid" % RMS_NS)
    if kb is None or g is None:
        raise Fail("%s: no aPublicKeyBytes or no Guid" % path)
    return (parse_rsapublickey(b64(kb.text, path + " aPublicKeyBytes"), path + " aPublicKeyBytes"),
            (g.text or "").strip())


def answer_strings(path):
    root = ET.parse(path).getroot()
    if root.tag != "{%s}Envelope" % SOAP11_NS:
        raise Fail("%s: not a SOAP 1.1 Envelope" % path)
    resp = child(root, "{%s}Body" % SOAP11_NS, "{%s}EnrollResponse" % RMS_NS,
                 "{%s}EnrollResult" % RMS_NS, "{%s}LicensorCertificateChain" % RMS_NS)
    if resp is None:
        raise Fail("%s: no Body/EnrollResponse/EnrollResult/LicensorCertificateChain" % path)
    strs = list(resp)
    if len(strs) != 4 or any(s.tag != "{%s}string" % RMS_NS or len(s) for s in strs):
        raise Fail("%s: LicensorCertificateChain must hold exactly four string elements of "
                   "text (MS-RMPR 3.6.4.1.4.7)" % path)
    return [s.text or "" for s in strs]


def read_text(path):
    raw = open(path, "rb").read()
    if raw.startswith(b"\xff\xfe"):
        return raw.decode("utf-16-le")
    return raw.decode("utf-8")


def main(argv):
    if len(argv) < 2 or argv[0] not in ("doc", "chain", "answer"):
        sys.stderr.write(__doc__)
        return 2
    mode, args = argv[0], argv[1:]
    opts, files, extract = {}, [], None
    try:
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("--request", "--root-fp", "--range-days", "--validity-days", "--extract"):
                v = args[i + 1]
                i += 2
                if a == "--request":
                    opts["request"] = read_request(v)
                elif a == "--root-fp":
                    opts["root_fp"] = re.sub(r"[\s:]", "", v).lower()
                elif a == "--extract":
                    extract = v
                else:
                    opts[a[2:].replace("-", "_")] = int(v)
            else:
                files.append(a)
                i += 1
    except (IndexError, ValueError):
        sys.stderr.write(__doc__)
        return 2
    failed = 0
    try:
        if mode == "doc":
            for f in files:
                try:
                    c = verify_doc(read_text(f), f)
                    print("%s: ok (%s digest, RSA %d-bit issuer key)"
                          % (f, c.hname, c.issuer_key.n.bit_length()))
                except Fail as e:
                    print("FAIL %s" % e)
                    failed += 1
            return 1 if failed else 0
        if mode == "chain":
            if len(files) != 4:
                sys.stderr.write("chain takes four files\n")
                return 2
            texts = [read_text(f) for f in files]
        else:
            if len(files) != 1:
                sys.stderr.write("answer takes one file\n")
                return 2
            texts = answer_strings(files[0])
            if extract:
                for n, t in enumerate(texts, 1):
                    with open(os.path.join(extract, "cert%d.xml" % n), "w", encoding="utf-8") as o:
                        o.write(t)
        certs = []
        for n, (t, role) in enumerate(zip(texts, ROLES), 1):
            certs.append(verify_doc(t, "certificate %d (%s)" % (n, role[0])))
        check_chain(certs, opts)
        print("ok: four certificates verify and link")
        return 0
    except Fail as e:
        print("FAIL %s" % e)
        return 1
    except (OSError, ET.ParseError, UnicodeDecodeError) as e:
        print("FAIL %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
