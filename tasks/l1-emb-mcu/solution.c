/*
 * Reference firmware in C99 (clients/c HAL): every period, single-shot measure on the SHT3x,
 * wait 20 ms of board time, read 6 bytes, check both CRCs, set the LED by the threshold, and
 * print one JSON reading per line; a gateway process publishes each line, e.g.
 *
 *   gcc -std=c99 -Wall -Wextra -o mcu tasks/l1-emb-mcu/solution.c clients/c/iotlab_board.c
 *   IOTLAB_BOARD=host:port ./mcu <address> <led pin> <threshold> <period s> \
 *     | mosquitto_pub -h host -p port -t <topic> -l
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../clients/c/iotlab_board.h"

/* CRC-8: polynomial 0x31, init 0xFF (SHT3x datasheet, checksum calculation). */
static uint8_t crc8(const uint8_t *data, int n) {
  uint8_t crc = 0xFF;
  int i, bit;
  for (i = 0; i < n; i++) {
    crc ^= data[i];
    for (bit = 0; bit < 8; bit++) crc = (uint8_t)(crc & 0x80 ? (crc << 1) ^ 0x31 : crc << 1);
  }
  return crc;
}

int main(int argc, char **argv) {
  iotlab_board b;
  const uint8_t measure[2] = {0x24, 0x00};
  uint8_t d[6];
  uint8_t address, pin;
  double threshold;
  uint32_t period_ms, started, now;

  if (argc != 5) {
    fprintf(stderr, "usage: %s <address> <led pin> <threshold> <period s>\n", argv[0]);
    return 64;
  }
  address = (uint8_t)strtol(argv[1], NULL, 0);
  pin = (uint8_t)strtol(argv[2], NULL, 0);
  threshold = strtod(argv[3], NULL);
  period_ms = (uint32_t)(strtod(argv[4], NULL) * 1000);
  if (iotlab_open_env(&b) != IOTLAB_OK || iotlab_pin_mode(&b, pin, IOTLAB_OUTPUT) != IOTLAB_OK) {
    fprintf(stderr, "%s\n", iotlab_error(&b));
    return 1;
  }
  for (;;) {
    if (iotlab_millis(&b, &started) != IOTLAB_OK) break;
    /* A NACKed or failed reading is skipped; the next period tries again. */
    if (iotlab_i2c_write(&b, address, measure, sizeof measure) == IOTLAB_OK &&
        iotlab_delay(&b, 20) == IOTLAB_OK &&
        iotlab_i2c_read(&b, address, d, sizeof d) == IOTLAB_OK && crc8(d, 2) == d[2] &&
        crc8(d + 3, 2) == d[5]) {
      double t = -45.0 + 175.0 * (double)((unsigned)d[0] << 8 | d[1]) / 65535.0;
      double rh = 100.0 * (double)((unsigned)d[3] << 8 | d[4]) / 65535.0;
      printf("{\"temperature\":%.2f,\"humidity\":%.1f}\n", t, rh);
      fflush(stdout);
      if (iotlab_pin_write(&b, pin, t > threshold) != IOTLAB_OK) break;
    }
    if (iotlab_millis(&b, &now) != IOTLAB_OK) break;
    if (iotlab_delay(&b, now - started < period_ms ? period_ms - (now - started) : 0) != IOTLAB_OK)
      break;
  }
  fprintf(stderr, "%s\n", iotlab_error(&b));
  iotlab_close(&b);
  return 1;
}
