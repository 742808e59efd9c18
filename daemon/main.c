/*  hrwatchd: the workforce-risk daemon. Parses flags and the config file,
    opens the store, binds the sockets, and serves until told to stop. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <curl/curl.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/server.h"
#include "workers/store.h"

#define EXIT_USAGE 64   //  sysexits.h EX_USAGE
#define EXIT_DATAERR 65 //  sysexits.h EX_DATAERR: the store is damaged
#define EXIT_CONFIG 78  //  sysexits.h EX_CONFIG

typedef struct {
    const char *config_path;    //  --config, or NULL for the defaults
    int check_only;             //  --check-config
    int foreground;             //  --foreground
    int replay;                 //  --replay
    int init;                   //  --init
} s_args_t;

static void
s_usage (FILE *out)
{
    fprintf (out,
             "usage: hrwatchd [--config FILE] [--foreground] [--replay] [--init]"
             " [--check-config] [--version]\n"
             "  -c, --config FILE   read settings from FILE (INI; see hrwatchd.conf(5))\n"
             "  -f, --foreground    stay attached to the terminal (as under systemd)\n"
             "  -r, --replay        event time alone: the clock does not follow the wall clock\n"
             "      --init          start a new empty store where one was created but its\n"
             "                      data.mdb is now missing or empty (refused without it)\n"
             "  -t, --check-config  validate the settings, print them, and exit\n"
             "  -V, --version       print the version and exit\n");
}

//  Returns -1 to go on, or an exit status.
static int
s_parse_args (int argc, char **argv, s_args_t *args)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "foreground", no_argument, NULL, 'f' },
        { "check-config", no_argument, NULL, 't' },
        { "replay", no_argument, NULL, 'r' },
        //  No short form: starting empty where a store was is a decision to
        //  spell out, not a letter to slip into a command line.
        { "init", no_argument, NULL, 'I' },
        { "version", no_argument, NULL, 'V' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    int c;
    while ((c = getopt_long (argc, argv, "c:frtVh", opts, NULL)) != -1) {
        switch (c) {
            case 'c': args->config_path = optarg; break;
            case 'f': args->foreground = 1; break;
            case 't': args->check_only = 1; break;
            case 'r': args->replay = 1; break;
            case 'I': args->init = 1; break;
            case 'V': printf ("hrwatchd %s\n", HRW_VERSION); return 0;
            case 'h': s_usage (stdout); return 0;
            default: s_usage (stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf (stderr, "hrwatchd: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    return -1;
}

//  Forks; the parent waits until the child reports readiness on a pipe and
//  exits with the child's verdict, so "hrwatchd" returns only once it is
//  serving (or has failed to start). Returns the write end in the child.
static int
s_detach (void)
{
    int fds[2];
    if (pipe (fds))
        return -1;
    pid_t pid = fork ();
    if (pid < 0)
        return -1;
    if (pid > 0) {
        close (fds[1]);
        char status = 1;
        ssize_t n = read (fds[0], &status, 1);
        _exit (n == 1? status: 1);
    }
    close (fds[0]);
    setsid ();
    return fds[1];
}

//  Tells the waiting parent the verdict; once ready, the daemon lets go of
//  the terminal, though not of stderr while its log records still go there.
static void
s_report_ready (int ready_fd, char status, int keep_stderr)
{
    if (ready_fd < 0)
        return;
    if (write (ready_fd, &status, 1) != 1) {
        //  The parent is gone; nobody is waiting for the verdict.
    }
    close (ready_fd);
    if (status == 0) {
        int null = open ("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2 (null, STDIN_FILENO);
            dup2 (null, STDOUT_FILENO);
            if (!keep_stderr)
                dup2 (null, STDERR_FILENO);
            if (null > STDERR_FILENO)
                close (null);
        }
    }
}

static int
s_signal_fd (void)
{
    sigset_t mask;
    sigemptyset (&mask);
    sigaddset (&mask, SIGTERM);
    sigaddset (&mask, SIGINT);
    sigaddset (&mask, SIGHUP);
    if (sigprocmask (SIG_BLOCK, &mask, NULL))
        return -1;
    signal (SIGPIPE, SIG_IGN);
    return signalfd (-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int
s_write_pid_file (const char *path)
{
    //  Never through a link planted where the file goes.
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    FILE *f = fd >= 0? fdopen (fd, "w"): NULL;
    if (!f) {
        if (fd >= 0)
            close (fd);
        return -1;
    }
    fprintf (f, "%d\n", (int) getpid ());
    return fclose (f);
}

static int
s_serve (const hrw_config_t *cfg, const char *config_path, int init, hrw_log_t *log,
         int ready_fd)
{
    int status = EXIT_FAILURE;
    hrw_store_t *store = NULL;
    hrw_server_t *server = NULL;
    int sfd = s_signal_fd ();
    if (sfd < 0) {
        hrw_log (log, HRW_LOG_ERR, "signalfd: %s", strerror (errno));
        goto done;
    }
    hrw_store_opts_t so = { .path = cfg->store_path, .map_size = cfg->map_size,
                            .max_map_size = cfg->max_map_size,
                            .rejected_keep = cfg->rejected_keep };
    int rc = init? hrw_store_init (&so, &store): hrw_store_open (&so, &store);
    if (rc && hrw_store_damaged (rc)) {
        //  One line that names the file, says what is wrong and where the
        //  way out is written down.
        hrw_log (log, HRW_LOG_ERR, "refusing to start: %s/%s: %s; see Restore in "
                 "operations.md (/usr/share/doc/hrwatch)", cfg->store_path, HRW_STORE_FILE,
                 hrw_store_strerror (rc));
        status = EXIT_DATAERR;
        goto done;
    }
    if (rc) {
        hrw_log (log, HRW_LOG_ERR, "cannot open store %s: %s", cfg->store_path,
                 hrw_store_strerror (rc));
        goto done;
    }
    server = hrw_server_new (cfg, config_path, store, log);
    if (!server)
        goto done;
    if (*cfg->pid_file && s_write_pid_file (cfg->pid_file)) {
        hrw_log (log, HRW_LOG_ERR, "cannot write pid file %s: %s", cfg->pid_file,
                 strerror (errno));
        goto done;
    }
    hrw_log (log, HRW_LOG_NOTICE, "hrwatchd %s ready, store %s", HRW_VERSION, cfg->store_path);
    if (ready_fd >= 0) {
        int keep_stderr = hrw_log_use_syslog (log) != 0;
        s_report_ready (ready_fd, 0, keep_stderr);
        ready_fd = -1;
    }
    status = hrw_server_run (server, sfd) == 0? EXIT_SUCCESS: EXIT_FAILURE;
    if (*cfg->pid_file)
        unlink (cfg->pid_file);
done:
    s_report_ready (ready_fd, 1, 1);
    hrw_server_destroy (&server);
    hrw_store_destroy (&store);
    if (sfd >= 0)
        close (sfd);
    if (status == EXIT_SUCCESS)
        hrw_log (log, HRW_LOG_NOTICE, "stopped");
    return status;
}

//  Every connection is a descriptor, and so is every connection still
//  handshaking: the soft limit (often 1024) goes up to the hard one, so a
//  flood of idle connections meets the handshake time-out before the limit.
static void
s_raise_nofile (hrw_log_t *log)
{
    struct rlimit rl;
    if (getrlimit (RLIMIT_NOFILE, &rl) || rl.rlim_cur == rl.rlim_max)
        return;
    rlim_t was = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit (RLIMIT_NOFILE, &rl))
        hrw_log (log, HRW_LOG_WARNING, "cannot raise the open-file limit from %llu: %s",
                 (unsigned long long) was, strerror (errno));
    else
        hrw_log (log, HRW_LOG_INFO, "open-file limit raised from %llu to %llu",
                 (unsigned long long) was, (unsigned long long) rl.rlim_cur);
}

//  Started with stdin, stdout or stderr closed, the next descriptor opened
//  (the signalfd, the ready pipe) would take its number, and be replaced by
//  /dev/null or written log records once the daemon lets go of the
//  terminal. /dev/null fills each gap first. Returns 0, or -1.
static int
s_standard_fds (void)
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
        if (fcntl (fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        int null = open ("/dev/null", O_RDWR);
        if (null != fd) {
            if (null >= 0)
                close (null);
            return -1;
        }
    }
    return 0;
}

int
main (int argc, char **argv)
{
    s_args_t args = { NULL, 0, 0, 0, 0 };
    if (s_standard_fds ())
        return EXIT_FAILURE;
    int rc = s_parse_args (argc, argv, &args);
    if (rc >= 0)
        return rc;
    hrw_config_t cfg;
    hrw_config_defaults (&cfg);
    char err[600];
    if (args.config_path && hrw_config_load (&cfg, args.config_path, err, sizeof (err))) {
        fprintf (stderr, "hrwatchd: %s\n", err);
        return EXIT_CONFIG;
    }
    cfg.engine.replay = args.replay;
    if (args.check_only) {
        hrw_config_print (&cfg, stdout);
        fprintf (stderr, "hrwatchd: configuration ok\n");
        return EXIT_SUCCESS;
    }
    int ready_fd = -1;
    if (!args.foreground && (ready_fd = s_detach ()) < 0) {
        fprintf (stderr, "hrwatchd: cannot detach: %s\n", strerror (errno));
        return EXIT_FAILURE;
    }
    hrw_log_t *log = hrw_log_new (cfg.log_level);
    if (!log)
        return EXIT_FAILURE;
    s_raise_nofile (log);
    //  libcurl's global set-up is not thread-safe: once, here, before any
    //  thread starts.
    curl_global_init (CURL_GLOBAL_DEFAULT);
    int status = s_serve (&cfg, args.config_path, args.init, log, ready_fd);
    curl_global_cleanup ();
    hrw_log_destroy (&log);
    return status;
}
