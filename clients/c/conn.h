/*  conn: libhrwatch's inside: the client's settings, connections watched
    through a socket monitor (so a daemon that is not there, or a refused
    handshake, is known within moments), and one control request and its
    response at a time. Not installed; the CLI uses it for the requests the
    public API does not cover. */
#ifndef HRW_CONN_H
#define HRW_CONN_H

#include <stddef.h>

#include "clients/c/hrwatch.h"
#include "hrwatch/v1/control.pb-c.h"

#define HRW_CONN_ENDPOINT_MAX 256
#define HRW_CONN_PATH_MAX 4096
#define HRW_CONN_ERROR_MAX 512

struct hrwatch_client {
    void *ctx;                                      //  ZeroMQ context of every socket
    char endpoint[3][HRW_CONN_ENDPOINT_MAX];        //  By hrwatch_socket_t
    char server_key[HRW_CONN_PATH_MAX];             //  Daemon's public key file, "" for no CURVE
    char client_key[HRW_CONN_PATH_MAX];             //  This client's key pair file
    char server_key_name[64];                       //  How the user names server_key
    char client_key_name[64];                       //  How the user names client_key
    int connect_ms;                                 //  Most waited for a connection
    int handshake_ms;                               //  Most waited for the handshake, in all
    int request_ms;                                 //  Most waited for a query's answer
    char error[HRW_CONN_ERROR_MAX];                 //  Last failure, in words
};

/*  A socket, and what its connection events said so far. */
typedef struct {
    void *sock;             //  Connected (or connecting) to endpoint
    void *monitor;          //  PAIR receiving sock's connection events
    char endpoint[HRW_CONN_ENDPOINT_MAX];   //  Where sock connects
    const hrwatch_client_t *client;         //  Whose settings (key names)
    int curve;              //  CURVE keys were set on it
    int connected;          //  A transport connection was made at least once
    int up;                 //  Its handshake succeeded: messages flow
    unsigned ups;           //  Handshakes succeeded so far: a new one means
                            //  what was sent on the connection before is lost
    int failed;             //  Its handshake failed (said in error), with
    int fail_code;          //  the code for it
    char *error;            //  Where failures are said (HRW_CONN_ERROR_MAX bytes)
} hrw_conn_t;

/*  Formats a failure into error (HRW_CONN_ERROR_MAX bytes); returns code. */
int hrw_conn_say (char *error, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/*  1 when text is an endpoint to connect to: tcp://HOST:PORT (PORT 1 to
    65535, HOST not "*") or ipc://PATH. */
int hrw_conn_endpoint_ok (const char *text);

#define HRW_CONN_IMMEDIATE 1    //  Queue nothing for a connection not (or no longer) up

/*  Opens conn: a socket of the given type connecting to endpoint (on
    tcp://, with the client's CURVE keys when it has them), watched from
    before it connects; failures are said in error. flags: 0 or
    HRW_CONN_IMMEDIATE (ZMQ_IMMEDIATE: a send with no connection up fails
    rather than waiting in the socket for the next one). Returns
    HRWATCH_OK, or a code (conn is then closed). */
int hrw_conn_open (const hrwatch_client_t *client, int type, const char *endpoint,
                   unsigned flags, hrw_conn_t *conn, char *error);

/*  Reads conn's connection events, waiting up to wait_ms for one while the
    handshake has not succeeded (not at all once it has). Returns 1 while
    up, 0 while not (yet, or again), -1 when a handshake failed (said in
    conn->error, its code in conn->fail_code). */
int hrw_conn_poll (hrw_conn_t *conn, int wait_ms);

/*  Says why conn is not up after waiting; returns the code for it. */
int hrw_conn_not_up (const hrw_conn_t *conn);

/*  Waits for conn: up to connect_ms for a transport connection and up to
    up_ms in all for its handshake. Returns HRWATCH_OK when it is up, or a
    code after saying why not. */
int hrw_conn_wait (hrw_conn_t *conn, int connect_ms, int up_ms);

/*  Closes conn's sockets (safe on a closed or zeroed conn). */
void hrw_conn_close (hrw_conn_t *conn);

/*  Sends req to the client's control endpoint and waits up to timeout_ms
    for the answer once connected. On HRWATCH_OK *resp is the decoded
    response (free with hrwatch__v1__control_response__free_unpacked);
    otherwise why is in error (HRW_CONN_ERROR_MAX bytes). An error answer
    is HRWATCH_E_REFUSED. */
int hrw_conn_request (const hrwatch_client_t *client, const Hrwatch__V1__ControlRequest *req,
                      int timeout_ms, Hrwatch__V1__ControlResponse **resp, char *error);

#endif
