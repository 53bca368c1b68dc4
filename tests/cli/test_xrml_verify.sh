#!/bin/bash
# The independent XrML verifier (tests/tools/xrml_verify.py, python3 standard library, no code
# shared with ferry or ferry-enrolld) on Microsoft's real samples and on ferry-enrolld's answers:
# the five intact samples of MS-RMPR 4.5 verify and 4.5.7 does not; one changed byte in the body,
# the digest, the signature or the key is refused, and so is a big-endian reading of the modulus;
# the stand-in's four-certificate chain verifies, links, binds the request and ends in the pinned
# stand-in root, and the same changes to it are refused. This is what shows that the stand-in
# signs the way Microsoft's documents are signed.
set -euo pipefail
: "${FERRY_ENROLLD:?}" "${FERRY_SRC:?}"
command -v python3 >/dev/null || { echo "python3 is needed: ./ferry-dev deps" >&2; exit 77; }
T=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
V=(python3 "$FERRY_SRC/tests/tools/xrml_verify.py")
SPEC=$FERRY_SRC/tests/vectors/rms/spec
FIX=$FERRY_SRC/tests/enrollment-service/fixtures

# expect RC WHAT-IN-OUTPUT CMD...: exit code RC, and (if not empty) WHAT in the output
expect() {
  local want=$1 what=$2; shift 2
  local rc=0
  OUT=$("$@" 2>&1) || rc=$?
  [ "$rc" = "$want" ] || fail "exit $rc (want $want): $* -- $OUT"
  [ -z "$what" ] || grep -qF -- "$what" <<<"$OUT" || fail "'$what' not in: $OUT"
}

# mutate OUTDIR FILE...: for each FILE, OUTDIR/<name>.<part>.xml with one byte of PART changed
# (body, digest, signature, key: the byte is replaced by another of the same class, so the document
# stays well-formed and the base64 stays base64: only the check under test can notice), and
# <name>.bigendian.xml with the ISSUER modulus rewritten as its big-endian bytes and the digest
# recomputed, so that only the reading of the key can fail. One python3 for all (python3 starts
# slowly on a loaded machine).
PARTS="body digest signature key bigendian"
mutate() {
  python3 - "$@" <<'PY'
import base64, hashlib, os, re, sys
outdir, files = sys.argv[1], sys.argv[2:]
PAT = {
    "body": r"<ISSUEDTIME>\s*\d\d\d(\d)",
    "digest": r"<DIGEST>.*?<VALUE encoding=\"base64\"[^>]*>\s*[A-Za-z0-9+/]{5}([A-Za-z0-9+/])",
    "signature": r"</DIGEST>.*?<VALUE encoding=\"base64\"[^>]*>\s*[A-Za-z0-9+/]{9}([A-Za-z0-9+/])",
    "key": r"<ISSUER>.*?name=\"modulus\">\s*<VALUE[^>]*>\s*[A-Za-z0-9+/]{20}([A-Za-z0-9+/])",
}
for src in files:
    t = open(src, encoding="utf-8").read()
    name = os.path.basename(src)[:-4]
    for part, pat in PAT.items():
        # DIGEST and the signature VALUE: those of SIGNATURE, after </BODY> (an SPC has a DIGEST
        # in its body too); SIGNATURE's children come in either order.
        m = re.compile(pat, re.S).search(t, t.index("</BODY>") if part in ("digest", "signature") else 0)
        assert m, "no %s in %s" % (part, src)
        i, c = m.start(1), m.group(1)
        new = {"9": "8"}.get(c, chr(ord(c) - 1) if c.isdigit() else ("B" if c == "A" else "A"))
        open(os.path.join(outdir, "%s.%s.xml" % (name, part)), "w", encoding="utf-8").write(
            t[:i] + new + t[i + 1:])
    m = re.search(r"(<ISSUER>.*?name=\"modulus\">\s*<VALUE[^>]*>\s*)([A-Za-z0-9+/=]+)", t, re.S)
    be = t[:m.start(2)] + base64.b64encode(base64.b64decode(m.group(2))[::-1]).decode() + t[m.end(2):]
    b = be[be.index("<BODY"):be.index("</BODY>") + 7]
    d = base64.b64encode(hashlib.sha1(re.sub(r">\s+<", "><", b).encode("utf-16-le")).digest()).decode()
    k = be.index("</BODY>")
    be = be[:k] + re.sub(r"(<DIGEST>.*?<VALUE encoding=\"base64\"[^>]*>\s*)[A-Za-z0-9+/=]+",
                         lambda x: x.group(1) + d, be[k:], count=1, flags=re.S)
    open(os.path.join(outdir, "%s.bigendian.xml" % name), "w", encoding="utf-8").write(be)
PY
}

