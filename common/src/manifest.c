/* ferry — the manifest: the signed content of every package (XML, namespace
 * urn:ferry:manifest:1). Written with libxml2's tree API, which escapes every name and value;
 * read with the hardened ferry_xml_parse() and validated element by element. */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "ferry/buf.h"
#include "ferry/manifest.h"
#include "ferry/xml.h"
#include "ferry/b64.h"
#include "ferry/hex.h"

#define MANIFEST_EPOCH   1704067200 /* 2024-01-01T00:00:00Z */
#define MANIFEST_AHEAD_S (7 * 86400)
#define ITEM_NAME_MAX    128
#define PROP_KEY_MAX     64
#define PROP_VALUE_MAX   4096
#define MAX_PROPS        64
#define B64_LINE         76

#define X(s) ((const xmlChar *)(s))

static const struct {
    enum ferry_item_kind kind;
    const char *name;
} kinds[] = {
    {FERRY_ITEM_RMS_REQUEST, "rms-request"}, {FERRY_ITEM_RMS_RESPONSE, "rms-response"},
    {FERRY_ITEM_PKCS10, "pkcs10"},           {FERRY_ITEM_X509_CHAIN, "x509-chain"},
    {FERRY_ITEM_IDENTITY, "identity"},       {FERRY_ITEM_RMS_SERVICE_ANSWER, "rms-service-answer"},
};

const char *ferry_item_kind_name(enum ferry_item_kind k)
{
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (kinds[i].kind == k)
            return kinds[i].name;
    return NULL;
}

static int kind_from_name(const char *s, enum ferry_item_kind *k)
{
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].name, s) == 0) {
            *k = kinds[i].kind;
            return 1;
        }
    return 0;
}

const char *ferry_direction_name(enum ferry_direction d)
{
    switch (d) {
    case FERRY_DIR_TO_ONLINE: return "to-online";
    case FERRY_DIR_TO_OFFLINE: return "to-offline";
    }
    return NULL;
}

void ferry_transfer_id_hex(const uint8_t id[FERRY_TRANSFER_ID_LEN], char out[33])
{
    ferry_hex(id, FERRY_TRANSFER_ID_LEN, out);
}

/* 1 if @s (@n bytes) is well-formed UTF-8 without overlongs, surrogates or NUL. */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0, k, need;
    uint32_t c;

    while (i < n) {
        c = s[i];
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            need = 1, c &= 0x1F;
        else if (c >= 0xE0 && c <= 0xEF)
            need = 2, c &= 0x0F;
        else if (c >= 0xF0 && c <= 0xF4)
            need = 3, c &= 0x07;
        else
            return 0;
        if (n - i <= need)
            return 0;
        for (k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            c = c << 6 | (s[i + k] & 0x3F);
        }
        if ((need == 2 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
            (need == 3 && (c < 0x10000 || c > 0x10FFFF)))
            return 0;
        i += need + 1;
    }
    return 1;
}

/* 1 if @s is UTF-8 text XML 1.0 can carry: no control characters but tab, LF, CR. */
static int text_ok(const char *s, size_t max)
{
    size_t i, n = strlen(s);

    if (n > max || !utf8_ok((const unsigned char *)s, n))
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return 0;
    }
    return 1;
}

int ferry_item_name_safe(const char *name)
{
    size_t i, n = name != NULL ? strlen(name) : 0;

    if (n == 0 || n > ITEM_NAME_MAX || strcmp(name, ".") == 0 || strstr(name, "..") != NULL)
        return 0;
    if (!utf8_ok((const unsigned char *)name, n))
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        /* '\\' and ':' too: the files end up on Windows machines (RMS) */
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == ':')
            return 0;
    }
    return 1;
}

static int prop_key_ok(const char *k)
{
    size_t i, n = strlen(k);

    if (n == 0 || n > PROP_KEY_MAX)
        return 0;
    for (i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_' ||
              k[i] == '-'))
            return 0;
    return 1;
}

void ferry_manifest_free(struct ferry_manifest *m)
{
    size_t i;

    if (m == NULL)
        return;
    for (i = 0; i < m->nitems; i++) {
        free(m->items[i].name);
        free(m->items[i].data);
    }
    for (i = 0; i < m->nprops; i++) {
        free(m->props[i].key);
        free(m->props[i].value);
    }
    free(m->items);
    free(m->props);
    free(m);
}

