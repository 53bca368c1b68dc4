#include <stdlib.h>
#include <string.h>

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

static ferry_err check_tree(xmlNodePtr n, int depth, size_t *count, const char *what)
{
    ferry_err r;

    for (; n != NULL; n = n->next) {
        if (++*count > FERRY_XML_MAX_NODES)
            return ferry_errf(FERRY_ERR_FORMAT, "%s: more than %u XML nodes", what,
                              FERRY_XML_MAX_NODES);
        if (n->type == XML_ENTITY_REF_NODE || n->type == XML_ENTITY_DECL ||
            n->type == XML_DTD_NODE)
            return ferry_errf(FERRY_ERR_FORMAT, "%s: entity or DTD in the document, refused",
                              what);
        if (n->type == XML_ELEMENT_NODE) {
            if (depth >= FERRY_XML_MAX_DEPTH)
                return ferry_errf(FERRY_ERR_FORMAT, "%s: XML nested deeper than %d", what,
                                  FERRY_XML_MAX_DEPTH);
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
    const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                     XML_PARSE_NOCDATA;

    *out = NULL;
    if (len > FERRY_XML_MAX_BYTES)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "%s: %zu bytes, over the %u-byte XML limit",
                          what, len, FERRY_XML_MAX_BYTES);
    if (len == 0)
        return ferry_errf(FERRY_ERR_FORMAT, "%s: empty, not XML", what);
    if (has_doctype_or_entity(buf, len))
        return ferry_errf(FERRY_ERR_FORMAT,
                          "%s: contains a DOCTYPE or entity declaration, refused", what);
    if ((ctx = xmlNewParserCtxt()) == NULL)
        return FERRY_ERR_NOMEM;
    doc = xmlCtxtReadMemory(ctx, (const char *)buf, (int)len, NULL, NULL, opts);
    if (doc == NULL || !ctx->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctx);
        int ml = e && e->message ? (int)strcspn(e->message, "\r\n") : 0;
        r = ferry_errf(FERRY_ERR_FORMAT, "%s: not well-formed XML%s%.*s (line %d)", what,
                       ml ? ": " : "", ml, ml ? e->message : "", e ? e->line : 0);
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
