/*
 * An RGB picture in memory (8 bits per channel, rows top to bottom, no
 * padding) and its two file encodings: binary PPM, byte for byte as QEMU's
 * screendump writes it, and PNG (8-bit RGB, not interlaced) via libpng.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

enum {
    IMAGE_BYTES_PER_PIXEL = 3,
    /* Far above any VGA/Cirrus mode (2048 x 4096), well below overflow. */
    IMAGE_MAX_DIMENSION = 8192,
};

typedef struct Image {
    int width;
    int height;
    uint8_t *pixels; /* width * height * 3 bytes: R, G, B */
} Image;

/* A black image, or NULL (and error) for a size out of range. */
Image *image_new(int width, int height, GError **error);
void image_free(Image *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Image, image_free)

/* The first byte of row y (0 <= y < height). */
uint8_t *image_row(const Image *image, int y);

/* "P6\n<width> <height>\n255\n" followed by the pixels. */
GByteArray *image_encode_ppm(const Image *image);

/* The whole PNG file, or NULL and error when libpng fails. */
GByteArray *image_encode_png(const Image *image, GError **error);