static ferry_err manifest_alloc(struct ferry_manifest **out)
{
    struct ferry_manifest *m;

    *out = NULL;
    if ((m = calloc(1, sizeof(*m))) == NULL)
        return FERRY_ERR_NOMEM;
    m->items = calloc(FERRY_MAX_ITEMS, sizeof(*m->items));
    m->props = calloc(MAX_PROPS, sizeof(*m->props));
    if (m->items == NULL || m->props == NULL) {
        ferry_manifest_free(m);
        return FERRY_ERR_NOMEM;
    }
    m->version = FERRY_MANIFEST_VERSION;
    *out = m;
    return FERRY_OK;
}

ferry_err ferry_manifest_new(enum ferry_direction dir, struct ferry_manifest **out)
{
    struct ferry_manifest *m = NULL;
    ferry_err r;

    *out = NULL;
    if (ferry_direction_name(dir) == NULL)
        return ferry_errf(FERRY_ERR_USAGE, "unknown transfer direction %d", (int)dir);
    if ((r = manifest_alloc(&m)) != FERRY_OK)
        return r;
    if ((r = ferry_random(m->transfer_id, sizeof(m->transfer_id))) != FERRY_OK) {
        ferry_manifest_free(m);
        return r;
    }
    m->direction = dir;
    m->created = ferry_time_now();
    *out = m;
    return FERRY_OK;
}

static int has_item_named(const struct ferry_manifest *m, const char *name)
{
    size_t i;

    for (i = 0; i < m->nitems; i++)
        if (strcmp(m->items[i].name, name) == 0)
            return 1;
    return 0;
}

/* Checks an item before it is stored: name, kind, size, count, duplicates. */
static ferry_err item_check(const struct ferry_manifest *m, const char *name,
                            enum ferry_item_kind kind, size_t len)
{
    if (!ferry_item_name_safe(name))
        return ferry_errf(FERRY_ERR_FORMAT,
                          "item name '%.140s' is not a safe file name (1-%d bytes of UTF-8, "
                          "no '/', '\\', ':', '..' or control characters)",
                          name != NULL ? name : "", ITEM_NAME_MAX);
    if (ferry_item_kind_name(kind) == NULL)
        return ferry_errf(FERRY_ERR_FORMAT, "item '%s': unknown kind %d", name, (int)kind);
    if (len > FERRY_MAX_ITEM_BYTES)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "item '%s': %zu bytes, over the %u-byte limit", name,
                          len, FERRY_MAX_ITEM_BYTES);
    if (m->nitems >= FERRY_MAX_ITEMS)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "more than %d items in one package",
                          FERRY_MAX_ITEMS);
    if (has_item_named(m, name))
        return ferry_errf(FERRY_ERR_FORMAT, "two items named '%s' in one package", name);
    return FERRY_OK;
}

ferry_err ferry_manifest_add_item(struct ferry_manifest *m, const char *name,
                                  enum ferry_item_kind kind, const uint8_t *data, size_t len)
{
    struct ferry_item *it;
    ferry_err r;

    if ((r = item_check(m, name, kind, len)) != FERRY_OK)
        return r;
    it = &m->items[m->nitems];
    memset(it, 0, sizeof(*it));
    if ((it->name = strdup(name)) == NULL || (it->data = malloc(len + 1)) == NULL) {
        FERRY_FREE(it->name);
        return FERRY_ERR_NOMEM;
    }
    if (len > 0)
        memcpy(it->data, data, len);
    it->len = len;
    it->kind = kind;
    ferry_sha256(it->data, len, it->sha256);
    m->nitems++;
    return FERRY_OK;
}

static struct ferry_prop *prop_find(const struct ferry_manifest *m, const char *key)
{
    size_t i;

    for (i = 0; i < m->nprops; i++)
        if (strcmp(m->props[i].key, key) == 0)
            return &m->props[i];
    return NULL;
}

