/*
 * screendump: writes what the Cirrus VGA shows as PPM or PNG, with QEMU
 * 7.2's arguments and error texts (qapi/ui.json, ui/console.c).  The file
 * name follows the state files' rules (daemon/statefile.h): atomic
 * replacement of a path, "/dev/fdset/N", "fd:NAME".
 */
#include "config.h"

#define G_LOG_DOMAIN "devmodeld-display"

#include <string.h>

#include <glib.h>

#include "daemon/statefile.h"
#include "devices/cirrus-display.h"
#include "devices/image.h"
#include "qmp/commands.h"

static const char *const image_format_names[] = { "ppm", "png", NULL };
static const QmpType qmp_type_image_format = {
    .kind = QMP_TYPE_ENUM,
    .enum_values = image_format_names,
};

static const QmpMember screendump_args[] = {
    { "filename", &qmp_type_str, false },
    { "device", &qmp_type_str, true },
    { "head", &qmp_type_int, true },
    { "format", &qmp_type_image_format, true },
    { NULL, NULL, false },
};

static JsonNode *qmp_screendump(QmpCall *call, GError **error)
{
    Machine *machine = call->session->machine;
    JsonObject *args = call->args;
    const char *filename = json_object_get_string_member(args, "filename");
    StateFileContext ctx = { machine->fdsets, call->session->named_fds };

    /*
     * QEMU finds a console by the id of its device; the card here has no
     * id (as with QEMU's -vga cirrus), so every name is unknown.
     */
    if (json_object_has_member(args, "device")) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_DEVICE_NOT_FOUND,
                    "Device '%s' not found",
                    json_object_get_string_member(args, "device"));
        return NULL;
    }
    if (json_object_has_member(args, "head")) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "'head' must be specified together with 'device'");
        return NULL;
    }
    if (machine->cirrus == NULL) {
        g_set_error(error, QMP_ERROR, QMP_ERROR_GENERIC,
                    "There is no console to take a screendump from");
        return NULL;
    }

    /*
     * The VRAM dirty log is left alone: a screendump draws the whole frame
     * anyway, and taking the pages (vram_dirty_take) would hide them from
     * x-query-vram-dirty, the migration's reader.
     */
    VgaBlinkPhase blink = vga_blink_phase(machine_guest_clock_ms(machine));
    g_autoptr(Image) image = cirrus_render(machine->cirrus, blink, error);
    if (image == NULL) {
        return NULL;
    }
    bool png =
        json_object_has_member(args, "format") &&
        strcmp(json_object_get_string_member(args, "format"), "png") == 0;
    g_autoptr(GByteArray) data =
        png ? image_encode_png(image, error) : image_encode_ppm(image);
    if (data == NULL) {
        return NULL;
    }
    if (!statefile_write(&ctx, filename, data->data, data->len, error)) {
        return NULL;
    }
    g_debug("screendump %dx%d (%s, %u bytes) to %s", image->width,
            image->height, png ? "png" : "ppm", data->len, filename);
    return NULL;
}

const QmpCommand qmp_display_commands[] = {
    { "screendump", qmp_screendump, screendump_args },
};
const size_t qmp_display_command_count = G_N_ELEMENTS(qmp_display_commands);
