/*
 * QEMU 7.2's key codes: the QKeyCode names of qapi/ui.json in schema
 * order (a name's index is its qcode), each key's make code in scancode
 * sets 1, 2 and 3, and QEMU's "number" key values mapped to qcodes.
 *
 * The tables were taken from the behaviour of qemu-system-x86_64 7.2:
 * every qcode was sent with input-send-event to an untranslated keyboard
 * in each scancode set and the bytes read back from port 0x60, and every
 * number 0..299 was sent the same way in set 1.  They agree with the
 * keycodemapdb revision QEMU 7.2 builds from ("Add QEMU QKeyCode lang1
 * and lang2").  A make code above 0xff carries the E0 prefix; 0 means
 * that QEMU sends nothing for the key in that set.  Print and Pause in
 * sets 1 and 2 depend on the modifiers and have tables of their own, as
 * has the 8042's translation from set 2 to set 1.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "devices/ps2.h"

/* clang-format off */
static const char *const ps2_names[PS2_QCODE_COUNT] = {
    "unmapped", "shift", "shift_r", "alt", "alt_r", "ctrl", "ctrl_r", "menu",
    "esc", "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "minus", "equal",
    "backspace", "tab", "q", "w", "e", "r", "t", "y", "u", "i", "o", "p",
    "bracket_left", "bracket_right", "ret", "a", "s", "d", "f", "g", "h", "j",
    "k", "l", "semicolon", "apostrophe", "grave_accent", "backslash", "z",
    "x", "c", "v", "b", "n", "m", "comma", "dot", "slash", "asterisk", "spc",
    "caps_lock", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10",
    "num_lock", "scroll_lock", "kp_divide", "kp_multiply", "kp_subtract",
    "kp_add", "kp_enter", "kp_decimal", "sysrq", "kp_0", "kp_1", "kp_2",
    "kp_3", "kp_4", "kp_5", "kp_6", "kp_7", "kp_8", "kp_9", "less", "f11",
    "f12", "print", "home", "pgup", "pgdn", "end", "left", "up", "down",
    "right", "insert", "delete", "stop", "again", "props", "undo", "front",
    "copy", "open", "paste", "find", "cut", "lf", "help", "meta_l", "meta_r",
    "compose", "pause", "ro", "hiragana", "henkan", "yen", "muhenkan",
    "katakanahiragana", "kp_comma", "kp_equals", "power", "sleep", "wake",
    "audionext", "audioprev", "audiostop", "audioplay", "audiomute",
    "volumeup", "volumedown", "mediaselect", "mail", "calculator", "computer",
    "ac_home", "ac_back", "ac_forward", "ac_refresh", "ac_bookmarks", "lang1",
    "lang2",
};

