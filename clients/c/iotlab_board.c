/*
 * iotlab_board: frames of docs/board.md over a TCP socket.
 *   request : u16 length | u16 txid | u8 op     | args      (big-endian; length counts txid..end)
 *   response: u16 length | u16 txid | u8 status | payload
 */
#define _POSIX_C_SOURCE 200112L
#include "iotlab_board.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define FRAME_MAX 4096

static int fail_io(iotlab_board *b, const char *what) {
  snprintf(b->error, sizeof b->error, "%s: %s", what, errno ? strerror(errno) : "connection closed");
  return IOTLAB_IO_ERROR;
}

int iotlab_open(iotlab_board *b, const char *host, int port) {
  struct addrinfo hints, *res, *ai;
  char service[16];
  int one = 1;
  memset(b, 0, sizeof *b);
  b->fd = -1;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  snprintf(service, sizeof service, "%d", port);
  if (getaddrinfo(host, service, &hints, &res) != 0) {
    snprintf(b->error, sizeof b->error, "cannot resolve %s", host);
    return IOTLAB_IO_ERROR;
  }
  for (ai = res; ai != NULL; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      b->fd = fd;
      break;
    }
    close(fd);
  }
  freeaddrinfo(res);
  if (b->fd < 0) return fail_io(b, "connect");
  setsockopt(b->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return IOTLAB_OK;
}

int iotlab_open_env(iotlab_board *b) {
  const char *env = getenv("IOTLAB_BOARD");
  char host[256];
  const char *colon;
  size_t n;
  if (env == NULL || (colon = strrchr(env, ':')) == NULL) {
    memset(b, 0, sizeof *b);
    b->fd = -1;
    snprintf(b->error, sizeof b->error, "set IOTLAB_BOARD=host:port (see the lab card)");
    return IOTLAB_IO_ERROR;
  }
  n = (size_t)(colon - env);
  if (n >= sizeof host) n = sizeof host - 1;
  memcpy(host, env, n);
  host[n] = '\0';
  return iotlab_open(b, host, atoi(colon + 1));
}

/* Half-closes and waits for the board's end, so the next client does not find the board busy. */
void iotlab_close(iotlab_board *b) {
  uint8_t sink[256];
  if (b->fd < 0) return;
  shutdown(b->fd, SHUT_WR);
  while (recv(b->fd, sink, sizeof sink, 0) > 0) {
  }
  close(b->fd);
  b->fd = -1;
}