ferry_err ferry_manifest_set_prop(struct ferry_manifest *m, const char *key, const char *value)
{
    struct ferry_prop *p;
    char *v;

    if (key == NULL || !prop_key_ok(key))
        return ferry_errf(FERRY_ERR_USAGE, "property key '%.80s' must be 1-%d of [a-z0-9_-]",
                          key != NULL ? key : "", PROP_KEY_MAX);
    if (value == NULL || !text_ok(value, PROP_VALUE_MAX))
        return ferry_errf(FERRY_ERR_USAGE,
                          "property '%s': value must be UTF-8 text of at most "
                          "%d bytes without control characters",
                          key, PROP_VALUE_MAX);
    if ((v = strdup(value)) == NULL)
        return FERRY_ERR_NOMEM;
    if ((p = prop_find(m, key)) != NULL) {
        free(p->value);
        p->value = v;
        return FERRY_OK;
    }
    if (m->nprops >= MAX_PROPS) {
        free(v);
        return ferry_errf(FERRY_ERR_TOO_LARGE, "more than %d properties", MAX_PROPS);
    }
    p = &m->props[m->nprops];
    if ((p->key = strdup(key)) == NULL) {
        free(v);
        return FERRY_ERR_NOMEM;
    }
    p->value = v;
    m->nprops++;
    return FERRY_OK;
}

const char *ferry_manifest_prop(const struct ferry_manifest *m, const char *key)
{
    const struct ferry_prop *p = prop_find(m, key);

    return p != NULL ? p->value : NULL;
}

const struct ferry_item *ferry_manifest_find(const struct ferry_manifest *m,
                                             enum ferry_item_kind kind)
{
    size_t i;

    for (i = 0; i < m->nitems; i++)
        if (m->items[i].kind == kind)
            return &m->items[i];
    return NULL;
}

/* ------------------------------------------------------------------ writing */

/* Base64 of @p in lines of 76, each after a newline, ending with a newline (or ""). */
static ferry_err b64_lines(const uint8_t *p, size_t n, char **out)
{
    struct ferry_buf b;
    char *flat = NULL;
    size_t i, fl;
    ferry_err r;

    *out = NULL;
    ferry_buf_init(&b, FERRY_XML_MAX_BYTES);
    if ((r = ferry_b64_encode(p, n, &flat)) != FERRY_OK)
        return r;
    fl = strlen(flat);
    for (i = 0; i < fl && r == FERRY_OK; i += B64_LINE) {
        if ((r = ferry_buf_puts(&b, "\n")) == FERRY_OK)
            r = ferry_buf_append(&b, flat + i, fl - i < B64_LINE ? fl - i : B64_LINE);
    }
    if (r == FERRY_OK)
        r = ferry_buf_puts(&b, fl > 0 ? "\n" : "");
    free(flat);
    if (r != FERRY_OK) {
        ferry_buf_free(&b);
        return r;
    }
    *out = (char *)ferry_buf_steal(&b, &fl);
    if (*out == NULL && (*out = strdup("")) == NULL)
        return FERRY_ERR_NOMEM;
    return FERRY_OK;
}

static int set_hex_prop(xmlNodePtr n, const char *attr, const uint8_t *p, size_t len)
{
    char hex[2 * FERRY_SHA256_LEN + 1];

    ferry_hex(p, len, hex);
    return xmlNewProp(n, X(attr), X(hex)) != NULL;
}

static ferry_err write_item(xmlNodePtr items, xmlNsPtr ns, const struct ferry_item *it)
{
    char *b64 = NULL, size[24];
    xmlNodePtr n;
    ferry_err r;

    if ((r = b64_lines(it->data, it->len, &b64)) != FERRY_OK)
        return r;
    snprintf(size, sizeof(size), "%zu", it->len);
    r = FERRY_ERR_NOMEM;
    if ((n = xmlNewTextChild(items, ns, X("item"), X(b64))) != NULL &&
        xmlNewProp(n, X("name"), X(it->name)) != NULL &&
        xmlNewProp(n, X("kind"), X(ferry_item_kind_name(it->kind))) != NULL &&
        xmlNewProp(n, X("size"), X(size)) != NULL &&
        set_hex_prop(n, "sha256", it->sha256, FERRY_SHA256_LEN))
        r = FERRY_OK;
    free(b64);
    return r;
}

