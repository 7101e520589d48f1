/*
 * dmstate: reads device-state files with the daemon's own tables and
 * checks, without a daemon.
 *
 *   dmstate [--machine xenfv|pc] info FILE     sections, offsets, sizes
 *   dmstate [--machine xenfv|pc] dump FILE     every field as JSON
 *   dmstate [--machine xenfv|pc] verify FILE   the daemon's full validation
 *   dmstate [--machine xenfv|pc] diff A B      the fields that differ
 *   dmstate [--machine xenfv|pc] extract STREAM -o FILE
 *                                  our sections of a QEMU stream, as a file
 *
 * FILE may also be QEMU 7.2's full migration stream (what `migrate` writes
 * to a file): its sections we do not model are stepped over (qemustream.h)
 * and offsets point into the stream.
 *
 * Exit status: 0 success (verify: valid; diff: no difference), 1 invalid
 * file or (diff) a difference, 2 usage or I/O error.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "daemon/machine.h"
#include "daemon/statefile.h"
#include "devices/block.h"
#include "qmp/json.h"
#include "vmstate/qemustream.h"
#include "vmstate/savevm.h"
#include "vmstate/vmstate-json.h"

enum { DMSTATE_OK = 0, DMSTATE_INVALID = 1, DMSTATE_USAGE = 2 };

/* --drives: the IDE slots that had an image (bit i: index i). */
static unsigned dmstate_drives;

typedef struct Decoded {
    GPtrArray *sections; /* JsonNode *: {"idstr", ..., "fields"} */
    GHashTable *uint64s; /* nodes holding a uint64 */
    GString *info;       /* the info lines */
    GPtrArray *sources;  /* a QEMU stream: its section per decoded one */
    guint next;          /* the next index into sources */
} Decoded;

static void decoded_clear(Decoded *d)
{
    g_clear_pointer(&d->sections, g_ptr_array_unref);
    g_clear_pointer(&d->uint64s, g_hash_table_unref);
    g_clear_pointer(&d->sources, g_ptr_array_unref);
    if (d->info != NULL) {
        g_string_free(d->info, TRUE);
        d->info = NULL;
    }
}

static void collect_section(const SavevmSectionInfo *info, void *opaque)
{
    Decoded *d = opaque;
    const VmsSection *s = info->section;
    JsonObject *object = json_object_new();
    size_t offset = info->offset, size = info->size;

    if (d->sources != NULL && d->next < d->sources->len) {
        /* Offsets into the stream, not into the extracted copy. */
        const QemuStreamSection *src = g_ptr_array_index(d->sources, d->next);
        offset = src->offset;
        size = src->size;
        d->next++;
    }
    JsonNode *fields = vms_to_json(s->vmsd, info->state, d->uint64s);

    json_object_set_string_member(object, "idstr", s->idstr);
    json_object_set_int_member(object, "instance_id", s->instance_id);
    json_object_set_int_member(object, "version", info->version);
    json_object_set_int_member(object, "offset", (gint64)offset);
    json_object_set_int_member(object, "size", (gint64)size);
    json_object_set_member(object, "fields", fields);
    g_ptr_array_add(d->sections,
                    json_node_init_object(json_node_alloc(), object));
    json_object_unref(object);

    g_string_append_printf(d->info, "%8zu %8zu  %s instance %u version %u",
                           offset, size, s->idstr, s->instance_id,
                           info->version);
    g_autoptr(GList) members =
        json_object_get_members(json_node_get_object(fields));
    for (GList *l = members; l != NULL; l = l->next) {
        const char *name = l->data;
        if (name[0] == '/') {
            g_string_append_printf(d->info, ", subsection %s%s", s->vmsd->name,
                                   name);
        }
    }
    g_string_append_c(d->info, '\n');
}

/* Exit status for a failed decode: invalid data, or could not read. */
static int failure_status(const GError *error)
{
    return error->domain == G_IO_ERROR && error->code == G_IO_ERROR_INVALID_DATA
               ? DMSTATE_INVALID
               : DMSTATE_USAGE;
}

/* Files are mapped, not read: a migration stream carries the guest's RAM. */
static const uint8_t *mapped_data(GMappedFile *file, size_t *ret_len)
{
    *ret_len = g_mapped_file_get_length(file);
    return (const uint8_t *)g_mapped_file_get_contents(file);
}