/* Make codes: { set 1, set 2, set 3 }, indexed by qcode. */
static const uint16_t ps2_codes[PS2_QCODE_COUNT][3] = {
    {      0,      0,    0 }, /*   0 unmapped */
    {   0x2a,   0x12, 0x12 }, /*   1 shift */
    {   0x36,   0x59, 0x59 }, /*   2 shift_r */
    {   0x38,   0x11, 0x19 }, /*   3 alt */
    { 0xe038, 0xe011, 0x39 }, /*   4 alt_r */
    {   0x1d,   0x14, 0x11 }, /*   5 ctrl */
    { 0xe01d, 0xe014, 0x58 }, /*   6 ctrl_r */
    { 0xe01e,      0, 0x91 }, /*   7 menu */
    {   0x01,   0x76, 0x08 }, /*   8 esc */
    {   0x02,   0x16, 0x16 }, /*   9 1 */
    {   0x03,   0x1e, 0x1e }, /*  10 2 */
    {   0x04,   0x26, 0x26 }, /*  11 3 */
    {   0x05,   0x25, 0x25 }, /*  12 4 */
    {   0x06,   0x2e, 0x2e }, /*  13 5 */
    {   0x07,   0x36, 0x36 }, /*  14 6 */
    {   0x08,   0x3d, 0x3d }, /*  15 7 */
    {   0x09,   0x3e, 0x3e }, /*  16 8 */
    {   0x0a,   0x46, 0x46 }, /*  17 9 */
    {   0x0b,   0x45, 0x45 }, /*  18 0 */
    {   0x0c,   0x4e, 0x4e }, /*  19 minus */
    {   0x0d,   0x55, 0x55 }, /*  20 equal */
    {   0x0e,   0x66, 0x66 }, /*  21 backspace */
    {   0x0f,   0x0d, 0x0d }, /*  22 tab */
    {   0x10,   0x15, 0x15 }, /*  23 q */
    {   0x11,   0x1d, 0x1d }, /*  24 w */
    {   0x12,   0x24, 0x24 }, /*  25 e */
    {   0x13,   0x2d, 0x2d }, /*  26 r */
    {   0x14,   0x2c, 0x2c }, /*  27 t */
    {   0x15,   0x35, 0x35 }, /*  28 y */
    {   0x16,   0x3c, 0x3c }, /*  29 u */
    {   0x17,   0x43, 0x43 }, /*  30 i */
    {   0x18,   0x44, 0x44 }, /*  31 o */
    {   0x19,   0x4d, 0x4d }, /*  32 p */
    {   0x1a,   0x54, 0x54 }, /*  33 bracket_left */
    {   0x1b,   0x5b, 0x5b }, /*  34 bracket_right */
    {   0x1c,   0x5a, 0x5a }, /*  35 ret */
    {   0x1e,   0x1c, 0x1c }, /*  36 a */
    {   0x1f,   0x1b, 0x1b }, /*  37 s */
    {   0x20,   0x23, 0x23 }, /*  38 d */
    {   0x21,   0x2b, 0x2b }, /*  39 f */
    {   0x22,   0x34, 0x34 }, /*  40 g */
    {   0x23,   0x33, 0x33 }, /*  41 h */
    {   0x24,   0x3b, 0x3b }, /*  42 j */
    {   0x25,   0x42, 0x42 }, /*  43 k */
    {   0x26,   0x4b, 0x4b }, /*  44 l */
    {   0x27,   0x4c, 0x4c }, /*  45 semicolon */
    {   0x28,   0x52, 0x52 }, /*  46 apostrophe */
    {   0x29,   0x0e, 0x0e }, /*  47 grave_accent */
    {   0x2b,   0x5d, 0x5c }, /*  48 backslash */
    {   0x2c,   0x1a, 0x1a }, /*  49 z */
    {   0x2d,   0x22, 0x22 }, /*  50 x */
    {   0x2e,   0x21, 0x21 }, /*  51 c */
    {   0x2f,   0x2a, 0x2a }, /*  52 v */
    {   0x30,   0x32, 0x32 }, /*  53 b */
    {   0x31,   0x31, 0x31 }, /*  54 n */
    {   0x32,   0x3a, 0x3a }, /*  55 m */
    {   0x33,   0x41, 0x41 }, /*  56 comma */
    {   0x34,   0x49, 0x49 }, /*  57 dot */
    {   0x35,   0x4a, 0x4a }, /*  58 slash */
    {   0x37,   0x7c, 0x7e }, /*  59 asterisk */
    {   0x39,   0x29, 0x29 }, /*  60 spc */
    {   0x3a,   0x58, 0x14 }, /*  61 caps_lock */
    {   0x3b,   0x05, 0x07 }, /*  62 f1 */
    {   0x3c,   0x06, 0x0f }, /*  63 f2 */
    {   0x3d,   0x04, 0x17 }, /*  64 f3 */
    {   0x3e,   0x0c, 0x1f }, /*  65 f4 */
    {   0x3f,   0x03, 0x27 }, /*  66 f5 */
    {   0x40,   0x0b, 0x2f }, /*  67 f6 */
    {   0x41,   0x83, 0x37 }, /*  68 f7 */
    {   0x42,   0x0a, 0x3f }, /*  69 f8 */
    {   0x43,   0x01, 0x47 }, /*  70 f9 */
    {   0x44,   0x09, 0x4f }, /*  71 f10 */
    {   0x45,   0x77, 0x76 }, /*  72 num_lock */
    {   0x46,   0x7e, 0x5f }, /*  73 scroll_lock */
    { 0xe035, 0xe04a, 0x4a }, /*  74 kp_divide */
    {   0x37,   0x7c, 0x7e }, /*  75 kp_multiply */
    {   0x4a,   0x7b, 0x4e }, /*  76 kp_subtract */
    {   0x4e,   0x79, 0x7c }, /*  77 kp_add */
    { 0xe01c, 0xe05a, 0x79 }, /*  78 kp_enter */
    {   0x53,   0x71, 0x71 }, /*  79 kp_decimal */
    {   0x54,   0x7f, 0x57 }, /*  80 sysrq */
    {   0x52,   0x70, 0x70 }, /*  81 kp_0 */
    {   0x4f,   0x69, 0x69 }, /*  82 kp_1 */
    {   0x50,   0x72, 0x72 }, /*  83 kp_2 */
    {   0x51,   0x7a, 0x7a }, /*  84 kp_3 */
    {   0x4b,   0x6b, 0x6b }, /*  85 kp_4 */
    {   0x4c,   0x73, 0x73 }, /*  86 kp_5 */
    {   0x4d,   0x74, 0x74 }, /*  87 kp_6 */
    {   0x47,   0x6c, 0x6c }, /*  88 kp_7 */
    {   0x48,   0x75, 0x75 }, /*  89 kp_8 */
    {   0x49,   0x7d, 0x7d }, /*  90 kp_9 */
    {   0x56,   0x61, 0x13 }, /*  91 less */
    {   0x57,   0x78, 0x56 }, /*  92 f11 */
    {   0x58,   0x07, 0x5e }, /*  93 f12 */
    {   0x54,   0x7f, 0x57 }, /*  94 print */
    { 0xe047, 0xe06c, 0x6e }, /*  95 home */
    { 0xe049, 0xe07d, 0x6f }, /*  96 pgup */
    { 0xe051, 0xe07a, 0x6d }, /*  97 pgdn */
    { 0xe04f, 0xe069, 0x65 }, /*  98 end */
    { 0xe04b, 0xe06b, 0x61 }, /*  99 left */
    { 0xe048, 0xe075, 0x63 }, /* 100 up */
    { 0xe050, 0xe072, 0x60 }, /* 101 down */
    { 0xe04d, 0xe074, 0x6a }, /* 102 right */
    { 0xe052, 0xe070, 0x67 }, /* 103 insert */
    { 0xe053, 0xe071, 0x64 }, /* 104 delete */
    { 0xe068, 0xe028, 0x0a }, /* 105 stop */
    { 0xe005,      0, 0x0b }, /* 106 again */
    { 0xe006,      0, 0x0c }, /* 107 props */
    { 0xe007,      0, 0x10 }, /* 108 undo */
    { 0xe00c,      0,    0 }, /* 109 front */
    { 0xe078,      0, 0x18 }, /* 110 copy */
    {   0x64,      0, 0x20 }, /* 111 open */
    {   0x65,      0, 0x28 }, /* 112 paste */
    { 0xe041,      0, 0x30 }, /* 113 find */
    { 0xe03c,      0, 0x38 }, /* 114 cut */
    {   0x5b,      0,    0 }, /* 115 lf */
    { 0xe075,      0, 0x09 }, /* 116 help */
    { 0xe05b, 0xe01f, 0x8b }, /* 117 meta_l */
    { 0xe05c, 0xe027, 0x8c }, /* 118 meta_r */
    { 0xe05d, 0xe02f, 0x8d }, /* 119 compose */
    { 0xe046, 0xe077, 0x62 }, /* 120 pause */
    {   0x73,   0x51,    0 }, /* 121 ro */
    {   0x77,   0x62, 0x87 }, /* 122 hiragana */
    {   0x79,   0x64, 0x86 }, /* 123 henkan */
    {   0x7d,   0x6a, 0x5d }, /* 124 yen */
    {   0x7b,   0x67, 0x85 }, /* 125 muhenkan */
    {   0x70,   0x13, 0x87 }, /* 126 katakanahiragana */
    {   0x7e,   0x6d,    0 }, /* 127 kp_comma */
    {   0x59,   0x0f,    0 }, /* 128 kp_equals */
    { 0xe05e, 0xe037,    0 }, /* 129 power */
    { 0xe05f, 0xe03f,    0 }, /* 130 sleep */
    { 0xe063, 0xe05e,    0 }, /* 131 wake */
    { 0xe019, 0xe04d, 0x93 }, /* 132 audionext */
    { 0xe010, 0xe015, 0x94 }, /* 133 audioprev */
    { 0xe024, 0xe03b, 0x98 }, /* 134 audiostop */
    { 0xe022, 0xe034,    0 }, /* 135 audioplay */
    { 0xe020, 0xe023, 0x9c }, /* 136 audiomute */
    { 0xe030, 0xe032, 0x95 }, /* 137 volumeup */
    { 0xe02e, 0xe021, 0x9d }, /* 138 volumedown */
    { 0xe06d, 0xe050,    0 }, /* 139 mediaselect */
    { 0xe06c, 0xe048,    0 }, /* 140 mail */
    { 0xe021, 0xe02b, 0xa3 }, /* 141 calculator */
    { 0xe06b, 0xe040,    0 }, /* 142 computer */
    { 0xe032, 0xe03a, 0x97 }, /* 143 ac_home */
    { 0xe06a, 0xe038,    0 }, /* 144 ac_back */
    { 0xe069, 0xe030,    0 }, /* 145 ac_forward */
    { 0xe067, 0xe020,    0 }, /* 146 ac_refresh */
    { 0xe066, 0xe018,    0 }, /* 147 ac_bookmarks */
    {   0x72,      0,    0 }, /* 148 lang1 */
    {   0x71,      0,    0 }, /* 149 lang2 */
};

