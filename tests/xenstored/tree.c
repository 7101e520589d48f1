/*
 * The node tree of the test xenstored.  Semantics follow cxenstored 4.17
 * (tools/xenstore/xenstored_core.c): a write creates missing parents with
 * empty values and the parent's permissions; mkdir of an existing node
 * succeeds; rm is recursive, succeeds on a missing node whose parent
 * exists, and fires exact watches for the removed descendants.  Single
 * threaded: the server's main loop owns every tree.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <xen/io/xs_wire.h>

#include "tests/xenstored/tree.h"

#define LOCAL_DOMAIN "/local/domain/"

static XsNode *node_new(const char *name, XsNode *parent, const char *perms,
                        size_t perms_len, guint64 generation)
{
    XsNode *node = g_new0(XsNode, 1);

    node->name = g_strdup(name);
    node->parent = parent;
    node->children = g_ptr_array_new();
    node->value = g_strdup("");
    node->perms = g_memdup(perms, perms_len);
    node->perms_len = perms_len;
    node->generation = generation;
    return node;
}

static void node_free(XsNode *node)
{
    for (guint i = 0; i < node->children->len; i++) {
        node_free(g_ptr_array_index(node->children, i));
    }
    g_ptr_array_free(node->children, true);
    g_free(node->name);
    g_free(node->value);
    g_free(node->perms);
    g_free(node);
}

static XsNode *node_copy(const XsNode *node, XsNode *parent)
{
    XsNode *copy = node_new(node->name, parent, node->perms, node->perms_len,
                            node->generation);

    g_free(copy->value);
    copy->value = g_memdup(node->value, node->len + 1);
    copy->len = node->len;
    for (guint i = 0; i < node->children->len; i++) {
        g_ptr_array_add(copy->children,
                        node_copy(g_ptr_array_index(node->children, i), copy));
    }
    return copy;
}

static XsNode *node_child(const XsNode *node, const char *name, size_t len)
{
    for (guint i = 0; i < node->children->len; i++) {
        XsNode *child = g_ptr_array_index(node->children, i);
        if (strlen(child->name) == len && memcmp(child->name, name, len) == 0) {
            return child;
        }
    }
    return NULL;
}

static void touch(XsTree *tree, XsNode *node)
{
    node->generation = ++*tree->generation;
}

static void note(GHashTable *accessed, const char *path, const XsNode *node)
{
    if (accessed == NULL || g_hash_table_contains(accessed, path)) {
        return;
    }
    guint64 *gen = g_new(guint64, 1);
    *gen = node != NULL ? node->generation : 0;
    g_hash_table_insert(accessed, g_strdup(path), gen);
}

static void change(GArray *changes, const char *path, bool exact)
{
    XsChange c = { g_strdup(path), exact };

    if (changes != NULL) {
        g_array_append_val(changes, c);
    } else {
        g_free(c.path);
    }
}

static void change_clear(void *data)
{
    g_free(((XsChange *)data)->path);
}

GArray *xs_changes_new(void)
{
    GArray *changes = g_array_new(false, false, sizeof(XsChange));

    g_array_set_clear_func(changes, change_clear);
    return changes;
}

GHashTable *xs_accessed_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

XsTree *xs_tree_new(guint64 *generation, guint max_entries)
{
    static const char dom0[] = "n0";
    XsTree *tree = g_new0(XsTree, 1);

    tree->generation = generation;
    tree->max_entries = max_entries;
    tree->root = node_new("", NULL, dom0, sizeof(dom0), ++*generation);
    XsNode *tool =
        node_new("tool", tree->root, dom0, sizeof(dom0), ++*generation);
    g_ptr_array_add(tree->root->children, tool);
    g_ptr_array_add(tool->children, node_new("xenstored", tool, dom0,
                                             sizeof(dom0), ++*generation));
    tree->count = 3;
    return tree;
}

XsTree *xs_tree_copy(const XsTree *tree)
{
    XsTree *copy = g_new0(XsTree, 1);

    *copy = *tree;
    copy->root = node_copy(tree->root, NULL);
    return copy;
}

void xs_tree_free(XsTree *tree)
{
    if (tree != NULL) {
        node_free(tree->root);
        g_free(tree);
    }
}

XsNode *xs_tree_lookup(XsTree *tree, const char *path)
{
    XsNode *node = tree->root;
    const char *p = path + 1;

    while (node != NULL && *p != '\0') {
        const char *slash = strchr(p, '/');
        size_t len = slash != NULL ? (size_t)(slash - p) : strlen(p);
        node = node_child(node, p, len);
        p += len + (slash != NULL ? 1 : 0);
    }
    return node;
}

XsNode *xs_tree_get(XsTree *tree, const char *path, GHashTable *accessed)
{
    XsNode *node = xs_tree_lookup(tree, path);

    note(accessed, path, node);
    return node;
}

static char *parent_path(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash == path ? g_strdup("/") : g_strndup(path, slash - path);
}

/* Creates path and its missing ancestors, inheriting permissions. */
static int create(XsTree *tree, const char *path, GHashTable *accessed,
                  XsNode **ret_node)
{
    g_autofree char *anc = g_strdup(path);
    XsNode *node = NULL;
    guint missing = 0;

    while (node == NULL) {
        char *up = parent_path(anc);
        g_free(anc);
        anc = up;
        missing++;
        node = xs_tree_lookup(tree, anc);
    }
    if (tree->max_entries != 0 && tree->count + missing > tree->max_entries) {
        return ENOSPC;
    }
    note(accessed, anc, node);
    touch(tree, node);
    /* Walk down the missing components of path below anc. */
    const char *p = path + strlen(anc) + (strcmp(anc, "/") == 0 ? 0 : 1);
    while (*p != '\0') {
        const char *slash = strchr(p, '/');
        size_t len = slash != NULL ? (size_t)(slash - p) : strlen(p);
        g_autofree char *name = g_strndup(p, len);
        g_autofree char *sub = g_strndup(path, (size_t)(p - path) + len);
        XsNode *child = node_new(name, node, node->perms, node->perms_len, 0);
        note(accessed, sub, NULL);
        touch(tree, child);
        g_ptr_array_add(node->children, child);
        tree->count++;
        node = child;
        p += len + (slash != NULL ? 1 : 0);
    }
    *ret_node = node;
    return 0;
}