const char *iotlab_error(const iotlab_board *b) { return b->error; }

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, 0);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int read_all(int fd, uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t r = recv(fd, p, n, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/* One request: op + args out; payload (up to cap bytes) and its length back. */
static int call(iotlab_board *b, uint8_t op, const uint8_t *args, size_t nargs, uint8_t *payload,
                size_t cap, size_t *plen) {
  uint8_t frame[FRAME_MAX + 2];
  uint8_t head[5];
  size_t len = 3 + nargs, body;
  uint16_t txid = ++b->txid;
  if (len > FRAME_MAX) {
    snprintf(b->error, sizeof b->error, "request too long");
    return IOTLAB_BAD_ARG;
  }
  frame[0] = (uint8_t)(len >> 8);
  frame[1] = (uint8_t)len;
  frame[2] = (uint8_t)(txid >> 8);
  frame[3] = (uint8_t)txid;
  frame[4] = op;
  if (nargs > 0) memcpy(frame + 5, args, nargs);
  errno = 0;
  if (write_all(b->fd, frame, len + 2) != 0) return fail_io(b, "send");
  if (read_all(b->fd, head, 5) != 0) return fail_io(b, "receive");
  body = (size_t)head[0] << 8 | head[1];
  if (body < 3 || body > FRAME_MAX) {
    snprintf(b->error, sizeof b->error, "bad answer length %u", (unsigned)body);
    return IOTLAB_IO_ERROR;
  }
  body -= 3;
  if (read_all(b->fd, frame, body) != 0) return fail_io(b, "receive");
  if (head[4] != IOTLAB_OK) {
    size_t m = body < sizeof b->error - 1 ? body : sizeof b->error - 1;
    memcpy(b->error, frame, m);
    b->error[m] = '\0';
    return head[4];
  }
  if (((uint16_t)(head[2] << 8 | head[3])) != txid) {
    snprintf(b->error, sizeof b->error, "answer to another request");
    return IOTLAB_IO_ERROR;
  }
  if (plen) *plen = body;
  if (payload && cap > 0) memcpy(payload, frame, body < cap ? body : cap);
  return IOTLAB_OK;
}

static uint8_t *put16(uint8_t *p, unsigned v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
  return p + 2;
}

int iotlab_pin_mode(iotlab_board *b, uint8_t pin, enum iotlab_pin_mode mode) {
  uint8_t a[2];
  a[0] = pin;
  a[1] = (uint8_t)mode;
  return call(b, 0x01, a, 2, NULL, 0, NULL);
}

int iotlab_pin_read(iotlab_board *b, uint8_t pin, int *level) {
  uint8_t v = 0;
  int s = call(b, 0x02, &pin, 1, &v, 1, NULL);
  if (s == IOTLAB_OK && level) *level = v;
  return s;
}

int iotlab_pin_write(iotlab_board *b, uint8_t pin, int level) {
  uint8_t a[2];
  a[0] = pin;
  a[1] = (uint8_t)(level ? 1 : 0);
  return call(b, 0x03, a, 2, NULL, 0, NULL);
}

int iotlab_pin_wait(iotlab_board *b, uint8_t pin, enum iotlab_edge edge, uint16_t timeout_ms,
                    int *fired, int *level) {
  uint8_t a[4], v[6];
  int s;
  a[0] = pin;
  a[1] = (uint8_t)edge;
  put16(a + 2, timeout_ms);
  s = call(b, 0x06, a, 4, v, 6, NULL);
  if (s == IOTLAB_OK) {
    if (fired) *fired = v[0];
    if (level) *level = v[1];
  }
  return s;
}

int iotlab_adc_read(iotlab_board *b, uint8_t pin, uint16_t *counts) {
  uint8_t v[2];
  int s = call(b, 0x04, &pin, 1, v, 2, NULL);
  if (s == IOTLAB_OK && counts) *counts = (uint16_t)(v[0] << 8 | v[1]);
  return s;
}

int iotlab_pwm_set(iotlab_board *b, uint8_t pin, uint32_t freq_hz, uint16_t duty) {
  uint8_t a[7];
  a[0] = pin;
  a[1] = (uint8_t)(freq_hz >> 24);
  a[2] = (uint8_t)(freq_hz >> 16);
  a[3] = (uint8_t)(freq_hz >> 8);
  a[4] = (uint8_t)freq_hz;
  put16(a + 5, duty);
  return call(b, 0x05, a, 7, NULL, 0, NULL);
}

int iotlab_i2c_transfer(iotlab_board *b, uint8_t address, const uint8_t *out, size_t nout,
                        uint8_t *in, size_t nin) {
  uint8_t a[IOTLAB_MAX_DATA + 5];
  uint8_t *p = a;
  if (nout > IOTLAB_MAX_DATA || nin > IOTLAB_MAX_DATA) {
    snprintf(b->error, sizeof b->error, "at most %d bytes each way", IOTLAB_MAX_DATA);
    return IOTLAB_BAD_ARG;
  }
  *p++ = address;
  p = put16(p, (unsigned)nout);
  if (nout > 0) memcpy(p, out, nout);
  p = put16(p + nout, (unsigned)nin);
  return call(b, 0x10, a, (size_t)(p - a), in, nin, NULL);
}

int iotlab_i2c_write(iotlab_board *b, uint8_t address, const uint8_t *out, size_t n) {
  return iotlab_i2c_transfer(b, address, out, n, NULL, 0);
}

int iotlab_i2c_read(iotlab_board *b, uint8_t address, uint8_t *in, size_t n) {
  return iotlab_i2c_transfer(b, address, NULL, 0, in, n);
}

int iotlab_spi_transfer(iotlab_board *b, uint8_t cs, const uint8_t *out, uint8_t *in, size_t n) {
  uint8_t a[IOTLAB_MAX_DATA + 3];
  if (n == 0 || n > IOTLAB_MAX_DATA) {
    snprintf(b->error, sizeof b->error, "1 to %d bytes", IOTLAB_MAX_DATA);
    return IOTLAB_BAD_ARG;
  }
  a[0] = cs;
  put16(a + 1, (unsigned)n);
  memcpy(a + 3, out, n);
  return call(b, 0x20, a, n + 3, in, in ? n : 0, NULL);
}

int iotlab_uart_write(iotlab_board *b, uint8_t port, const uint8_t *data, size_t n) {
  uint8_t a[IOTLAB_MAX_DATA + 3];
  if (n == 0 || n > IOTLAB_MAX_DATA) {
    snprintf(b->error, sizeof b->error, "1 to %d bytes", IOTLAB_MAX_DATA);
    return IOTLAB_BAD_ARG;
  }
  a[0] = port;
  put16(a + 1, (unsigned)n);
  memcpy(a + 3, data, n);
  return call(b, 0x30, a, n + 3, NULL, 0, NULL);
}

int iotlab_uart_read(iotlab_board *b, uint8_t port, uint8_t *buf, size_t max,
                     uint16_t timeout_ms, size_t *got) {
  uint8_t a[5];
  size_t n = 0;
  int s;
  if (max > IOTLAB_MAX_DATA) max = IOTLAB_MAX_DATA;
  a[0] = port;
  put16(a + 1, (unsigned)max);
  put16(a + 3, timeout_ms);
  s = call(b, 0x31, a, 5, buf, max, &n);
  if (got) *got = s == IOTLAB_OK ? n : 0;
  return s;
}

int iotlab_delay(iotlab_board *b, uint32_t ms) {
  uint8_t a[4];
  a[0] = (uint8_t)(ms >> 24);
  a[1] = (uint8_t)(ms >> 16);
  a[2] = (uint8_t)(ms >> 8);
  a[3] = (uint8_t)ms;
  return call(b, 0x40, a, 4, NULL, 0, NULL);
}

int iotlab_millis(iotlab_board *b, uint32_t *ms) {
  uint8_t v[4];
  int s = call(b, 0x41, NULL, 0, v, 4, NULL);
  if (s == IOTLAB_OK && ms)
    *ms = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
  return s;
}
