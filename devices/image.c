/*
 * RGB images and their PPM and PNG encodings (image.h).  libpng reports
 * failures by longjmp; every object that outlives the setjmp lives in a
 * heap struct so that nothing depends on clobbered locals.
 */
#include "config.h"

#include <png.h>
#include <stdbool.h>
#include <string.h>

#include <gio/gio.h>
#include <glib.h>

#include "devices/image.h"

Image *image_new(int width, int height, GError **error)
{
    if (width <= 0 || height <= 0 || width > IMAGE_MAX_DIMENSION ||
        height > IMAGE_MAX_DIMENSION) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "invalid image size %dx%d", width, height);
        return NULL;
    }
    Image *image = g_new0(Image, 1);
    image->width = width;
    image->height = height;
    image->pixels =
        g_malloc0((size_t)width * (size_t)height * IMAGE_BYTES_PER_PIXEL);
    return image;
}

void image_free(Image *image)
{
    if (image != NULL) {
        g_free(image->pixels);
        g_free(image);
    }
}

uint8_t *image_row(const Image *image, int y)
{
    return image->pixels +
           (size_t)y * (size_t)image->width * IMAGE_BYTES_PER_PIXEL;
}

GByteArray *image_encode_ppm(const Image *image)
{
    g_autofree char *header =
        g_strdup_printf("P6\n%d %d\n255\n", image->width, image->height);
    size_t size =
        (size_t)image->width * (size_t)image->height * IMAGE_BYTES_PER_PIXEL;
    GByteArray *out = g_byte_array_sized_new(strlen(header) + size);

    g_byte_array_append(out, (const guint8 *)header, strlen(header));
    g_byte_array_append(out, image->pixels, size);
    return out;
}

/* What the libpng callbacks share with image_encode_png. */
typedef struct PngSink {
    GByteArray *out;
    bool done; /* set last, so a longjmp leaves it false */
    char message[128];
} PngSink;

static void image_png_write(png_structp png, png_bytep data, png_size_t len)
{
    PngSink *sink = png_get_io_ptr(png);

    g_byte_array_append(sink->out, data, len);
}

static void image_png_flush(png_structp png)
{
    (void)png;
}

static void image_png_error(png_structp png, png_const_charp message)
{
    PngSink *sink = png_get_error_ptr(png);

    g_strlcpy(sink->message, message, sizeof(sink->message));
    png_longjmp(png, 1);
}

static void image_png_warning(png_structp png, png_const_charp message)
{
    (void)png;
    g_debug("libpng: %s", message);
}

GByteArray *image_encode_png(const Image *image, GError **error)
{
    PngSink *sink = g_new0(PngSink, 1);
    png_structp png;
    png_infop info;

    sink->out = g_byte_array_new();
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, sink, image_png_error,
                                  image_png_warning);
    if (png == NULL) {
        g_strlcpy(sink->message, "out of memory", sizeof(sink->message));
        goto out;
    }
    info = png_create_info_struct(png);
    if (info == NULL) {
        g_strlcpy(sink->message, "out of memory", sizeof(sink->message));
        png_destroy_write_struct(&png, NULL);
        goto out;
    }
    if (setjmp(png_jmpbuf(png)) == 0) {
        png_set_write_fn(png, sink, image_png_write, image_png_flush);
        png_set_IHDR(png, info, (png_uint_32)image->width,
                     (png_uint_32)image->height, 8, PNG_COLOR_TYPE_RGB,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                     PNG_FILTER_TYPE_DEFAULT);
        png_write_info(png, info);
        for (int y = 0; y < image->height; y++) {
            png_write_row(png, image_row(image, y));
        }
        png_write_end(png, NULL);
        sink->done = true;
    }
    png_destroy_write_struct(&png, &info);

out:;
    GByteArray *out = sink->out;
    if (!sink->done) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                    "PNG encoding failed: %s", sink->message);
        g_byte_array_unref(out);
        out = NULL;
    }
    g_free(sink);
    return out;
}
