#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>

#include "ferry/xml.h"

static int has_doctype_or_entity(const uint8_t *buf, size_t len)
{
    /* Refuse before libxml2 sees it: no document ferry reads has a DTD. */
    static const char *const bad[] = {"<!DOCTYPE", "<!ENTITY", "<!doctype", "<!entity"};
    size_t i, k;

    for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        size_t bl = strlen(bad[k]);
        for (i = 0; i + bl <= len; i++)
            if (buf[i] == '<' && memcmp(buf + i, bad[k], bl) == 0)
                return 1;
    }
    return 0;
}

/* Length of the first UTF-8 sequence at @p (1-4), 0 if it is not well-formed: truncated,
 * overlong, a surrogate, above U+10FFFF, or NUL. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    uint32_t c;
    size_t k, i;

    if (p[0] >= 0x01 && p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        k = 2, c = p[0] & 0x1Fu;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        k = 3, c = p[0] & 0x0Fu;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        k = 4, c = p[0] & 0x07u;
    else
        return 0;
    if (n < k)
        return 0;
    for (i = 1; i < k; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3Fu);
    }
    if ((k == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
        (k == 4 && (c < 0x10000 || c > 0x10FFFF)))
        return 0;
    return k;
}

/* The bytes before libxml2 sees them: UTF-8 (one optional byte order mark, first), starting
 * with markup. UTF-16/32 are refused here, which also keeps the DOCTYPE scan meaningful. */
static ferry_err check_encoding(const uint8_t *buf, size_t len, const char *what)
{
    size_t i = ferry_xml_has_bom(buf, len) ? 3 : 0, k, line = 1;
    const char *hint;

    if (len >= 2 && ((buf[0] == 0xFF && buf[1] == 0xFE) || (buf[0] == 0xFE && buf[1] == 0xFF)))
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: not encoded in UTF-8 (it starts with a UTF-16 "
                          "byte order mark); ferry reads UTF-8 (or ASCII) XML only",
                          what);
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (i >= len || buf[i] != '<') {
        hint = i < len && buf[i] == 0                ? " (UTF-16 or UTF-32? ferry reads UTF-8 only)"
               : ferry_xml_has_bom(buf + i, len - i) ? " (a second byte order mark)"
                                                     : "";
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: not well-formed XML: it does not start with "
                          "'<'%s",
                          what, hint);
    }
    for (i = 0; i < len; i += k) {
        line += buf[i] == '\n';
        if ((k = utf8_seq(buf + i, len - i)) == 0)
            return ferry_errf(FERRY_ERR_FORMAT,
                              "%s: not valid UTF-8 at byte %zu (line %zu): "
                              "ferry reads UTF-8 (or ASCII) XML only",
                              what, i, line);
        if (i > 0 && k == 3 && ferry_xml_has_bom(buf + i, 3))
            return ferry_errf(FERRY_ERR_FORMAT,
                              "%s: a byte order mark (U+FEFF) at byte %zu "
                              "(line %zu), where none belongs: only the very "
                              "first bytes may be one",
                              what, i, line);
    }
    return FERRY_OK;
}

/* libxml2's reason for a refusal, in words that do not point at its options. */
static ferry_err not_well_formed(xmlParserCtxtPtr ctx, const char *what)
{
    const xmlError *e = xmlCtxtGetLastError(ctx);
    const char *msg = e != NULL && e->message != NULL ? e->message : "";
    int ml = (int)strcspn(msg, "\r\n"), line = e != NULL ? e->line : 0;

    if (strstr(msg, "depth") != NULL)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: XML nested too deep (line %d; ferry allows %d "
                          "levels)",
                          what, line, FERRY_XML_MAX_DEPTH);
    if (strstr(msg, "too long") != NULL || strstr(msg, "huge") != NULL)
        return ferry_errf(FERRY_ERR_TOO_LARGE,
                          "%s: a text or attribute value too long (line "
                          "%d)",
                          what, line);
    while (ml > 0 && (msg[ml - 1] == ' ' || msg[ml - 1] == '!'))
        ml--;
    return ferry_errf(FERRY_ERR_FORMAT, "%s: not well-formed XML%s%.*s (line %d)", what,
                      ml ? ": " : "", ml, msg, line);
}

/* 1 if an attribute of @n holds more than FERRY_XML_MAX_ATTR bytes. */
static int attr_too_long(xmlNodePtr n)
{
    xmlAttrPtr a;
    xmlNodePtr t;
    size_t l;

    for (a = n->properties; a != NULL; a = a->next) {
        for (l = 0, t = a->children; t != NULL; t = t->next)
            l += t->content != NULL ? strlen((const char *)t->content) : 0;
        if (l > FERRY_XML_MAX_ATTR)
            return 1;
    }
    return 0;
}

