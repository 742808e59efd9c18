/*  A fuzz target for the config file parser: any text is either refused
    with a message or read into settings that print back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size > HRW_CONFIG_FILE_MAX)
        return 0;
    char *text = malloc (size + 1);
    if (!text)
        abort ();
    memcpy (text, data, size);
    text[size] = '\0';
    hrw_config_t cfg;
    char err[600] = "";
    hrw_config_defaults (&cfg);
    if (hrw_config_parse (&cfg, text, "fuzz", err, sizeof (err)) == 0) {
        FILE *null = fopen ("/dev/null", "w");
        if (null) {
            hrw_config_print (&cfg, null);
            fclose (null);
        }
    }
    else if (!*err)
        abort ();           //  A refusal always says why
    free (text);
    return 0;
}