/*
 * A fresh board as the daemon builds it, with a placeholder image (an
 * unlinked sparse file) in each --drives slot: a drive's state is only
 * valid where a drive is.
 */
static Machine *board_new(MachineType type, GError **error)
{
    Machine *machine = machine_new(type, 0, 1);

    for (unsigned i = 0; i < BLOCK_MAX_DRIVES; i++) {
        if (!(dmstate_drives & (1u << i))) {
            continue;
        }
        g_autofree char *path = NULL;
        int fd = g_file_open_tmp("dmstate-drive-XXXXXX", &path, error);
        if (fd < 0) {
            goto fail;
        }
        BlockOptions opts = { .file = path, .cache = BLOCK_CACHE_WRITEBACK };
        bool sized = ftruncate(fd, 1 << 20) == 0;
        machine->drives[i] = sized ? block_open(&opts, error) : NULL;
        unlink(path);
        close(fd);
        if (machine->drives[i] == NULL) {
            if (!sized) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                            "cannot size a placeholder drive");
            }
            goto fail;
        }
    }
    if (machine_create_devices(machine, error)) {
        return machine;
    }
fail:
    for (unsigned i = 0; i < BLOCK_MAX_DRIVES; i++) {
        block_close(machine->drives[i]);
        machine->drives[i] = NULL;
    }
    machine_free(machine);
    return NULL;
}

static void board_free(Machine *machine)
{
    BlockBackend *drives[BLOCK_MAX_DRIVES];

    memcpy(drives, machine->drives, sizeof(drives));
    machine_free(machine);
    for (unsigned i = 0; i < BLOCK_MAX_DRIVES; i++) {
        block_close(drives[i]);
    }
}

/* One line per record of a QEMU stream, for info. */
static void stream_info(const QemuStream *qs, GString *out)
{
    if (qs->machine != NULL) {
        g_string_append_printf(out, "%8d %8zu  configuration: machine %s\n", 8,
                               qs->config_len, qs->machine);
    }
    for (guint i = 0; i < qs->sections->len; i++) {
        const QemuStreamSection *s =
            &g_array_index(qs->sections, QemuStreamSection, i);
        static const char *const types[] = { "", "START", "PART", "END",
                                             "FULL" };
        g_string_append_printf(out, "%8zu %8zu  %s %s", s->offset, s->size,
                               types[s->type], s->idstr);
        if (s->type == SAVEVM_SECTION_FULL || s->type == SAVEVM_SECTION_START) {
            g_string_append_printf(out, " instance %u version %u",
                                   s->instance_id, s->version_id);
        }
        g_string_append_printf(out, " (id %u%s): %s", s->section_id,
                               s->footer ? ", footer" : "",
                               qemu_stream_how_name(s->how));
        if (s->how == QEMU_STREAM_SKIP_RAM && s->pages > 0) {
            g_string_append_printf(out,
                                   ", %" G_GUINT64_FORMAT
                                   " pages (%" G_GUINT64_FORMAT " zero)",
                                   s->pages, s->zero_pages);
        }
        g_string_append_c(out, '\n');
    }
    if (qs->eof_found) {
        g_string_append_printf(out, "%8zu %8d  end of file\n", qs->eof_offset,
                               1);
    }
    if (qs->vmdesc_offset != 0) {
        g_string_append_printf(
            out, "%8zu %8zu  JSON description: %u sections\n",
            qs->vmdesc_offset, qs->vmdesc_len + 5, qs->vmdesc_devices);
    }
}

/*
 * Reads and decodes path with a fresh board; false with the message.  A
 * QEMU stream is reduced to our sections first (ret_stream, when asked,
 * gets its record list for info).
 */