/* Number key values (qnum): a set-1 make code, 0x80 for E0. */
static const uint8_t ps2_qnum_to_qcode[] = {
    [0x01] =   8, /* esc */
    [0x02] =   9, /* 1 */
    [0x03] =  10, /* 2 */
    [0x04] =  11, /* 3 */
    [0x05] =  12, /* 4 */
    [0x06] =  13, /* 5 */
    [0x07] =  14, /* 6 */
    [0x08] =  15, /* 7 */
    [0x09] =  16, /* 8 */
    [0x0a] =  17, /* 9 */
    [0x0b] =  18, /* 0 */
    [0x0c] =  19, /* minus */
    [0x0d] =  20, /* equal */
    [0x0e] =  21, /* backspace */
    [0x0f] =  22, /* tab */
    [0x10] =  23, /* q */
    [0x11] =  24, /* w */
    [0x12] =  25, /* e */
    [0x13] =  26, /* r */
    [0x14] =  27, /* t */
    [0x15] =  28, /* y */
    [0x16] =  29, /* u */
    [0x17] =  30, /* i */
    [0x18] =  31, /* o */
    [0x19] =  32, /* p */
    [0x1a] =  33, /* bracket_left */
    [0x1b] =  34, /* bracket_right */
    [0x1c] =  35, /* ret */
    [0x1d] =   5, /* ctrl */
    [0x1e] =  36, /* a */
    [0x1f] =  37, /* s */
    [0x20] =  38, /* d */
    [0x21] =  39, /* f */
    [0x22] =  40, /* g */
    [0x23] =  41, /* h */
    [0x24] =  42, /* j */
    [0x25] =  43, /* k */
    [0x26] =  44, /* l */
    [0x27] =  45, /* semicolon */
    [0x28] =  46, /* apostrophe */
    [0x29] =  47, /* grave_accent */
    [0x2a] =   1, /* shift */
    [0x2b] =  48, /* backslash */
    [0x2c] =  49, /* z */
    [0x2d] =  50, /* x */
    [0x2e] =  51, /* c */
    [0x2f] =  52, /* v */
    [0x30] =  53, /* b */
    [0x31] =  54, /* n */
    [0x32] =  55, /* m */
    [0x33] =  56, /* comma */
    [0x34] =  57, /* dot */
    [0x35] =  58, /* slash */
    [0x36] =   2, /* shift_r */
    [0x37] =  75, /* kp_multiply */
    [0x38] =   3, /* alt */
    [0x39] =  60, /* spc */
    [0x3a] =  61, /* caps_lock */
    [0x3b] =  62, /* f1 */
    [0x3c] =  63, /* f2 */
    [0x3d] =  64, /* f3 */
    [0x3e] =  65, /* f4 */
    [0x3f] =  66, /* f5 */
    [0x40] =  67, /* f6 */
    [0x41] =  68, /* f7 */
    [0x42] =  69, /* f8 */
    [0x43] =  70, /* f9 */
    [0x44] =  71, /* f10 */
    [0x45] =  72, /* num_lock */
    [0x46] =  73, /* scroll_lock */
    [0x47] =  88, /* kp_7 */
    [0x48] =  89, /* kp_8 */
    [0x49] =  90, /* kp_9 */
    [0x4a] =  76, /* kp_subtract */
    [0x4b] =  85, /* kp_4 */
    [0x4c] =  86, /* kp_5 */
    [0x4d] =  87, /* kp_6 */
    [0x4e] =  77, /* kp_add */
    [0x4f] =  82, /* kp_1 */
    [0x50] =  83, /* kp_2 */
    [0x51] =  84, /* kp_3 */
    [0x52] =  81, /* kp_0 */
    [0x53] =  79, /* kp_decimal */
    [0x54] =  80, /* sysrq */
    [0x56] =  91, /* less */
    [0x57] =  92, /* f11 */
    [0x58] =  93, /* f12 */
    [0x59] = 128, /* kp_equals */
    [0x5b] = 115, /* lf */
    [0x64] = 111, /* open */
    [0x65] = 112, /* paste */
    [0x70] = 126, /* katakanahiragana */
    [0x71] = 149, /* lang2 */
    [0x72] = 148, /* lang1 */
    [0x73] = 121, /* ro */
    [0x77] = 122, /* hiragana */
    [0x79] = 123, /* henkan */
    [0x7b] = 125, /* muhenkan */
    [0x7d] = 124, /* yen */
    [0x7e] = 127, /* kp_comma */
    [0x85] = 106, /* again */
    [0x86] = 107, /* props */
    [0x87] = 108, /* undo */
    [0x8c] = 109, /* front */
    [0x90] = 133, /* audioprev */
    [0x99] = 132, /* audionext */
    [0x9c] =  78, /* kp_enter */
    [0x9d] =   6, /* ctrl_r */
    [0x9e] =   7, /* menu */
    [0xa0] = 136, /* audiomute */
    [0xa1] = 141, /* calculator */
    [0xa2] = 135, /* audioplay */
    [0xa4] = 134, /* audiostop */
    [0xae] = 138, /* volumedown */
    [0xb0] = 137, /* volumeup */
    [0xb2] = 143, /* ac_home */
    [0xb5] =  74, /* kp_divide */
    [0xb7] =  80, /* sysrq */
    [0xb8] =   4, /* alt_r */
    [0xbc] = 114, /* cut */
    [0xc1] = 113, /* find */
    [0xc6] = 120, /* pause */
    [0xc7] =  95, /* home */
    [0xc8] = 100, /* up */
    [0xc9] =  96, /* pgup */
    [0xcb] =  99, /* left */
    [0xcd] = 102, /* right */
    [0xcf] =  98, /* end */
    [0xd0] = 101, /* down */
    [0xd1] =  97, /* pgdn */
    [0xd2] = 103, /* insert */
    [0xd3] = 104, /* delete */
    [0xdb] = 117, /* meta_l */
    [0xdc] = 118, /* meta_r */
    [0xdd] = 119, /* compose */
    [0xde] = 129, /* power */
    [0xdf] = 130, /* sleep */
    [0xe3] = 131, /* wake */
    [0xe6] = 147, /* ac_bookmarks */
    [0xe7] = 146, /* ac_refresh */
    [0xe8] = 105, /* stop */
    [0xe9] = 145, /* ac_forward */
    [0xea] = 144, /* ac_back */
    [0xeb] = 142, /* computer */
    [0xec] = 140, /* mail */
    [0xed] = 139, /* mediaselect */
    [0xf5] = 116, /* help */
    [0xf8] = 110, /* copy */
};
/* clang-format on */

