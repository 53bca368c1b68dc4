/* ferry — hardened libxml2 parsing for every XML input (manifest, RMS request, response). */
#ifndef FERRY_XML_H
#define FERRY_XML_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "ferry/err.h"

#define FERRY_XML_MAX_BYTES (8u << 20)
#define FERRY_XML_MAX_DEPTH 64
#define FERRY_XML_MAX_NODES 200000
#define FERRY_XML_MAX_ATTR  (64u << 10) /* bytes of one attribute value */

/**
 * Parses @len bytes as XML with XML_PARSE_NONET, no DTD loading, no entity substitution.
 * Refused with FERRY_ERR_FORMAT: not UTF-8 (a UTF-16/32 byte order mark, bytes that are not
 * well-formed UTF-8, another declared encoding), a byte order mark anywhere but first, no '<'
 * first (after the BOM and white space), any DOCTYPE (internal or external subset), entity
 * declarations or references to non-predefined entities, depth > FERRY_XML_MAX_DEPTH,
 * more than FERRY_XML_MAX_NODES nodes, not well-formed. FERRY_ERR_TOO_LARGE above
 * FERRY_XML_MAX_BYTES (checked before parsing) and for an attribute value longer than
 * FERRY_XML_MAX_ATTR. @what names the input in messages.
 * Caller frees *out with xmlFreeDoc().
 */
ferry_err ferry_xml_parse(const uint8_t *buf, size_t len, const char *what, xmlDocPtr *out);

/** First element child of @parent with local name @name and namespace @ns (NULL: any). */
xmlNodePtr ferry_xml_child(xmlNodePtr parent, const char *ns, const char *name);

/** Next element sibling after @node with the same name test (for iterating). */
xmlNodePtr ferry_xml_next(xmlNodePtr node, const char *ns, const char *name);

/** 1 if @node is an element named @name in namespace @ns (NULL ns: no namespace check). */
int ferry_xml_is(xmlNodePtr node, const char *ns, const char *name);

/** Text content of @node as a new string (caller frees), or NULL. */
char *ferry_xml_text(xmlNodePtr node);

/** The first child element of @parent in any namespace; NULL when @parent is NULL or has none. */
xmlNodePtr ferry_xml_first_element(xmlNodePtr parent);

/** How many child elements @parent has, in any namespace. */
size_t ferry_xml_count_elements(xmlNodePtr parent);

/** 1 if @buf starts with a UTF-8 byte order mark. */
int ferry_xml_has_bom(const uint8_t *buf, size_t len);

#endif