static ferry_err write_header(xmlNodePtr root, xmlNsPtr ns, const struct ferry_manifest *m)
{
    char hex[2 * FERRY_SHA256_LEN + 1], iso[21];
    xmlNodePtr n;

    if (xmlNewProp(root, X("version"), X("1")) == NULL ||
        xmlNewTextChild(root, ns, X("direction"), X(ferry_direction_name(m->direction))) == NULL)
        return FERRY_ERR_NOMEM;
    ferry_transfer_id_hex(m->transfer_id, hex);
    if (xmlNewTextChild(root, ns, X("transfer-id"), X(hex)) == NULL)
        return FERRY_ERR_NOMEM;
    if (m->is_response) {
        if ((n = xmlNewChild(root, ns, X("answers"), NULL)) == NULL ||
            !set_hex_prop(n, "id", m->answers_id, FERRY_TRANSFER_ID_LEN) ||
            !set_hex_prop(n, "sha256", m->answers_sha256, FERRY_SHA256_LEN))
            return FERRY_ERR_NOMEM;
    }
    ferry_time_iso(m->created, iso);
    if (xmlNewTextChild(root, ns, X("created"), X(iso)) == NULL)
        return FERRY_ERR_NOMEM;
    ferry_hex(m->sender_fp, FERRY_SHA256_LEN, hex);
    if (xmlNewTextChild(root, ns, X("sender"), X(hex)) == NULL)
        return FERRY_ERR_NOMEM;
    return FERRY_OK;
}

static ferry_err write_body(xmlNodePtr root, xmlNsPtr ns, const struct ferry_manifest *m)
{
    xmlNodePtr props, items, p;
    size_t i;
    ferry_err r;

    if ((props = xmlNewChild(root, ns, X("props"), NULL)) == NULL)
        return FERRY_ERR_NOMEM;
    for (i = 0; i < m->nprops; i++) {
        if (!prop_key_ok(m->props[i].key) || !text_ok(m->props[i].value, PROP_VALUE_MAX))
            return ferry_errf(FERRY_ERR_FORMAT, "property '%.80s' cannot be written",
                              m->props[i].key);
        if ((p = xmlNewTextChild(props, ns, X("prop"), X(m->props[i].value))) == NULL ||
            xmlNewProp(p, X("key"), X(m->props[i].key)) == NULL)
            return FERRY_ERR_NOMEM;
    }
    if ((items = xmlNewChild(root, ns, X("items"), NULL)) == NULL)
        return FERRY_ERR_NOMEM;
    for (i = 0; i < m->nitems; i++) {
        if (!ferry_item_name_safe(m->items[i].name) ||
            ferry_item_kind_name(m->items[i].kind) == NULL)
            return ferry_errf(FERRY_ERR_FORMAT, "item %zu has an unsafe name or unknown kind", i);
        if ((r = write_item(items, ns, &m->items[i])) != FERRY_OK)
            return r;
    }
    return FERRY_OK;
}

ferry_err ferry_manifest_serialize(const struct ferry_manifest *m, uint8_t **out, size_t *len)
{
    xmlDocPtr doc = NULL;
    xmlNodePtr root;
    xmlNsPtr ns;
    xmlChar *mem = NULL;
    int size = 0;
    ferry_err r = FERRY_ERR_NOMEM;

    *out = NULL;
    *len = 0;
    if (ferry_direction_name(m->direction) == NULL || m->nitems > FERRY_MAX_ITEMS)
        return ferry_errf(FERRY_ERR_USAGE, "manifest has no direction or too many items");
    if ((doc = xmlNewDoc(X("1.0"))) == NULL || (root = xmlNewNode(NULL, X("manifest"))) == NULL)
        goto out;
    xmlDocSetRootElement(doc, root);
    if ((ns = xmlNewNs(root, X(FERRY_MANIFEST_NS), NULL)) == NULL)
        goto out;
    xmlSetNs(root, ns);
    if ((r = write_header(root, ns, m)) != FERRY_OK || (r = write_body(root, ns, m)) != FERRY_OK)
        goto out;
    xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
    r = FERRY_ERR_NOMEM;
    if (mem == NULL || size <= 0)
        goto out;
    if ((size_t)size > FERRY_XML_MAX_BYTES) {
        r = ferry_errf(FERRY_ERR_TOO_LARGE,
                       "manifest would be %d bytes, over the %u-byte "
                       "limit: carry fewer or smaller items",
                       size, FERRY_XML_MAX_BYTES);
        goto out;
    }
    if ((*out = malloc((size_t)size + 1)) == NULL)
        goto out;
    memcpy(*out, mem, (size_t)size);
    (*out)[size] = 0;
    *len = (size_t)size;
    r = FERRY_OK;
out:
    xmlFree(mem);
    xmlFreeDoc(doc);
    return r;
}