/* A byte sequence a key sends. */
typedef struct Ps2Seq {
    uint8_t len;
    uint8_t bytes[8];
} Ps2Seq;

/*
 * The 8042's scancode translation (set 2 → set 1), indexed by the byte
 * the keyboard sends.  ps2.c handles the break prefix F0: it is not sent
 * on, and the byte after it gets bit 7 set instead.
 */
/* clang-format off */
static const uint8_t ps2_translate_table[256] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58,
    0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a,
    0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c,
    0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e,
    0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60,
    0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e,
    0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b,
    0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45,
    0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
    /* 0x80..0xff pass unchanged, except 0x83 (F7) and 0x84 (SysRq). */
    0x80, 0x81, 0x82, 0x41, 0x54, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
    0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
    0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
    0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
    0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
    0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
    0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
    0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
    0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
    0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
    0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
    0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
    0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

/*
 * Print Screen in sets 1 and 2: with Alt it is SysRq, with Shift or Ctrl
 * it drops its fake Shift.  [set 1 or 2][variant][down, up].
 */
enum {
    PS2_PRINT_ALT_L,
    PS2_PRINT_ALT_R,
    PS2_PRINT_SHIFT_CTRL,
    PS2_PRINT_PLAIN,
};
static const Ps2Seq ps2_print_seq[2][4][2] = {
    {
        { { 3, { 0xb8, 0x38, 0x54 } }, { 3, { 0xd4, 0xb8, 0x38 } } },
        { { 5, { 0xe0, 0xb8, 0xe0, 0x38, 0x54 } },
          { 5, { 0xd4, 0xe0, 0xb8, 0xe0, 0x38 } } },
        { { 2, { 0xe0, 0x37 } }, { 2, { 0xe0, 0xb7 } } },
        { { 4, { 0xe0, 0x2a, 0xe0, 0x37 } },
          { 4, { 0xe0, 0xb7, 0xe0, 0xaa } } },
    },
    {
        { { 4, { 0xf0, 0x11, 0x11, 0x84 } },
          { 5, { 0xf0, 0x84, 0xf0, 0x11, 0x11 } } },
        { { 6, { 0xe0, 0xf0, 0x11, 0xe0, 0x11, 0x84 } },
          { 7, { 0xf0, 0x84, 0xe0, 0xf0, 0x11, 0xe0, 0x11 } } },
        { { 2, { 0xe0, 0x7c } }, { 3, { 0xe0, 0xf0, 0x7c } } },
        { { 4, { 0xe0, 0x12, 0xe0, 0x7c } },
          { 6, { 0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12 } } },
    },
};

