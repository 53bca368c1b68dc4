#!/usr/bin/perl
# Makes one XML attack from a well-formed document: perl xml_attacks.pl KIND SRC OUT.
# External entities name $XML_ATTACK_URL (default http://127.0.0.1:1), a listener the caller
# may watch. Used by tests/cli/test_xml_attacks.sh; perl-base only (no modules).
use strict;
use warnings;

my ($kind, $src, $out) = @ARGV;
my $url = $ENV{XML_ATTACK_URL} // 'http://127.0.0.1:1';
die "usage: xml_attacks.pl KIND SRC OUT\n" unless defined $out;
open(my $in, '<:raw', $src) or die "$src: $!\n";
my $x = do { local $/; <$in> };
close($in);
$x =~ s/^\xEF\xBB\xBF//;                    # work on the document without its BOM, if any
my $decl = $x =~ /^<\?xml[^>]*\?>/ ? $+[0] : 0; # just after the XML declaration
my $close = rindex($x, '</');                   # just before the root's end tag
die "$src: no end tag\n" if $close < 0;

sub body { substr($x, $close, 0, $_[0]) }
sub prolog { substr($x, $decl, 0, $_[0]) }
sub doctype { prolog("\n<!DOCTYPE r [\n$_[0]\n]>") }

sub utf16 { # the whole document in UTF-16LE with its BOM
    $x =~ s/encoding="[^"]*"/encoding="UTF-16"/i;
    utf8::decode($x) or die "$src: not UTF-8\n";
    $x = "\xFF\xFE" . pack('v*', map { $_ > 0xFFFF ? 0xFFFD : $_ } unpack('U*', $x));
}

my $wide = $kind =~ s/^utf16-(?!bom$)//; # utf16-KIND: KIND, then all of it in UTF-16
if ($kind eq 'xxe-file') {
    body('&xxe;');
    doctype('<!ENTITY xxe SYSTEM "file:///etc/passwd">');
} elsif ($kind eq 'xxe-http') {
    body('&xxe;');
    doctype('<!ENTITY xxe SYSTEM "' . $url . '/xxe">');
} elsif ($kind eq 'xxe-param') {
    doctype('<!ENTITY % p SYSTEM "' . $url . '/p.dtd"> %p;');
} elsif ($kind eq 'laughs') {
    body('&lol9;');
    my $d = '<!ENTITY lol "lol">';
    for my $i (1 .. 9) {
        my $ref = $i == 1 ? '&lol;' : '&lol' . ($i - 1) . ';';
        $d .= "\n<!ENTITY lol$i \"" . ($ref x 10) . '">';
    }
    doctype($d);
} elsif ($kind eq 'deep') {                       # 10^5 nested elements
    body(('<d>' x 100000) . ('</d>' x 100000));
} elsif ($kind =~ /^attr-(\d+)$/) {                # one attribute of N bytes
    body('<h a="' . ('A' x $1) . '"/>');
} elsif ($kind eq 'bad-utf8') {                   # truncated sequence, 0xFF, overlong '/'
    body("\xC3\x28 \xFF \xC0\xAF");
} elsif ($kind eq 'bom-after-decl') {
    prolog("\xEF\xBB\xBF");
} elsif ($kind eq 'bom-twice') {
    $x = "\xEF\xBB\xBF\xEF\xBB\xBF" . $x;
} elsif ($kind eq 'bom-in-text') {
    body("\xEF\xBB\xBF");
} elsif ($kind eq 'utf16') {
    $wide = 1;
} elsif ($kind eq 'utf16-bom') {                  # a UTF-16 BOM on UTF-8 bytes
    $x = "\xFF\xFE" . $x;
} else {
    die "unknown attack $kind\n";
}
utf16() if $wide;
open(my $o, '>:raw', $out) or die "$out: $!\n";
print $o $x;
close($o) or die "$out: $!\n";