int xs_tree_write(XsTree *tree, const char *path, const void *value, size_t len,
                  GHashTable *accessed, GArray *changes)
{
    XsNode *node = xs_tree_get(tree, path, accessed);

    if (node == NULL) {
        int err = create(tree, path, accessed, &node);
        if (err != 0) {
            return err;
        }
    }
    g_free(node->value);
    node->value = g_malloc(len + 1);
    memcpy(node->value, value, len);
    node->value[len] = '\0';
    node->len = len;
    touch(tree, node);
    change(changes, path, false);
    return 0;
}

int xs_tree_mkdir(XsTree *tree, const char *path, GHashTable *accessed,
                  GArray *changes)
{
    XsNode *node = xs_tree_get(tree, path, accessed);

    if (node != NULL) {
        return 0;
    }
    int err = create(tree, path, accessed, &node);
    if (err == 0) {
        change(changes, path, false);
    }
    return err;
}

/* Children first, as xenstored's walk: descendants fire exact watches. */
static void remove_sub(XsTree *tree, XsNode *node, const char *path, bool top,
                       GHashTable *accessed, GArray *changes)
{
    for (guint i = 0; i < node->children->len; i++) {
        XsNode *child = g_ptr_array_index(node->children, i);
        g_autofree char *sub = g_strconcat(path, "/", child->name, NULL);
        remove_sub(tree, child, sub, false, accessed, changes);
    }
    note(accessed, path, node);
    change(changes, path, !top);
    tree->count--;
}

int xs_tree_rm(XsTree *tree, const char *path, GHashTable *accessed,
               GArray *changes)
{
    XsNode *node = xs_tree_get(tree, path, accessed);
    g_autofree char *up = NULL;

    if (node == NULL) {
        up = parent_path(path);
        return xs_tree_get(tree, up, accessed) != NULL ? 0 : ENOENT;
    }
    if (node->parent == NULL) {
        return EINVAL; /* the root */
    }
    up = parent_path(path);
    note(accessed, up, node->parent);
    remove_sub(tree, node, path, true, accessed, changes);
    g_ptr_array_remove(node->parent->children, node);
    touch(tree, node->parent);
    node_free(node);
    return 0;
}

int xs_tree_set_perms(XsTree *tree, const char *path, const char *perms,
                      size_t perms_len, GHashTable *accessed, GArray *changes)
{
    XsNode *node = xs_tree_get(tree, path, accessed);

    if (node == NULL) {
        return ENOENT;
    }
    g_free(node->perms);
    node->perms = g_memdup(perms, perms_len);
    node->perms_len = perms_len;
    touch(tree, node);
    change(changes, path, false);
    return 0;
}

bool xs_tree_unchanged(XsTree *tree, GHashTable *accessed)
{
    GHashTableIter iter;
    void *key, *value;

    g_hash_table_iter_init(&iter, accessed);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        XsNode *node = xs_tree_lookup(tree, key);
        guint64 now = node != NULL ? node->generation : 0;
        if (now != *(guint64 *)value) {
            return false;
        }
    }
    return true;
}

GByteArray *xs_node_children(const XsNode *node)
{
    GByteArray *out = g_byte_array_new();

    for (guint i = 0; i < node->children->len; i++) {
        const XsNode *child = g_ptr_array_index(node->children, i);
        g_byte_array_append(out, (const guint8 *)child->name,
                            strlen(child->name) + 1);
    }
    return out;
}

/* Length of a "/local/domain/N/" prefix (N up to 5 digits), else 0. */
static size_t local_prefix(const char *path)
{
    size_t off = strlen(LOCAL_DOMAIN), digits = 0;

    if (strncmp(path, LOCAL_DOMAIN, off) != 0) {
        return 0;
    }
    while (g_ascii_isdigit(path[off + digits]) && digits < 5) {
        digits++;
    }
    if (digits == 0 || path[off + digits] != '/') {
        return 0;
    }
    return off + digits + 1;
}

static bool valid_nodename(const char *path)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "abcdefghijklmnopqrstuvwxyz"
                                "0123456789-/_@";
    size_t len = strlen(path);

    if (path[0] != '/' || strstr(path, "//") != NULL) {
        return false;
    }
    if (len > 1 && path[len - 1] == '/') {
        return false;
    }
    if (len > local_prefix(path) + XENSTORE_REL_PATH_MAX) {
        return false;
    }
    return strspn(path, chars) == len;
}

char *xs_path_canonical(const char *path)
{
    char *canon = path[0] == '/' || path[0] == '@'
                      ? g_strdup(path)
                      : g_strconcat("/local/domain/0/", path, NULL);

    if (!valid_nodename(canon)) {
        g_free(canon);
        return NULL;
    }
    return canon;
}