/* Pause in sets 1 and 2, sent on the way down only: [set][Ctrl held]. */
static const Ps2Seq ps2_pause_seq[2][2] = {
    { { 6, { 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5 } },
      { 4, { 0xe0, 0x46, 0xe0, 0xc6 } } },
    { { 8, { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77 } },
      { 5, { 0xe0, 0x7e, 0xe0, 0xf0, 0x7e } } },
};
/* clang-format on */

bool ps2_qcode_lookup(const char *name, int *ret_qcode)
{
    for (int i = 0; i < PS2_QCODE_COUNT; i++) {
        if (strcmp(ps2_names[i], name) == 0) {
            *ret_qcode = i;
            return true;
        }
    }
    return false;
}

const char *const *ps2_qcode_names(size_t *ret_count)
{
    *ret_count = PS2_QCODE_COUNT;
    return ps2_names;
}

const char *ps2_qcode_name(int qcode)
{
    if (qcode < 0 || qcode >= PS2_QCODE_COUNT) {
        return NULL;
    }
    return ps2_names[qcode];
}

int ps2_qcode_from_number(int64_t number)
{
    if (number < 0 || number >= (int64_t)G_N_ELEMENTS(ps2_qnum_to_qcode)) {
        return PS2_QCODE_UNMAPPED;
    }
    return ps2_qnum_to_qcode[number];
}