static bool decode_file(MachineType type, const char *path, Decoded *d,
                        size_t *ret_len, GString *ret_stream, GError **error)
{
    g_autoptr(GMappedFile) file = g_mapped_file_new(path, FALSE, error);

    if (file == NULL) {
        return false;
    }
    Machine *machine = board_new(type, error);
    if (machine == NULL) {
        return false;
    }
    size_t len;
    const uint8_t *data = mapped_data(file, &len);
    d->sections =
        g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
    d->uint64s = g_hash_table_new(g_direct_hash, g_direct_equal);
    d->info = g_string_new(NULL);
    *ret_len = len;
    g_autoptr(QemuStream) qs =
        qemu_stream_parse(machine->sections, data, len, error);
    bool ok = qs != NULL;
    if (ok && qs->plain) {
        ok = savevm_inspect(machine->sections, data, len, collect_section, d,
                            error);
    } else if (ok) {
        g_autoptr(GByteArray) mine =
            qemu_stream_extract(qs, machine->sections, data, &d->sources);
        ok = savevm_inspect(machine->sections, mine->data, mine->len,
                            collect_section, d, error);
        if (ret_stream != NULL) {
            stream_info(qs, ret_stream);
        }
    }
    board_free(machine);
    return ok;
}

static int cmd_info_or_dump(MachineType type, const char *path, bool dump)
{
    g_autoptr(GError) error = NULL;
    Decoded d = { 0 };
    size_t len;
    g_autoptr(GString) stream = g_string_new(NULL);

    if (!decode_file(type, path, &d, &len, stream, &error)) {
        fprintf(stderr, "dmstate: %s: %s\n", path, error->message);
        decoded_clear(&d);
        return failure_status(error);
    }
    if (!dump && stream->len > 0) {
        printf("%s: %zu bytes, a QEMU stream (QEVM version %d), "
               "%u section%s of ours\n",
               path, len, SAVEVM_VERSION, d.sections->len,
               d.sections->len == 1 ? "" : "s");
        printf("%8s %8s  %s\n", "offset", "size", "record");
        fputs(stream->str, stdout);
    } else if (!dump) {
        printf("%s: %zu bytes, QEVM version %d, %u section%s\n", path, len,
               SAVEVM_VERSION, d.sections->len,
               d.sections->len == 1 ? "" : "s");
        printf("%8s %8s  %s\n", "offset", "size", "section");
        fputs(d.info->str, stdout);
    } else {
        /* One section per line keeps the JSON greppable. */
        GString *out = g_string_new("{\"file\":");
        JsonNode *name = json_node_init_string(json_node_alloc(), path);
        json_write(out, name, NULL);
        json_node_unref(name);
        g_string_append(out, ",\"sections\":[");
        for (guint i = 0; i < d.sections->len; i++) {
            g_string_append(out, i ? ",\n" : "\n");
            json_write(out, g_ptr_array_index(d.sections, i), d.uint64s);
        }
        g_string_append(out, "\n]}\n");
        fputs(out->str, stdout);
        g_string_free(out, TRUE);
    }
    decoded_clear(&d);
    return DMSTATE_OK;
}

static int cmd_verify(MachineType type, const char *path)
{
    g_autoptr(GError) error = NULL;
    Decoded d = { 0 };
    size_t len;

    if (!decode_file(type, path, &d, &len, NULL, &error)) {
        int rc = failure_status(error);
        if (rc == DMSTATE_INVALID) {
            printf("%s: invalid: %s\n", path, error->message);
        } else {
            fprintf(stderr, "dmstate: %s\n", error->message);
        }
        decoded_clear(&d);
        return rc;
    }
    printf("%s: valid (%zu bytes, %u section%s)\n", path, len, d.sections->len,
           d.sections->len == 1 ? "" : "s");
    decoded_clear(&d);
    return DMSTATE_OK;
}

static char *node_text(JsonNode *node, GHashTable *uint64s)
{
    GString *out = g_string_new(NULL);

    json_write(out, node, uint64s);
    return g_string_free(out, FALSE);
}

