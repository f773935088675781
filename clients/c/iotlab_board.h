/*
 * iotlab_board: C99 + POSIX sockets client of the iotlab virtual MCU board (docs/board.md).
 *
 * Every call is one request/response over TCP. Functions return IOTLAB_OK (0), a board status
 * (> 0, e.g. IOTLAB_ADDR_NACK when no I2C part acknowledged) or IOTLAB_IO_ERROR (-1) when the
 * connection failed. iotlab_error() gives the board's message for the last failure.
 */
#ifndef IOTLAB_BOARD_H
#define IOTLAB_BOARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum iotlab_status {
  IOTLAB_IO_ERROR = -1,
  IOTLAB_OK = 0,
  IOTLAB_ADDR_NACK = 1,
  IOTLAB_DATA_NACK = 2,
  IOTLAB_MALFORMED = 16,
  IOTLAB_UNKNOWN_OP = 17,
  IOTLAB_BAD_ARG = 18,
  IOTLAB_WRONG_MODE = 19,
  IOTLAB_NOT_WIRED = 20,
  IOTLAB_TOO_LONG = 21,
  IOTLAB_BOARD_BUSY = 22,
  IOTLAB_INTERNAL = 23
};

enum iotlab_pin_mode {
  IOTLAB_INPUT = 0,
  IOTLAB_OUTPUT = 1,
  IOTLAB_INPUT_PULLUP = 2,
  IOTLAB_INPUT_PULLDOWN = 3,
  IOTLAB_ANALOG = 4,
  IOTLAB_PWM = 5
};

#define IOTLAB_MAX_DATA 1024

typedef struct iotlab_board {
  int fd;
  uint16_t txid;
  char error[256];
} iotlab_board;

/* Connects to host:port. */
int iotlab_open(iotlab_board *b, const char *host, int port);
/* Connects to $IOTLAB_BOARD ("host:port", as the lab card's environment gives it). */
int iotlab_open_env(iotlab_board *b);
void iotlab_close(iotlab_board *b);
const char *iotlab_error(const iotlab_board *b);

int iotlab_pin_mode(iotlab_board *b, uint8_t pin, enum iotlab_pin_mode mode);
int iotlab_pin_read(iotlab_board *b, uint8_t pin, int *level);
int iotlab_pin_write(iotlab_board *b, uint8_t pin, int level);
enum iotlab_edge { IOTLAB_FALLING = 0, IOTLAB_RISING = 1, IOTLAB_EITHER = 2 };
/* Waits for an edge on an input pin (like an external interrupt); *fired = 0 on timeout. */
int iotlab_pin_wait(iotlab_board *b, uint8_t pin, enum iotlab_edge edge, uint16_t timeout_ms,
                    int *fired, int *level);
/* 12-bit counts: volts = counts * vref / 4095. */
int iotlab_adc_read(iotlab_board *b, uint8_t pin, uint16_t *counts);
/* duty in hundredths of a percent: 0 .. 10000. */
int iotlab_pwm_set(iotlab_board *b, uint8_t pin, uint32_t freq_hz, uint16_t duty);

/* START, write nout bytes, repeated START, read nin bytes, STOP (either count may be 0). */
int iotlab_i2c_transfer(iotlab_board *b, uint8_t address, const uint8_t *out, size_t nout,
                        uint8_t *in, size_t nin);
int iotlab_i2c_write(iotlab_board *b, uint8_t address, const uint8_t *out, size_t n);
int iotlab_i2c_read(iotlab_board *b, uint8_t address, uint8_t *in, size_t n);

/* Full duplex: n bytes out on MOSI, n bytes in from MISO, CS low throughout. */
int iotlab_spi_transfer(iotlab_board *b, uint8_t cs, const uint8_t *out, uint8_t *in, size_t n);

int iotlab_uart_write(iotlab_board *b, uint8_t port, const uint8_t *data, size_t n);
/* Reads up to max bytes, waiting at most timeout_ms; *got = bytes read (0 on timeout). */
int iotlab_uart_read(iotlab_board *b, uint8_t port, uint8_t *buf, size_t max,
                     uint16_t timeout_ms, size_t *got);

/* Waits ms of lab time on the board. */
int iotlab_delay(iotlab_board *b, uint32_t ms);
/* Board time in ms. */
int iotlab_millis(iotlab_board *b, uint32_t *ms);

#ifdef __cplusplus
}
#endif

#endif