/* ------------------------------------------------------------------ reading */

static int is_blank_text(xmlNodePtr n)
{
    const xmlChar *c;

    if (n->type != XML_TEXT_NODE)
        return 0;
    for (c = n->content; c != NULL && *c; c++)
        if (*c != ' ' && *c != '\t' && *c != '\r' && *c != '\n')
            return 0;
    return 1;
}

/* Text content of a leaf element: text children only (comments skipped). New string. */
static ferry_err leaf_text(xmlNodePtr node, char **out)
{
    xmlNodePtr c;
    struct ferry_buf b;
    size_t n;
    ferry_err r = FERRY_OK;

    *out = NULL;
    ferry_buf_init(&b, FERRY_XML_MAX_BYTES);
    for (c = node->children; c != NULL && r == FERRY_OK; c = c->next) {
        if (c->type == XML_COMMENT_NODE)
            continue;
        if (c->type != XML_TEXT_NODE)
            r = ferry_errf(FERRY_ERR_FORMAT, "manifest: <%s> must hold only text",
                           (const char *)node->name);
        else if (c->content != NULL)
            r = ferry_buf_puts(&b, (const char *)c->content);
    }
    if (r == FERRY_OK && b.data == NULL)
        r = ferry_buf_append(&b, "", 0);
    if (r != FERRY_OK) {
        ferry_buf_free(&b);
        return r;
    }
    if ((*out = (char *)ferry_buf_steal(&b, &n)) == NULL)
        *out = strdup("");
    return *out != NULL ? FERRY_OK : FERRY_ERR_NOMEM;
}

/* Removes ASCII white space in place; returns the new length. */
static size_t strip_space(char *s)
{
    size_t i, o = 0;

    for (i = 0; s[i] != '\0'; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            s[o++] = s[i];
    s[o] = '\0';
    return o;
}

/* Leaf text with white space removed, for ids, digests, names of things. */
static ferry_err leaf_token(xmlNodePtr node, char **out)
{
    ferry_err r;

    if ((r = leaf_text(node, out)) == FERRY_OK)
        strip_space(*out);
    return r;
}

static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, X(name));
    char *s;

    if (v == NULL)
        return NULL;
    s = strdup((const char *)v);
    xmlFree(v);
    return s;
}

static ferry_err hex_attr(xmlNodePtr n, const char *name, uint8_t *outb, size_t len)
{
    char *v = attr(n, name);
    ferry_err r = FERRY_OK;

    if (v == NULL || ferry_hex_decode(v, outb, len) != FERRY_OK)
        r = ferry_errf(FERRY_ERR_FORMAT, "manifest: <%s %s=...> must be %zu hex digits",
                       (const char *)n->name, name, 2 * len);
    free(v);
    return r;
}

static ferry_err parse_direction(struct ferry_manifest *m, xmlNodePtr n)
{
    char *t = NULL;
    ferry_err r;

    if ((r = leaf_token(n, &t)) != FERRY_OK)
        return r;
    if (strcmp(t, "to-online") == 0)
        m->direction = FERRY_DIR_TO_ONLINE;
    else if (strcmp(t, "to-offline") == 0)
        m->direction = FERRY_DIR_TO_OFFLINE;
    else
        r = ferry_errf(FERRY_ERR_FORMAT, "manifest: unknown direction '%.40s'", t);
    free(t);
    return r;
}

static ferry_err parse_hex_leaf(xmlNodePtr n, uint8_t *outb, size_t len)
{
    char *t = NULL;
    ferry_err r;

    if ((r = leaf_token(n, &t)) != FERRY_OK)
        return r;
    if (ferry_hex_decode(t, outb, len) != FERRY_OK)
        r = ferry_errf(FERRY_ERR_FORMAT, "manifest: <%s> must be %zu hex digits",
                       (const char *)n->name, 2 * len);
    free(t);
    return r;
}

static ferry_err parse_transfer_id(struct ferry_manifest *m, xmlNodePtr n)
{
    return parse_hex_leaf(n, m->transfer_id, FERRY_TRANSFER_ID_LEN);
}

