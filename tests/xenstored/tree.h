/*
 * The test xenstored's node tree: values, children in creation order,
 * permissions and a generation per node, as cxenstored 4.17 keeps them.
 * Mutations report the paths whose watches must fire; inside a
 * transaction they also record which nodes were seen, and at what
 * generation, so that the commit can detect conflicts.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

typedef struct XsNode XsNode;
struct XsNode {
    char *name; /* last path component, "" for the root */
    XsNode *parent;
    GPtrArray *children; /* XsNode *, in creation order */
    char *value;         /* len bytes (any bytes, NUL-terminated copy) */
    size_t len;
    char *perms; /* "n0\0r5\0": exactly what GET_PERMS returns */
    size_t perms_len;
    guint64 generation; /* last change; never 0 */
};

typedef struct {
    XsNode *root;
    guint count;         /* nodes, the root included */
    guint max_entries;   /* 0: no limit; else ENOSPC beyond it */
    guint64 *generation; /* counter shared by a store and its copies */
} XsTree;

/* A changed path, for watches: exact ones fire only on that path. */
typedef struct {
    char *path;
    bool exact;
} XsChange;

/* "/", "/tool" and "/tool/xenstored", owned by dom0 ("n0"). */
XsTree *xs_tree_new(guint64 *generation, guint max_entries);
XsTree *xs_tree_copy(const XsTree *tree);
void xs_tree_free(XsTree *tree);

/* A new array of XsChange for the mutators below. */
GArray *xs_changes_new(void);

/* NULL when missing; path must be canonical and valid. */
XsNode *xs_tree_lookup(XsTree *tree, const char *path);

/*
 * These return 0 or an errno value.  accessed (NULL outside transactions)
 * maps each path looked at to its generation then (0: absent).
 */
XsNode *xs_tree_get(XsTree *tree, const char *path, GHashTable *accessed);
int xs_tree_write(XsTree *tree, const char *path, const void *value, size_t len,
                  GHashTable *accessed, GArray *changes);
int xs_tree_mkdir(XsTree *tree, const char *path, GHashTable *accessed,
                  GArray *changes);
int xs_tree_rm(XsTree *tree, const char *path, GHashTable *accessed,
               GArray *changes);
int xs_tree_set_perms(XsTree *tree, const char *path, const char *perms,
                      size_t perms_len, GHashTable *accessed, GArray *changes);

/* A new map for the accessed argument. */
GHashTable *xs_accessed_new(void);

/* true when no accessed node changed in tree since it was recorded. */
bool xs_tree_unchanged(XsTree *tree, GHashTable *accessed);

/*
 * Path rules (xenstored's canonicalize and is_valid_nodename): relative
 * paths live under /local/domain/0; returns a new canonical path, or NULL
 * when the path is invalid (EINVAL).
 */
char *xs_path_canonical(const char *path);

/* The children's names, each NUL-terminated, as DIRECTORY replies. */
GByteArray *xs_node_children(const XsNode *node);