/* Prints every leaf that differs; returns how many did. */
static unsigned diff_nodes(const char *path, JsonNode *a, GHashTable *ua,
                           JsonNode *b, GHashTable *ub)
{
    if (JSON_NODE_HOLDS_OBJECT(a) && JSON_NODE_HOLDS_OBJECT(b)) {
        JsonObject *oa = json_node_get_object(a), *ob = json_node_get_object(b);
        g_autoptr(GList) names = json_object_get_members(oa);
        unsigned count = 0;
        for (GList *l = names; l != NULL; l = l->next) {
            const char *name = l->data;
            g_autofree char *child = name[0] == '/' || *path == '\0'
                                         ? g_strconcat(path, name, NULL)
                                         : g_strconcat(path, ".", name, NULL);
            JsonNode *nb = json_object_get_member(ob, name);
            if (nb == NULL) {
                printf("%s: only in the first file\n", child);
                count++;
                continue;
            }
            count +=
                diff_nodes(child, json_object_get_member(oa, name), ua, nb, ub);
        }
        g_autoptr(GList) names_b = json_object_get_members(ob);
        for (GList *l = names_b; l != NULL; l = l->next) {
            if (!json_object_has_member(oa, l->data)) {
                printf("%s%s%s: only in the second file\n", path,
                       *path && ((char *)l->data)[0] != '/' ? "." : "",
                       (char *)l->data);
                count++;
            }
        }
        return count;
    }
    if (JSON_NODE_HOLDS_ARRAY(a) && JSON_NODE_HOLDS_ARRAY(b) &&
        json_array_get_length(json_node_get_array(a)) ==
            json_array_get_length(json_node_get_array(b))) {
        JsonArray *xa = json_node_get_array(a), *xb = json_node_get_array(b);
        unsigned count = 0;
        for (guint i = 0; i < json_array_get_length(xa); i++) {
            g_autofree char *child = g_strdup_printf("%s[%u]", path, i);
            count += diff_nodes(child, json_array_get_element(xa, i), ua,
                                json_array_get_element(xb, i), ub);
        }
        return count;
    }
    g_autofree char *ta = node_text(a, ua);
    g_autofree char *tb = node_text(b, ub);
    if (strcmp(ta, tb) == 0) {
        return 0;
    }
    printf("%s: %s -> %s\n", path, ta, tb);
    return 1;
}

static JsonNode *find_section(const Decoded *d, const char *idstr)
{
    for (guint i = 0; i < d->sections->len; i++) {
        JsonNode *node = g_ptr_array_index(d->sections, i);
        JsonObject *object = json_node_get_object(node);
        if (strcmp(json_object_get_string_member(object, "idstr"), idstr) ==
            0) {
            return node;
        }
    }
    return NULL;
}

static int cmd_diff(MachineType type, const char *path_a, const char *path_b)
{
    g_autoptr(GError) error = NULL;
    Decoded a = { 0 }, b = { 0 };
    size_t len;
    unsigned count = 0;
    int rc = DMSTATE_OK;

    if (!decode_file(type, path_a, &a, &len, NULL, &error) ||
        !decode_file(type, path_b, &b, &len, NULL, &error)) {
        fprintf(stderr, "dmstate: %s\n", error->message);
        rc = DMSTATE_USAGE;
        goto out;
    }
    for (guint i = 0; i < a.sections->len; i++) {
        JsonObject *sa = json_node_get_object(g_ptr_array_index(a.sections, i));
        const char *idstr = json_object_get_string_member(sa, "idstr");
        JsonNode *nb = find_section(&b, idstr);
        if (nb == NULL) {
            printf("%s: only in %s\n", idstr, path_a);
            count++;
            continue;
        }
        g_autofree char *prefix = g_strconcat(idstr, ": ", NULL);
        count += diff_nodes(
            prefix, json_object_get_member(sa, "fields"), a.uint64s,
            json_object_get_member(json_node_get_object(nb), "fields"),
            b.uint64s);
    }
    for (guint i = 0; i < b.sections->len; i++) {
        JsonObject *sb = json_node_get_object(g_ptr_array_index(b.sections, i));
        const char *idstr = json_object_get_string_member(sb, "idstr");
        if (find_section(&a, idstr) == NULL) {
            printf("%s: only in %s\n", idstr, path_b);
            count++;
        }
    }
    rc = count == 0 ? DMSTATE_OK : DMSTATE_INVALID;
out:
    decoded_clear(&a);
    decoded_clear(&b);
    return rc;
}

/* "0,2" -> bits 0 and 2 of dmstate_drives. */
static bool parse_drives(const char *list)
{
    g_auto(GStrv) items = g_strsplit(list, ",", -1);

    for (char **i = items; *i != NULL; i++) {
        if (strlen(*i) != 1 || (*i)[0] < '0' ||
            (*i)[0] >= '0' + BLOCK_MAX_DRIVES) {
            return false;
        }
        dmstate_drives |= 1u << ((*i)[0] - '0');
    }
    return true;
}

