/*
 * Commands libxl sends that no other family covers (research/
 * xen-toolstack.md §1.3): change-vnc-password, which fails as QEMU 7.2's
 * does without a VNC server, and query-pci, the real functions of bus 0
 * in QEMU 7.2's shape (what libxl reads after PCI hotplug: qdev_id, slot,
 * function); and the three COLO replication commands libxl sends at
 * every checkpoint, which act on the replicated block devices and network
 * filters: devmodeld has none, so they act on an empty set, exactly as
 * QEMU 7.2 does when none are configured (libxl's COLO fails on any error
 * reply to them, so CommandNotFound would stop every COLO checkpoint).
 */
#include "config.h"

#include <glib.h>

#include "devices/pci.h"
#include "qmp/commands.h"

static const QmpMember change_vnc_password_args[] = {
    { "password", &qmp_type_str, false },
    { NULL, NULL, false },
};

/* QEMU 7.2 with -vnc none or no VNC at all: vnc_display_password fails. */
static JsonNode *qmp_change_vnc_password(QmpCall *call, GError **error)
{
    g_set_error_literal(error, QMP_ERROR, QMP_ERROR_GENERIC,
                        "Could not set password");
    return NULL;
}

static const QmpMember xen_set_replication_args[] = {
    { "enable", &qmp_type_bool, false },
    { "primary", &qmp_type_bool, false },
    { "failover", &qmp_type_bool, true },
    { NULL, NULL, false },
};

/* Starting or stopping replication of no devices; QEMU's one check. */
static JsonNode *qmp_xen_set_replication(QmpCall *call, GError **error)
{
    if (json_object_get_boolean_member(call->args, "enable") &&
        json_object_has_member(call->args, "failover")) {
        g_set_error_literal(error, QMP_ERROR, QMP_ERROR_GENERIC,
                            "Parameter 'failover' is only for stopping "
                            "replication");
        return NULL;
    }
    return NULL;
}

/* No replicated device, so none has failed. */
static JsonNode *qmp_query_xen_replication_status(QmpCall *call, GError **error)
{
    JsonObject *status = json_object_new();

    (void)call;
    (void)error;
    json_object_set_boolean_member(status, "error", false);
    return qmp_node_object(status);
}

/* A checkpoint of no replicated disks and no network filters. */
static JsonNode *qmp_xen_colo_do_checkpoint(QmpCall *call, GError **error)
{
    (void)call;
    (void)error;
    return NULL;
}

/* QEMU's pci_class_descriptions, the entries up to the bridges. */
static const struct {
    uint16_t class_id;
    const char *desc;
} pci_class_descs[] = {
    { 0x0001, "VGA controller" },
    { 0x0100, "SCSI controller" },
    { 0x0101, "IDE controller" },
    { 0x0102, "Floppy controller" },
    { 0x0103, "IPI controller" },
    { 0x0104, "RAID controller" },
    { 0x0106, "SATA controller" },
    { 0x0107, "SAS controller" },
    { 0x0180, "Storage controller" },
    { 0x0200, "Ethernet controller" },
    { 0x0201, "Token Ring controller" },
    { 0x0202, "FDDI controller" },
    { 0x0203, "ATM controller" },
    { 0x0280, "Network controller" },
    { 0x0300, "VGA controller" },
    { 0x0301, "XGA controller" },
    { 0x0302, "3D controller" },
    { 0x0380, "Display controller" },
    { 0x0400, "Video controller" },
    { 0x0401, "Audio controller" },
    { 0x0402, "Phone" },
    { 0x0403, "Audio controller" },
    { 0x0480, "Multimedia controller" },
    { 0x0500, "RAM controller" },
    { 0x0501, "Flash controller" },
    { 0x0580, "Memory controller" },
    { 0x0600, "Host bridge" },
    { 0x0601, "ISA bridge" },
    { 0x0602, "EISA bridge" },
    { 0x0603, "MC bridge" },
    { 0x0604, "PCI bridge" },
    { 0x0605, "PCMCIA bridge" },
    { 0x0606, "NUBUS bridge" },
    { 0x0607, "CARDBUS bridge" },
    { 0x0608, "RACEWAY bridge" },
    { 0x0680, "Bridge" },
};

static JsonObject *pci_class_info(uint16_t class_id)
{
    JsonObject *info = json_object_new();

    for (size_t i = 0; i < G_N_ELEMENTS(pci_class_descs); i++) {
        if (pci_class_descs[i].class_id == class_id) {
            json_object_set_string_member(info, "desc",
                                          pci_class_descs[i].desc);
            break;
        }
    }
    json_object_set_int_member(info, "class", class_id);
    return info;
}