unsigned ps2_keymap_code(int qcode, int set)
{
    if (qcode < 0 || qcode >= PS2_QCODE_COUNT || set < 1 || set > 3) {
        return 0;
    }
    return ps2_codes[qcode][set - 1];
}

uint8_t ps2_keymap_translate(uint8_t code)
{
    return ps2_translate_table[code];
}

size_t ps2_keymap_special(int set, int qcode, unsigned modifiers, bool down,
                          const uint8_t **ret_bytes)
{
    const Ps2Seq *seq;
    int variant = PS2_PRINT_PLAIN;

    if (set < 1 || set > 2) {
        return 0;
    }
    if (qcode == PS2_QCODE_PAUSE) {
        bool ctrl = modifiers & (PS2_MOD_CTRL_L | PS2_MOD_CTRL_R);
        if (!down) {
            return 0;
        }
        seq = &ps2_pause_seq[set - 1][ctrl];
    } else {
        if (modifiers & PS2_MOD_ALT_L) {
            variant = PS2_PRINT_ALT_L;
        } else if (modifiers & PS2_MOD_ALT_R) {
            variant = PS2_PRINT_ALT_R;
        } else if (modifiers & (PS2_MOD_SHIFT_L | PS2_MOD_CTRL_L |
                                PS2_MOD_SHIFT_R | PS2_MOD_CTRL_R)) {
            variant = PS2_PRINT_SHIFT_CTRL;
        }
        seq = &ps2_print_seq[set - 1][variant][!down];
    }
    *ret_bytes = seq->bytes;
    return seq->len;
}