/* Our sections of a stream, as a device-state file the daemon loads. */
static int cmd_extract(MachineType type, const char *path, const char *out)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GMappedFile) file = g_mapped_file_new(path, FALSE, &error);

    if (file == NULL) {
        fprintf(stderr, "dmstate: %s\n", error->message);
        return DMSTATE_USAGE;
    }
    Machine *machine = board_new(type, &error);
    if (machine == NULL) {
        fprintf(stderr, "dmstate: %s\n", error->message);
        return DMSTATE_USAGE;
    }
    size_t len;
    const uint8_t *data = mapped_data(file, &len);
    g_autoptr(QemuStream) qs =
        qemu_stream_parse(machine->sections, data, len, &error);
    g_autoptr(GByteArray) mine = NULL;
    int rc = DMSTATE_OK;
    if (qs == NULL) {
        printf("%s: invalid: %s\n", path, error->message);
        rc = DMSTATE_INVALID;
    } else {
        mine = qemu_stream_extract(qs, machine->sections, data, NULL);
        /* What we write must load: the daemon's own check. */
        if (!savevm_load(machine->sections, mine->data, mine->len, false,
                         &error)) {
            printf("%s: invalid: %s\n", path, error->message);
            rc = DMSTATE_INVALID;
        } else if (!g_file_set_contents(out, (const char *)mine->data,
                                        mine->len, &error)) {
            fprintf(stderr, "dmstate: %s\n", error->message);
            rc = DMSTATE_USAGE;
        }
    }
    board_free(machine);
    return rc;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *machine_name = NULL;
    g_autofree char *output = NULL;
    g_autofree char *drives = NULL;
    MachineType type = MACHINE_TYPE_XENFV;
    const GOptionEntry entries[] = {
        { "machine", 0, 0, G_OPTION_ARG_STRING, &machine_name,
          "machine type the file was written for: xenfv (default) or pc",
          "TYPE" },
        { "drives", 0, 0, G_OPTION_ARG_STRING, &drives,
          "IDE slots with an image, e.g. 0 or 0,2 (default: none)", "LIST" },
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
          "extract: the device-state file to write", "FILE" },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) context =
        g_option_context_new("info FILE | dump FILE | verify FILE | diff A B | "
                             "extract STREAM -o FILE");

    g_option_context_set_summary(
        context, "Reads devmodeld and QEMU 7.2 device-state files and QEMU 7.2 "
                 "migration streams.");
    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        fprintf(stderr, "dmstate: %s\n", error->message);
        return DMSTATE_USAGE;
    }
    if (machine_name != NULL && !machine_type_from_name(machine_name, &type)) {
        fprintf(stderr,
                "dmstate: --machine: '%s' is not a machine type (xenfv or "
                "pc)\n",
                machine_name);
        return DMSTATE_USAGE;
    }
    if (drives != NULL && !parse_drives(drives)) {
        fprintf(stderr,
                "dmstate: --drives: '%s' is not a list of indexes 0..3\n",
                drives);
        return DMSTATE_USAGE;
    }
    const char *verb = argc > 1 ? argv[1] : "";
    int files = strcmp(verb, "diff") == 0 ? 2 : 1;
    if (argc != 2 + files ||
        (strcmp(verb, "info") != 0 && strcmp(verb, "dump") != 0 &&
         strcmp(verb, "verify") != 0 && strcmp(verb, "diff") != 0 &&
         strcmp(verb, "extract") != 0) ||
        (strcmp(verb, "extract") == 0) != (output != NULL)) {
        fprintf(stderr, "dmstate: usage: dmstate [--machine TYPE] info|dump|"
                        "verify FILE, diff A B, or extract STREAM -o FILE\n");
        return DMSTATE_USAGE;
    }
    if (strcmp(verb, "extract") == 0) {
        return cmd_extract(type, argv[2], output);
    }
    if (strcmp(verb, "diff") == 0) {
        return cmd_diff(type, argv[2], argv[3]);
    }
    if (strcmp(verb, "verify") == 0) {
        return cmd_verify(type, argv[2]);
    }
    return cmd_info_or_dump(type, argv[2], strcmp(verb, "dump") == 0);
}