static ferry_err parse_sender(struct ferry_manifest *m, xmlNodePtr n)
{
    return parse_hex_leaf(n, m->sender_fp, FERRY_SHA256_LEN);
}

static ferry_err parse_answers(struct ferry_manifest *m, xmlNodePtr n)
{
    ferry_err r;

    if ((r = hex_attr(n, "id", m->answers_id, FERRY_TRANSFER_ID_LEN)) != FERRY_OK ||
        (r = hex_attr(n, "sha256", m->answers_sha256, FERRY_SHA256_LEN)) != FERRY_OK)
        return r;
    m->is_response = 1;
    return FERRY_OK;
}

/* A package made before this format existed, or further ahead of this machine's clock than
 * any skew between the two machines explains, is refused: one of the clocks is wrong, or the
 * date was made up. */
static ferry_err created_check(time_t created, const char *shown)
{
    if (created < MANIFEST_EPOCH || created > ferry_time_now() + MANIFEST_AHEAD_S)
        return ferry_errf(FERRY_ERR_FORMAT,
                          "manifest: created %.40s, %s: not accepted; check the clocks of both "
                          "machines, then export the package again",
                          shown,
                          created < MANIFEST_EPOCH ? "before ferry's package format existed (2024)"
                                                   : "more than 7 days ahead of this machine's "
                                                     "clock");
    return FERRY_OK;
}

/* One item of each kind: a second request (or answer) would make which one counts depend on
 * the reader. */
static ferry_err kinds_once(const struct ferry_manifest *m)
{
    size_t i, k;

    for (i = 0; i < m->nitems; i++)
        for (k = 0; k < i; k++)
            if (m->items[k].kind == m->items[i].kind)
                return ferry_errf(FERRY_ERR_FORMAT,
                                  "manifest: two %s items ('%.60s' and '%.60s'); a package "
                                  "carries one: not made by ferry",
                                  ferry_item_kind_name(m->items[i].kind), m->items[k].name,
                                  m->items[i].name);
    return FERRY_OK;
}

static ferry_err parse_created(struct ferry_manifest *m, xmlNodePtr n)
{
    char *t = NULL;
    ferry_err r;

    if ((r = leaf_token(n, &t)) != FERRY_OK)
        return r;
    if (ferry_time_parse(t, &m->created) != FERRY_OK)
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "manifest: <created> '%.40s' is not an ISO 8601 UTC "
                       "time",
                       t);
    else
        r = created_check(m->created, t);
    free(t);
    return r;
}

/* Calls @fn on every element child of @parent named @name; anything else is refused. */
static ferry_err each_child(xmlNodePtr parent, const char *name,
                            ferry_err (*fn)(struct ferry_manifest *, xmlNodePtr),
                            struct ferry_manifest *m)
{
    xmlNodePtr c;
    ferry_err r;

    for (c = parent->children; c != NULL; c = c->next) {
        if (c->type == XML_COMMENT_NODE || is_blank_text(c))
            continue;
        if (!ferry_xml_is(c, FERRY_MANIFEST_NS, name))
            return ferry_errf(FERRY_ERR_FORMAT, "manifest: unexpected %s%s inside <%s>",
                              c->type == XML_ELEMENT_NODE ? "element " : "text",
                              c->type == XML_ELEMENT_NODE ? (const char *)c->name : "",
                              (const char *)parent->name);
        if ((r = fn(m, c)) != FERRY_OK)
            return r;
    }
    return FERRY_OK;
}

static ferry_err parse_prop(struct ferry_manifest *m, xmlNodePtr n)
{
    struct ferry_prop *p;
    char *key = attr(n, "key"), *val = NULL;
    ferry_err r = FERRY_ERR_FORMAT;

    if (key == NULL || !prop_key_ok(key)) {
        r = ferry_errf(r, "manifest: property key '%.80s' is not [a-z0-9_-]", key ? key : "");
        goto out;
    }
    if (prop_find(m, key) != NULL) {
        r = ferry_errf(r, "manifest: property '%s' appears twice", key);
        goto out;
    }
    if (m->nprops >= MAX_PROPS) {
        r = ferry_errf(FERRY_ERR_TOO_LARGE, "manifest: more than %d properties", MAX_PROPS);
        goto out;
    }
    if ((r = leaf_text(n, &val)) != FERRY_OK)
        goto out;
    if (!text_ok(val, PROP_VALUE_MAX)) {
        r = ferry_errf(FERRY_ERR_FORMAT, "manifest: property '%s' is too long", key);
        goto out;
    }
    p = &m->props[m->nprops++];
    p->key = key;
    p->value = val;
    key = val = NULL;
    r = FERRY_OK;
out:
    free(key);
    free(val);
    return r;
}