static ferry_err check_tree(xmlNodePtr n, int depth, size_t *count, const char *what)
{
    ferry_err r;

    for (; n != NULL; n = n->next) {
        if (++*count > FERRY_XML_MAX_NODES)
            return ferry_errf(FERRY_ERR_FORMAT, "%s: more than %u XML nodes", what,
                              FERRY_XML_MAX_NODES);
        if (n->type == XML_ENTITY_REF_NODE || n->type == XML_ENTITY_DECL || n->type == XML_DTD_NODE)
            return ferry_errf(FERRY_ERR_FORMAT, "%s: entity or DTD in the document, refused", what);
        if (n->type == XML_ELEMENT_NODE) {
            if (depth >= FERRY_XML_MAX_DEPTH)
                return ferry_errf(FERRY_ERR_FORMAT, "%s: XML nested deeper than %d", what,
                                  FERRY_XML_MAX_DEPTH);
            if (attr_too_long(n))
                return ferry_errf(FERRY_ERR_TOO_LARGE,
                                  "%s: an attribute of <%.60s> is longer "
                                  "than %u bytes",
                                  what, (const char *)n->name, FERRY_XML_MAX_ATTR);
            if ((r = check_tree(n->children, depth + 1, count, what)) != FERRY_OK)
                return r;
        }
    }
    return FERRY_OK;
}

ferry_err ferry_xml_parse(const uint8_t *buf, size_t len, const char *what, xmlDocPtr *out)
{
    xmlParserCtxtPtr ctx = NULL;
    xmlDocPtr doc = NULL;
    size_t count = 0;
    ferry_err r = FERRY_ERR_INTERNAL;
    const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

    *out = NULL;
    if (len > FERRY_XML_MAX_BYTES)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "%s: %zu bytes, over the %u-byte XML limit", what,
                          len, FERRY_XML_MAX_BYTES);
    if (len == 0)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: empty, not XML", what);
    if ((r = check_encoding(buf, len, what)) != FERRY_OK)
        return r;
    if (has_doctype_or_entity(buf, len))
        return ferry_errf(FERRY_ERR_FORMAT, "%s: contains a DOCTYPE or entity declaration, refused",
                          what);
    if ((ctx = xmlNewParserCtxt()) == NULL)
        return FERRY_ERR_NOMEM;
    doc = xmlCtxtReadMemory(ctx, (const char *)buf, (int)len, NULL, NULL, opts);
    if (doc == NULL || !ctx->wellFormed) {
        r = not_well_formed(ctx, what);
        goto out;
    }
    if (doc->encoding != NULL && strcasecmp((const char *)doc->encoding, "UTF-8") != 0 &&
        strcasecmp((const char *)doc->encoding, "US-ASCII") != 0) { /* ASCII: UTF-8's subset */
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "%s: not encoded in UTF-8 (it declares %.40s); ferry "
                       "reads UTF-8 XML only",
                       what, (const char *)doc->encoding);
        goto out;
    }
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: contains a DTD, refused", what);
        goto out;
    }
    if ((r = check_tree(doc->children, 0, &count, what)) != FERRY_OK)
        goto out;
    *out = doc;
    doc = NULL;
    r = FERRY_OK;
out:
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctx);
    return r;
}

int ferry_xml_is(xmlNodePtr node, const char *ns, const char *name)
{
    if (node == NULL || node->type != XML_ELEMENT_NODE)
        return 0;
    if (strcmp((const char *)node->name, name) != 0)
        return 0;
    if (ns == NULL)
        return 1;
    return node->ns != NULL && node->ns->href != NULL &&
           strcmp((const char *)node->ns->href, ns) == 0;
}

xmlNodePtr ferry_xml_next(xmlNodePtr node, const char *ns, const char *name)
{
    for (node = node ? node->next : NULL; node != NULL; node = node->next)
        if (ferry_xml_is(node, ns, name))
            return node;
    return NULL;
}

xmlNodePtr ferry_xml_child(xmlNodePtr parent, const char *ns, const char *name)
{
    xmlNodePtr c;

    if (parent == NULL)
        return NULL;
    for (c = parent->children; c != NULL; c = c->next)
        if (ferry_xml_is(c, ns, name))
            return c;
    return NULL;
}

char *ferry_xml_text(xmlNodePtr node)
{
    xmlChar *t;
    char *s;

    if (node == NULL || (t = xmlNodeGetContent(node)) == NULL)
        return NULL;
    s = strdup((const char *)t);
    xmlFree(t);
    return s;
}

int ferry_xml_has_bom(const uint8_t *buf, size_t len)
{
    return len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF;
}

xmlNodePtr ferry_xml_first_element(xmlNodePtr parent)
{
    xmlNodePtr c;

    for (c = parent ? parent->children : NULL; c != NULL; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return c;
    return NULL;
}

size_t ferry_xml_count_elements(xmlNodePtr parent)
{
    xmlNodePtr c;
    size_t n = 0;

    for (c = parent->children; c != NULL; c = c->next)
        n += c->type == XML_ELEMENT_NODE;
    return n;
}