static JsonArray *pci_regions(PciFunction *f)
{
    JsonArray *regions = json_array_new();

    for (unsigned n = 0; n < PCI_NUM_BARS; n++) {
        uint32_t size;
        PciBarKind kind = pci_function_bar_kind(f, n, &size);
        if (kind == PCI_BAR_NONE) {
            continue;
        }
        JsonObject *r = json_object_new();
        json_object_set_int_member(r, "bar", n);
        json_object_set_string_member(r, "type",
                                      kind == PCI_BAR_IO ? "io" : "memory");
        /* An unmapped BAR: QEMU's PCI_BAR_UNMAPPED, printed as -1. */
        json_object_set_int_member(r, "address",
                                   (gint64)pci_function_bar_address(f, n));
        json_object_set_int_member(r, "size", size);
        if (kind != PCI_BAR_IO) {
            json_object_set_boolean_member(r, "prefetch",
                                           kind == PCI_BAR_MEM32_PREFETCH);
            json_object_set_boolean_member(r, "mem_type_64", FALSE);
        }
        json_array_add_object_element(regions, r);
    }
    return regions;
}

static JsonObject *pci_device_info(PciFunction *f, unsigned devfn)
{
    JsonObject *dev = json_object_new();
    JsonObject *id = json_object_new();
    unsigned header = pci_function_config_read(f, PCI_HEADER_TYPE, 1);
    unsigned pin = pci_function_config_read(f, PCI_INTERRUPT_PIN, 1);

    json_object_set_int_member(dev, "bus", 0);
    json_object_set_int_member(dev, "slot", devfn >> 3);
    json_object_set_int_member(dev, "function", devfn & 7);
    json_object_set_object_member(
        dev, "class_info",
        pci_class_info(pci_function_config_read(f, PCI_CLASS_DEVICE, 2)));
    json_object_set_int_member(id, "device",
                               pci_function_config_read(f, PCI_DEVICE_ID, 2));
    json_object_set_int_member(id, "vendor",
                               pci_function_config_read(f, PCI_VENDOR_ID, 2));
    /* Type 0 headers only: every function we have is one. */
    if ((header & ~PCI_HEADER_MULTI_FUNCTION) == 0) {
        json_object_set_int_member(
            id, "subsystem", pci_function_config_read(f, PCI_SUBSYSTEM_ID, 2));
        json_object_set_int_member(
            id, "subsystem-vendor",
            pci_function_config_read(f, PCI_SUBSYSTEM_VENDOR_ID, 2));
    }
    json_object_set_object_member(dev, "id", id);
    if (pin != 0) {
        json_object_set_int_member(
            dev, "irq", pci_function_config_read(f, PCI_INTERRUPT_LINE, 1));
    }
    json_object_set_int_member(dev, "irq_pin", pin);
    /* Built-in devices have no -device id; QEMU answers "". */
    json_object_set_string_member(dev, "qdev_id", "");
    json_object_set_array_member(dev, "regions", pci_regions(f));
    return dev;
}

static JsonNode *qmp_query_pci(QmpCall *call, GError **error)
{
    PciBus *pci = call->session->machine->pci;
    JsonArray *devices = json_array_new();
    JsonObject *bus = json_object_new();
    JsonArray *list = json_array_new();

    for (unsigned devfn = 0; pci != NULL && devfn < 256; devfn++) {
        PciFunction *f = pci_bus_function(pci, devfn);
        if (f != NULL) {
            json_array_add_object_element(devices, pci_device_info(f, devfn));
        }
    }
    json_object_set_int_member(bus, "bus", 0);
    json_object_set_array_member(bus, "devices", devices);
    json_array_add_object_element(list, bus);
    return qmp_node_array(list);
}

const QmpCommand qmp_libxl_commands[] = {
    { "change-vnc-password", qmp_change_vnc_password,
      change_vnc_password_args },
    { "query-pci", qmp_query_pci, NULL },
    { "xen-set-replication", qmp_xen_set_replication,
      xen_set_replication_args },
    { "query-xen-replication-status", qmp_query_xen_replication_status, NULL },
    { "xen-colo-do-checkpoint", qmp_xen_colo_do_checkpoint, NULL },
};
const size_t qmp_libxl_command_count = G_N_ELEMENTS(qmp_libxl_commands);