static ferry_err parse_props(struct ferry_manifest *m, xmlNodePtr n)
{
    return each_child(n, "prop", parse_prop, m);
}

/* Parses the size attribute: decimal digits only, checked against the cap. */
static ferry_err parse_size(const char *name, const char *s, size_t *out)
{
    size_t v = 0, i;

    if (s == NULL || s[0] == '\0' || strlen(s) > 10 || (s[0] == '0' && s[1] != '\0'))
        return ferry_errf(FERRY_ERR_FORMAT, "manifest: item '%s' has no valid size", name);
    for (i = 0; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9')
            return ferry_errf(FERRY_ERR_FORMAT, "manifest: item '%s' has no valid size", name);
        v = v * 10 + (size_t)(s[i] - '0');
    }
    if (v > FERRY_MAX_ITEM_BYTES)
        return ferry_errf(FERRY_ERR_TOO_LARGE,
                          "manifest: item '%s' says %zu bytes, over the "
                          "%u-byte limit",
                          name, v, FERRY_MAX_ITEM_BYTES);
    *out = v;
    return FERRY_OK;
}

/* Reads an item's attributes into @it (name, kind, size, sha256) without its bytes. */
static ferry_err item_attrs(struct ferry_manifest *m, xmlNodePtr n, struct ferry_item *it)
{
    char *kind = attr(n, "kind"), *size = attr(n, "size");
    ferry_err r = FERRY_ERR_FORMAT;

    it->name = attr(n, "name");
    if (it->name == NULL || !ferry_item_name_safe(it->name)) {
        r = ferry_errf(r, "manifest: item name '%.140s' is not a safe file name",
                       it->name ? it->name : "");
        goto out;
    }
    if (has_item_named(m, it->name)) {
        r = ferry_errf(r, "manifest: two items named '%s'", it->name);
        goto out;
    }
    if (kind == NULL || !kind_from_name(kind, &it->kind)) {
        r = ferry_errf(r,
                       "manifest: item '%s' has unknown kind '%.40s' (made by a newer "
                       "ferry?)",
                       it->name, kind ? kind : "");
        goto out;
    }
    if ((r = parse_size(it->name, size, &it->len)) != FERRY_OK)
        goto out;
    r = hex_attr(n, "sha256", it->sha256, FERRY_SHA256_LEN);
out:
    free(kind);
    free(size);
    return r;
}

/* Decodes the item's base64 (exactly the length its size implies) and checks its digest. */
static ferry_err item_bytes(xmlNodePtr n, struct ferry_item *it)
{
    uint8_t d[FERRY_SHA256_LEN];
    char *t = NULL;
    size_t tl, dl = 0;
    ferry_err r;

    if ((r = leaf_text(n, &t)) != FERRY_OK)
        return r;
    tl = strip_space(t);
    if (tl != 4 * ((it->len + 2) / 3)) {
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "manifest: item '%s': data does not have the %zu "
                       "bytes its size says (truncated?)",
                       it->name, it->len);
        goto out;
    }
    if ((r = ferry_b64_decode(t, tl, it->len + 2, &it->data, &dl)) != FERRY_OK || dl != it->len) {
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "manifest: item '%s': data is not valid base64 of "
                       "%zu bytes",
                       it->name, it->len);
        goto out;
    }
    ferry_sha256(it->data, it->len, d);
    if (!ferry_ct_eq(d, it->sha256, sizeof(d)))
        r = ferry_errf(FERRY_ERR_SIG_INVALID,
                       "item '%s': its bytes do not match the SHA-256 "
                       "in the manifest — the payload was altered",
                       it->name);
out:
    free(t);
    return r;
}