# refused DIR NAME...: `doc` on every mutation of every NAME in one run; each must be refused
# by the check it targets.
refused() {
  local dir=$1; shift
  local files=() n p want
  for n in "$@"; do for p in $PARTS; do files+=("$dir/$n.$p.xml"); done; done
  expect 1 "" "${V[@]}" doc "${files[@]}"
  for n in "$@"; do
    for p in $PARTS; do
      case $p in
        body|digest|key) want="DIGEST/VALUE is not the SHA1 of the BODY" ;; # the key is in BODY
        signature) want="signature does not verify" ;;
        bigendian) want="ISSUER" ;; # the key looks shorter than its size, is smaller than the
                                    # signature, or does not verify: all name the ISSUER key
      esac
      grep -qF "FAIL $dir/$n.$p.xml" <<<"$OUT" || fail "$n.$p.xml not refused: $OUT"
      grep -F "FAIL $dir/$n.$p.xml" <<<"$OUT" | grep -qF "$want" || fail "$n.$p.xml: not '$want': $OUT"
    done
  done
  [ "$(grep -c '^FAIL ' <<<"$OUT")" = $(( $# * 5 )) ] || fail "not every mutation refused: $OUT"
}

echo "== the spec's samples" >&2
INTACT=(4.5.1-spc 4.5.2-rac 4.5.3-clc 4.5.4-publishing-license 4.5.6-use-license)
files=(); names=()
for s in "${INTACT[@]}"; do files+=("$SPEC/ms-rmpr-$s-example.xml"); names+=("ms-rmpr-$s-example"); done
expect 0 "" "${V[@]}" doc "${files[@]}"
[ "$(grep -c ': ok (SHA1 digest, RSA 1024-bit issuer key)$' <<<"$OUT")" = 5 ] || fail "samples: $OUT"
expect 1 "DIGEST/VALUE is not the SHA1 of the BODY" "${V[@]}" doc "$SPEC/ms-rmpr-4.5.7-rights-policy-template-example.xml"
mkdir "$T/m"
mutate "$T/m" "${files[@]}"
refused "$T/m" "${names[@]}"

echo "== ferry-enrolld's answers" >&2
S=$T/state
"$FERRY_ENROLLD" --listen 127.0.0.1:0 --state "$S" 2>"$T/err" &
PID=$!
for _ in $(seq 600); do [ -s "$S/url" ] && break; sleep 0.1; done
[ -s "$S/url" ] || fail "ferry-enrolld did not start: $(cat "$T/err")"
post() { # post REQUEST ANSWER
  local code
  code=$(curl -sS --cacert "$S/root.pem" -o "$2" -w '%{http_code}' \
      -H 'Content-Type: text/xml; charset=utf-8' \
      -H 'SOAPAction: "http://microsoft.com/DRM/EnrollmentService/Enroll"' \
      --data-binary @"$1" "$(cat "$S/url")/enrollment/enrollservice.asmx")
  [ "$code" = 200 ] || fail "enroll $1: HTTP $code"
}
FP=$(cat "$S/drm-root.sha256")
grep -q "$(sed 's/..../\U& /g; s/ $//' <<<"$FP" | cut -c1-19)" "$T/err" || fail "the root's fingerprint is not in the log"
post "$FIX/request.xml" "$T/a.xml"
mkdir "$T/x"
expect 0 "ok: four certificates verify and link" "${V[@]}" answer "$T/a.xml" --extract "$T/x" \
  --request "$FIX/request.xml" --root-fp "$FP" --range-days 365 --validity-days 2555
post "$FIX/request-custom.xml" "$T/c.xml"
expect 0 "ok: four certificates verify and link" "${V[@]}" answer "$T/c.xml" \
  --request "$FIX/request-custom.xml" --root-fp "$FP"
C=("$T/x/cert1.xml" "$T/x/cert2.xml" "$T/x/cert3.xml" "$T/x/cert4.xml")
expect 0 "ok" "${V[@]}" chain "${C[@]}"
mkdir "$T/mx"
mutate "$T/mx" "${C[@]}"
refused "$T/mx" cert1 cert2 cert3 cert4
# inside the chain, a changed certificate is named
expect 1 "certificate 3 (Enrollment CA certificate): RSA" "${V[@]}" chain "${C[0]}" "${C[1]}" "$T/mx/cert3.signature.xml" "${C[3]}"
# order, linkage, root pin, request binding
expect 1 "certificate 2 (Enrollment Service certificate): DESCRIPTOR" "${V[@]}" chain "${C[0]}" "${C[2]}" "${C[1]}" "${C[3]}"
expect 1 "certificate 1 (SLC): ISSUER/OBJECT" "${V[@]}" chain "${C[1]}" "${C[1]}" "${C[2]}" "${C[3]}"
expect 1 "not the pinned" "${V[@]}" chain "${C[@]}" --root-fp "$(printf '%064d' 0)"
sed 's/{6F9619FF-8B86-D011-B42D-00C04FC964FF}/{6F9619FF-8B86-D011-B42D-00C04FC964FE}/' \
  "$FIX/request.xml" >"$T/other-guid.xml"
expect 1 "is not the request's Guid" "${V[@]}" answer "$T/a.xml" --request "$T/other-guid.xml"
expect 1 "spans 365.0 days, want 30" "${V[@]}" answer "$T/a.xml" --range-days 30
# an answer whose SLC comes from another request (another key) does not bind this request
openssl genrsa -out "$T/k.pem" 1024 2>/dev/null
K=$(openssl rsa -in "$T/k.pem" -RSAPublicKey_out -outform DER 2>/dev/null | base64 -w0)
sed "s|<aPublicKeyBytes>[^<]*</aPublicKeyBytes>|<aPublicKeyBytes>$K</aPublicKeyBytes>|" \
  "$FIX/request.xml" >"$T/other-key.xml"
post "$T/other-key.xml" "$T/o.xml"
expect 0 "ok" "${V[@]}" answer "$T/o.xml" --request "$T/other-key.xml"
expect 1 "PRINCIPAL/PUBLICKEY is not the request's aPublicKeyBytes" "${V[@]}" answer "$T/o.xml" \
  --request "$FIX/request.xml"
echo ok
