#!/usr/bin/env bash
# Makes ferry's RMS test vectors to the letter of MS-RMPR (see FORMAT.md beside this script):
# request files in both shapes the specification allows (3.6.4.2.1.1 EnrollParameters, WSDL 6.6
# Enroll/oInput) and their refusals, and enrollment answers (SOAP EnrollResponse, 3.6.4.1, and
# the 3.6.4.2.1.2 response document) holding the four-certificate XrML chain of 2.2.9.3, signed
# the way the real examples in spec/ are: SHA-1 (or SHA-256) over the UTF-16LE BODY text with the
# white space between tags removed ("surface-coding"), RSA PKCS#1 v1.5, moduli little-endian.
# Also seeds the fuzz corpora rms_request, rms_response and xrml.
# python3 + the openssl command. Keys are kept if present (a re-run gives the same bytes: PKCS#1
# v1.5 signatures are deterministic); --new-keys makes new ones.
#   usage: tests/vectors/rms/mkvectors.sh [--new-keys]
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
[ "${1:-}" = "--new-keys" ] && rm -f "$HERE"/keys/*.pem
exec python3 - "$HERE" <<'PYTHON'
import base64, hashlib, os, re, subprocess, sys, tempfile

HERE = sys.argv[1]
KEYS = os.path.join(HERE, "keys")
CORPUS = os.path.join(HERE, "..", "..", "fuzz", "corpus")
os.makedirs(KEYS, exist_ok=True)
for d in ("rms_request", "rms_response", "xrml"):
    os.makedirs(os.path.join(CORPUS, d), exist_ok=True)

RMS_NS = "http://microsoft.com/DRM/EnrollmentService"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
GUID1 = "{3F2504E0-4F89-11D3-9A0C-0305E82C3301}"
GUID2 = "{7C9E6679-7425-40DE-944B-E07FC1F90AE7}"
GUID3 = "A1B2C3D4-E5F6-4789-ABCD-EF0123456789"  # no braces: the WSDL's pattern
GUID_OTHER = "{11111111-2222-4333-8444-555555555555}"
GUID_ESVC = "{5D3C9A2E-1F4B-4C6D-8E7F-90A1B2C3D4E5}"  # the Enrollment Service's principal


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout


def mkkey(name, bits):
    path = os.path.join(KEYS, name + ".pem")
    if not os.path.exists(path):
        pem = openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:%d" % bits)
        with open(path, "wb") as f:
            f.write(("synthetic test key made by ferry's mkvectors.sh (RSA %d), never used "
                     "anywhere real\n" % bits).encode() + pem)
    return path


KEY = {n: mkkey(n, b) for n, b in [
    ("server1", 2048), ("server2", 2048), ("server3", 1024), ("weak512", 512),
    ("big3072", 3072), ("enrollsvc", 2048), ("enrollca", 2048), ("ca", 2048),
    ("root", 2048), ("rogue", 2048)]}


def modulus(name):  # big-endian bytes
    out = openssl("rsa", "-in", KEY[name], "-noout", "-modulus").decode()
    return bytes.fromhex(out.strip().split("=", 1)[1])


def pkcs1_b64(name):
    der = openssl("rsa", "-in", KEY[name], "-RSAPublicKey_out", "-outform", "DER")
    return base64.b64encode(der).decode()


def write(name, data, corpus=None):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    if corpus:
        with open(os.path.join(CORPUS, corpus, name), "wb") as f:
            f.write(data)


# ---- requests (3.6.4.2.1.1 and WSDL 6.6) --------------------------------------------------------

def params(key="server1", guid=GUID1, rev="StandardRevocation", auths=None, sku="Windows RMS",
           version="1.0.0.0", name="RMS01", url="https://rms01.example.test/_wmcs",
           extra_enrollee="", key_b64=None, nl="\n", auth_info=False, enrollee=None):
    k = key_b64 if key_b64 is not None else pkcs1_b64(key)
    a = ""
    if auths is not None:
        a = nl + "    <aRevocationAuthorities>" + "".join(
            nl + "      <RevocationAuthorityInformation><aRevocationAuthorityPublicKey>%s"
            "</aRevocationAuthorityPublicKey></RevocationAuthorityInformation>" % pkcs1_b64(x)
            for x in auths) + (nl + "    " if auths else "") + "</aRevocationAuthorities>"
    if enrollee is None:
        enrollee = "".join(nl + "    <%s>%s</%s>" % (t, v, t) for t, v in
                           (("SKU", sku), ("Version", version), ("Name", name), ("URL", url))
                           if v is not None) + extra_enrollee
    return ((nl + "  <AuthorizationInformation />" if auth_info else "") +
            nl + "  <RevocationInformation>" + nl + "    <RevocationType>%s</RevocationType>" % rev +
            a + nl + "  </RevocationInformation>" +
            nl + "  <CertificatePublicKey>" + nl + "    <aPublicKeyBytes>%s</aPublicKeyBytes>" % k +
            nl + "    <Guid>%s</Guid>" % guid + nl + "  </CertificatePublicKey>" +
            nl + "  <EnrolleeInformation>" + enrollee + nl + "  </EnrolleeInformation>")


def bare(nl="\n", decl='<?xml version="1.0"?>', **kw):
    return (decl + nl + '<EnrollParameters xmlns="%s">' % RMS_NS + params(nl=nl, **kw) + nl +
            "</EnrollParameters>" + nl)


def soap(version_data=True, nl="\n", inner="oInput", **kw):
    hdr = (nl + "  <soap:Header><VersionData xmlns=\"%s\"><MinimumVersion>1.0.0.0</MinimumVersion>"
           "<MaximumVersion>1.0.0.0</MaximumVersion></VersionData></soap:Header>" % RMS_NS
           if version_data else "")
    return ('<?xml version="1.0" encoding="utf-8"?>' + nl +
            '<soap:Envelope xmlns:soap="%s" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema">' % SOAP_NS + hdr + nl +
            '  <soap:Body><Enroll xmlns="%s"><%s>' % (RMS_NS, inner) +
            params(nl=nl, auth_info=True, **kw) + nl + "  </%s></Enroll></soap:Body>" % inner + nl +
            "</soap:Envelope>" + nl)


plain = bare()
write("req-plain.xml", plain, "rms_request")
write("req-crlf.xml", bare(nl="\r\n"), "rms_request")
write("req-bom.xml", b"\xef\xbb\xbf" + bare(nl="\r\n").encode(), "rms_request")
write("req-soap.xml", soap(), "rms_request")
write("req-soap-noheader.xml", soap(version_data=False, nl="\r\n"), "rms_request")
write("req-nonascii.xml", bare(key="server2", guid=GUID2, name="Serveur-Zürich-東京",
                               url="https://zurich.example.test/_wmcs"), "rms_request")
write("req-guid-nobraces.xml", bare(key="server3", guid=GUID3, name=None,
                                    url="https://rms03.example.test/_wmcs"), "rms_request")
write("req-custom.xml", bare(rev="CustomRevocation", auths=["server2"]), "rms_request")
write("req-ascii-decl.xml", bare(decl='<?xml version="1.0" encoding="us-ascii"?>'), "rms_request")

write("bad-not-xml.xml", "this is not an RMS request\n", "rms_request")
write("bad-getlicensorcert.xml", soap().replace("<Enroll ", "<GetLicensorCertificate ")
      .replace("</Enroll>", "</GetLicensorCertificate>"), "rms_request")
write("bad-enrollparameters-in-enroll.xml", soap(inner="EnrollParameters"), "rms_request")
write("bad-no-key.xml", re.sub(r"\s*<aPublicKeyBytes>[^<]*</aPublicKeyBytes>", "", plain), "rms_request")
write("bad-base64.xml", bare(key_b64="MIIBCgKCAQEA!!!not-base64!!!"), "rms_request")
write("bad-rsa512.xml", bare(key="weak512"), "rms_request")
write("bad-rsa3072.xml", bare(key="big3072"), "rms_request")
write("bad-guid.xml", bare(guid="{3F2504E0-4F89-11D3-9A0C-0305E82C33}"), "rms_request")
write("bad-latin1.xml", bare(decl='<?xml version="1.0" encoding="iso-8859-1"?>'), "rms_request")
write("bad-namespace.xml", plain.replace(RMS_NS, "http://example.test/NotEnrollment"), "rms_request")
write("bad-two-keys.xml", plain.replace("<aPublicKeyBytes>", "<aPublicKeyBytes>%s</aPublicKeyBytes>"
                                        "<aPublicKeyBytes>" % pkcs1_b64("server2"), 1), "rms_request")
write("bad-servername.xml", bare(extra_enrollee="\n    <ServerName>rms01</ServerName>"), "rms_request")
write("bad-empty-version.xml", bare(version=""), "rms_request")
write("bad-no-version.xml", bare(version=None), "rms_request")
write("bad-revocation-type.xml", bare(rev="NonRevocable"), "rms_request")
write("bad-custom-no-authorities.xml", bare(rev="CustomRevocation", auths=[]), "rms_request")
write("bad-standard-with-authorities.xml", bare(auths=["server2"]), "rms_request")
write("bad-doctype.xml", plain.replace('<?xml version="1.0"?>\n', '<?xml version="1.0"?>\n'
      '<!DOCTYPE EnrollParameters SYSTEM "http://127.0.0.1:9/x.dtd">\n'), "rms_request")
write("bad-billion-laughs.xml", '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
      '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
      + plain.split("\n", 1)[1].replace("<Name>RMS01</Name>", "<Name>&lol3;</Name>"), "rms_request")

# ---- XrML certificates (2.2.9.3) ----------------------------------------------------------------

def publickey(name, big_endian=False):
    m = modulus(name)
    v = m if big_endian else m[::-1]
    return ('<PUBLICKEY><ALGORITHM>RSA</ALGORITHM><PARAMETER name="public-exponent">'
            '<VALUE encoding="integer32">65537</VALUE></PARAMETER><PARAMETER name="modulus">'
            '<VALUE encoding="base64" size="%d">%s</VALUE></PARAMETER></PUBLICKEY>'
            % (len(m) * 8, base64.b64encode(v).decode()))


def surface(body):  # white space between tags removed, UTF-16LE
    return re.sub(r">\s+<", "><", body).encode("utf-16-le")


def sign(digest, key, sha256=False):
    with tempfile.NamedTemporaryFile() as f:
        f.write(digest)
        f.flush()
        return openssl("pkeyutl", "-sign", "-inkey", KEY[key], "-in", f.name, "-pkeyopt",
                       "digest:" + ("sha256" if sha256 else "sha1"))


def obj(type_, id_type, id_, name=None, url=None):
    return ('<OBJECT type="%s"><ID type="%s">%s</ID>' % (type_, id_type, id_) +
            ("<NAME>%s</NAME>" % name if name is not None else "") +
            ('<ADDRESS type="URL">%s</ADDRESS>' % url if url is not None else "") + "</OBJECT>")


def cert(descriptor, guid, issuer_obj, issuer_key, principal_obj, principal_key, issued,
         valid, rng, signer=None, sha256=False, big_endian=False, tamper=None, redigest=False,
         extra_principal=""):
    work = '<OBJECT type="%s"><ID type="MS-GUID">%s</ID></OBJECT>' % (descriptor, guid)
    body = ('<BODY type="LICENSE" version="3.0"><ISSUEDTIME>%s</ISSUEDTIME>' % issued +
            ('<VALIDITYTIME><FROM>%s</FROM><UNTIL>%s</UNTIL></VALIDITYTIME>' % valid if valid else "") +
            '<DESCRIPTOR>%s</DESCRIPTOR>' % work +
            '<ISSUER>%s%s</ISSUER>' % (issuer_obj, publickey(issuer_key, big_endian)) +
            '<ISSUEDPRINCIPALS><PRINCIPAL internal-id="1">%s%s%s</PRINCIPAL></ISSUEDPRINCIPALS>'
            % (principal_obj, publickey(principal_key, big_endian), extra_principal) +
            '<WORK>%s<RIGHTSGROUP name="Main-Rights"><RIGHTSLIST><RIGHT name="ISSUE"><CONDITIONLIST>'
            '<TIME><RANGETIME><FROM>%s</FROM><UNTIL>%s</UNTIL></RANGETIME></TIME><ACCESS>'
            '<PRINCIPAL internal-id="1" /></ACCESS></CONDITIONLIST></RIGHT></RIGHTSLIST>'
            '</RIGHTSGROUP></WORK></BODY>' % ((work,) + rng))
    h = hashlib.sha256 if sha256 else hashlib.sha1
    digest = h(surface(body)).digest()
    if big_endian:  # a signer that reads its modulus big-endian: same digest, same RSA
        pass
    sig = sign(digest, signer or issuer_key, sha256)
    if tamper:
        body = body.replace(*tamper)
        if redigest:
            digest = h(surface(body)).digest()
    alg = "SHA256" if sha256 else "SHA1"
    return ('<XrML xmlns="" version="1.2">' + body +
            '<SIGNATURE><DIGEST><ALGORITHM>%s</ALGORITHM><PARAMETER name="codingtype">'
            '<VALUE encoding="string">surface-coding</VALUE></PARAMETER>'
            '<VALUE encoding="base64" size="%d">%s</VALUE></DIGEST>'
            '<ALGORITHM>RSA PKCS#1-V1.5</ALGORITHM><VALUE encoding="base64" size="%d">%s</VALUE>'
            '</SIGNATURE></XrML>' % (alg, len(digest) * 8, base64.b64encode(digest).decode(),
                                     len(sig) * 8, base64.b64encode(sig).decode()))


ESVC_ID = "Microsoft DRM Production Server Enrollment CA"
CA_ID = "Microsoft DRM Production CA"
ROOT_ID = "Microsoft DRM Production Root"
LONG = ("2020-01-01T00:00", "2040-01-01T00:00")


def chain(key="server1", guid=GUID1, issued="2026-11-20T10:00",
          valid=("2026-11-20T10:00", "2033-11-20T10:00"),
          rng=("2026-11-20T10:00", "2027-11-20T10:00"), url="https://rms01.example.test/_wmcs",
          slc_name=None, slc_signer=None, slc_issuer_key="enrollsvc", sha256=False,
          big_endian=False, tamper=None, redigest=False, ca_issuer_key="root",
          ca_issuer_id=ROOT_ID):
    slc = cert("Server-Licensor-Certificate", "{0A0B0C0D-1111-4222-8333-944455556666}",
               obj("MS-DRM-Server", "MS-GUID", GUID_ESVC, "Microsoft DRM Server Enrollment Service"),
               slc_issuer_key, obj("MS-DRM-Server", "MS-GUID", guid, slc_name, url), key, issued,
               valid, rng, signer=slc_signer, sha256=sha256, big_endian=big_endian,
               tamper=tamper, redigest=redigest,
               extra_principal='<SECURITYLEVEL name="Server-Version" value="5.2.3790.134" />')
    esvc = cert("Server-Licensor-Certificate", "{6F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0}",
                obj("DRM-Certificate-Authority", "ascii-tag", ESVC_ID, ESVC_ID), "enrollca",
                obj("MS-DRM-Server", "MS-GUID", GUID_ESVC, "Microsoft DRM Server Enrollment Service"),
                "enrollsvc", "2021-06-01T00:00", LONG, LONG, big_endian=big_endian)
    eca = cert("DRM-CA-Certificate", "{7A6B5C4D-3E2F-4A1B-9C8D-7E6F5A4B3C2D}",
               obj("DRM-Certificate-Authority", "ascii-tag", CA_ID, CA_ID), "ca",
               obj("DRM-Certificate-Authority", "ascii-tag", ESVC_ID, ESVC_ID), "enrollca",
               "2021-01-01T00:00", LONG, LONG, big_endian=big_endian)
    ca = cert("DRM-CA-Certificate", "{8B7C6D5E-4F3A-4B2C-8D1E-0F9A8B7C6D5E}",
              obj("DRM-Certificate-Authority", "ascii-tag", ca_issuer_id, ca_issuer_id),
              ca_issuer_key, obj("DRM-Certificate-Authority", "ascii-tag", CA_ID, CA_ID), "ca",
              "2020-06-01T00:00", LONG, LONG, big_endian=big_endian)
    return [slc, esvc, eca, ca]


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def soap_answer(certs, nl=""):
    return ('<?xml version="1.0" encoding="utf-8"?>' + nl +
            '<soap:Envelope xmlns:soap="%s" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema">' % SOAP_NS + nl +
            '<soap:Header><VersionData xmlns="%s"><MinimumVersion>1.0.0.0</MinimumVersion>'
            '<MaximumVersion>1.0.0.0</MaximumVersion></VersionData></soap:Header>' % RMS_NS + nl +
            '<soap:Body><EnrollResponse xmlns="%s"><EnrollResult><LicensorCertificateChain>' % RMS_NS +
            "".join(nl + "<string>%s</string>" % esc(c) for c in certs) + nl +
            "</LicensorCertificateChain></EnrollResult></EnrollResponse></soap:Body>" + nl +
            "</soap:Envelope>" + nl)


def document(certs):  # 3.6.4.2.1.2, as ferry writes it (no line breaks)
    names = ("SLC", "EnrollmentServiceCert", "EnrollmentCACert", "CACert")
    return ('<?xml version="1.0" encoding="utf-16"?><EnrollResponse xmlns="%s">'
            '<LicensorCertificateChain>' % RMS_NS +
            "".join("<%s>%s</%s>" % (n, esc(c), n) for n, c in zip(names, certs)) +
            "</LicensorCertificateChain></EnrollResponse>")


good = chain()
write("resp-valid.xml", soap_answer(good), "rms_response")
write("resp-document-utf16.xml", b"\xff\xfe" + document(good).encode("utf-16-le"), "rms_response")
write("resp-document-ascii.xml", document(good), "rms_response")
pretty = [re.sub(r"><", ">\n  <", c) for c in good]
write("resp-crlf.xml", soap_answer(pretty, nl="\r\n"), "rms_response")
write("resp-sha256.xml", soap_answer(chain(sha256=True)), "rms_response")
write("resp-nonascii.xml", soap_answer(chain(key="server2", guid=GUID2,
                                             url="https://zurich.example.test/_wmcs")), "rms_response")
write("resp-guid-nobraces.xml", soap_answer(chain(key="server3", guid="{%s}" % GUID3,
                                                  url="https://rms03.example.test/_wmcs")), "rms_response")
write("resp-fault.xml", '<?xml version="1.0" encoding="utf-8"?>\n<soap:Envelope xmlns:soap="%s">'
      "<soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Server was unable to "
      "process request. ---&gt; Version is empty</faultstring></soap:Fault></soap:Body>"
      "</soap:Envelope>\n" % SOAP_NS, "rms_response")
write("resp-other-guid.xml", soap_answer(chain(guid=GUID_OTHER)), "rms_response")
write("resp-other-key.xml", soap_answer(chain(key="server2")), "rms_response")
write("resp-expired.xml", soap_answer(chain(issued="2025-11-01T00:00",
      valid=("2025-11-01T00:00", "2032-11-01T00:00"), rng=("2025-11-01T00:00", "2026-11-01T00:00"))),
      "rms_response")
write("resp-not-yet-valid.xml", soap_answer(chain(issued="2026-12-01T00:00",
      valid=("2026-12-01T00:00", "2033-12-01T00:00"), rng=("2026-12-01T00:00", "2027-12-01T00:00"))),
      "rms_response")
write("resp-tampered.xml", soap_answer(chain(tamper=("2027-11-20T10:00", "2029-11-20T10:00"))),
      "rms_response")
write("resp-tampered-redigested.xml", soap_answer(chain(tamper=("2027-11-20T10:00",
      "2029-11-20T10:00"), redigest=True)), "rms_response")
write("resp-broken-chain.xml", soap_answer(chain(slc_issuer_key="rogue")), "rms_response")
write("resp-wrong-signer.xml", soap_answer(chain(slc_signer="rogue")), "rms_response")
write("resp-big-endian.xml", soap_answer(chain(big_endian=True)), "rms_response")
write("resp-slc-name.xml", soap_answer(chain(slc_name="RMS01")), "rms_response")
write("resp-three.xml", soap_answer(good[:3]), "rms_response")
write("resp-wrong-order.xml", soap_answer([good[1], good[0], good[2], good[3]]), "rms_response")
write("resp-self-signed.xml", soap_answer(chain(ca_issuer_key="ca", ca_issuer_id=ROOT_ID)), "rms_response")
write("resp-other-root.xml", soap_answer(chain(ca_issuer_key="rogue")), "rms_response")
write("resp-body-in-comment.xml", soap_answer([good[0].replace("<BODY", "<!-- <BODY></BODY> --><BODY", 1)]
      + good[1:]), "rms_response")
write("resp-crlf-converted.xml", soap_answer(good).replace("\n", "\r\n").replace("&gt;&lt;", "&gt;\r\n&lt;")
      .replace("2026-11-20T10:00&lt;/ISSUEDTIME", "2026-11-20T10:00\r\n&lt;/ISSUEDTIME"), "rms_response")
write("slc.xml", good[0])  # an SLC alone, as `ferry-offline expiry` reads it
for i, c in enumerate(good):
    with open(os.path.join(CORPUS, "xrml", "chain-%d.xml" % (i + 1)), "w") as f:
        f.write(c)

# the pinned root: SHA-256 of the DER SubjectPublicKeyInfo of the key that signed the CA certificate
spki = openssl("pkey", "-in", KEY["root"], "-pubout", "-outform", "DER")
fp = hashlib.sha256(spki).hexdigest().upper()
write("root-fingerprint.txt", " ".join(fp[i:i + 4] for i in range(0, 64, 4)) + "\n")
print("RMS vectors written to", HERE)
PYTHON
