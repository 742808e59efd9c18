/*  Runs the fuzz target over files and directories of inputs without
    libFuzzer: the regression inputs (each a crash once found) and the seed
    corpus, in every ordinary build. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static int
s_file (const char *path)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return -1;
    uint8_t *buf = malloc (1 << 22);
    size_t n = buf? fread (buf, 1, 1 << 22, f): 0;
    fclose (f);
    if (!buf)
        return -1;
    LLVMFuzzerTestOneInput (buf, n);
    free (buf);
    return 0;
}

int
main (int argc, char **argv)
{
    int inputs = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat (argv[i], &st))
            continue;
        if (!S_ISDIR (st.st_mode)) {
            inputs += s_file (argv[i]) == 0;
            continue;
        }
        DIR *d = opendir (argv[i]);
        struct dirent *e;
        while (d && (e = readdir (d))) {
            char path[4096];
            if (e->d_name[0] == '.')
                continue;
            snprintf (path, sizeof (path), "%s/%s", argv[i], e->d_name);
            inputs += s_file (path) == 0;
        }
        if (d)
            closedir (d);
    }
    printf ("%d inputs ran through the fuzz target\n", inputs);
    printf ("%d passed, 0 failed\n", inputs);
    return inputs > 0? 0: 1;
}