static ferry_err parse_item(struct ferry_manifest *m, xmlNodePtr n)
{
    struct ferry_item *it;
    ferry_err r;

    if (m->nitems >= FERRY_MAX_ITEMS)
        return ferry_errf(FERRY_ERR_TOO_LARGE, "manifest: more than %d items", FERRY_MAX_ITEMS);
    it = &m->items[m->nitems];
    memset(it, 0, sizeof(*it));
    if ((r = item_attrs(m, n, it)) == FERRY_OK && (r = item_bytes(n, it)) == FERRY_OK) {
        m->nitems++;
        return FERRY_OK;
    }
    FERRY_FREE(it->name);
    FERRY_FREE(it->data);
    return r;
}

static ferry_err parse_items(struct ferry_manifest *m, xmlNodePtr n)
{
    return each_child(n, "item", parse_item, m);
}

static const struct {
    const char *name;
    int required;
    ferry_err (*fn)(struct ferry_manifest *, xmlNodePtr);
} sections[] = {
    {"direction", 1, parse_direction}, {"transfer-id", 1, parse_transfer_id},
    {"answers", 0, parse_answers},     {"created", 1, parse_created},
    {"sender", 1, parse_sender},       {"props", 0, parse_props},
    {"items", 1, parse_items},
};

#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

static ferry_err parse_section(struct ferry_manifest *m, xmlNodePtr c, int seen[NSECTIONS])
{
    size_t i;

    for (i = 0; i < NSECTIONS; i++) {
        if (!ferry_xml_is(c, FERRY_MANIFEST_NS, sections[i].name))
            continue;
        if (seen[i]++)
            return ferry_errf(FERRY_ERR_FORMAT, "manifest: <%s> appears twice", sections[i].name);
        return sections[i].fn(m, c);
    }
    return ferry_errf(FERRY_ERR_FORMAT, "manifest: unknown element <%.60s>", (const char *)c->name);
}

static ferry_err parse_root(struct ferry_manifest *m, xmlNodePtr root)
{
    int seen[NSECTIONS] = {0};
    char *ver = attr(root, "version");
    xmlNodePtr c;
    size_t i;
    ferry_err r = FERRY_OK;

    if (ver == NULL || strcmp(ver, "1") != 0)
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "manifest format version '%.20s' is not supported: "
                       "this ferry reads version 1 — use the same ferry "
                       "release on both machines",
                       ver ? ver : "(none)");
    free(ver);
    for (c = root->children; c != NULL && r == FERRY_OK; c = c->next) {
        if (c->type == XML_COMMENT_NODE || is_blank_text(c))
            continue;
        if (c->type != XML_ELEMENT_NODE)
            r = ferry_errf(FERRY_ERR_FORMAT, "manifest: unexpected text in <manifest>");
        else
            r = parse_section(m, c, seen);
    }
    for (i = 0; i < NSECTIONS && r == FERRY_OK; i++)
        if (sections[i].required && !seen[i])
            r = ferry_errf(FERRY_ERR_FORMAT, "manifest: <%s> is missing", sections[i].name);
    return r;
}

ferry_err ferry_manifest_parse(const uint8_t *buf, size_t len, struct ferry_manifest **out)
{
    struct ferry_manifest *m = NULL;
    xmlDocPtr doc = NULL;
    xmlNodePtr root;
    ferry_err r;

    *out = NULL;
    if (ferry_xml_has_bom(buf, len))
        return ferry_errf(FERRY_ERR_FORMAT, "manifest: starts with a byte order mark, which ferry "
                                            "never writes: not made by ferry");
    if ((r = ferry_xml_parse(buf, len, "manifest", &doc)) != FERRY_OK)
        goto out;
    root = xmlDocGetRootElement(doc);
    if (!ferry_xml_is(root, FERRY_MANIFEST_NS, "manifest")) {
        r = ferry_errf(FERRY_ERR_FORMAT,
                       "not a ferry manifest (root element <%.60s> not in "
                       "namespace %s)",
                       root ? (const char *)root->name : "", FERRY_MANIFEST_NS);
        goto out;
    }
    if ((r = manifest_alloc(&m)) != FERRY_OK || (r = parse_root(m, root)) != FERRY_OK ||
        (r = kinds_once(m)) != FERRY_OK)
        goto out;
    *out = m;
    m = NULL;
    r = FERRY_OK;
out:
    ferry_manifest_free(m);
    xmlFreeDoc(doc);
    return r;
}
