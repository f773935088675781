/*
 * Read an SHT3x temperature/humidity sensor over I2C with CRC check (iotlab board, C HAL).
 * Usage: IOTLAB_BOARD=host:port ./sht3x [address, e.g. 0x44 — see the lab card]
 * Single shot, high repeatability, no clock stretching (0x2400): wait 15 ms, then read 6 bytes.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../iotlab_board.h"

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
  uint8_t address = (uint8_t)(argc > 1 ? strtol(argv[1], NULL, 0) : 0x44);
  const uint8_t measure[2] = {0x24, 0x00};
  uint8_t data[6];
  int s;

  if (iotlab_open_env(&b) != IOTLAB_OK) {
    fprintf(stderr, "%s\n", iotlab_error(&b));
    return 1;
  }
  s = iotlab_i2c_write(&b, address, measure, sizeof measure);
  if (s == IOTLAB_OK) s = iotlab_delay(&b, 20);
  if (s == IOTLAB_OK) s = iotlab_i2c_read(&b, address, data, sizeof data);
  if (s != IOTLAB_OK) {
    fprintf(stderr, "I2C 0x%02x: status %d: %s\n", address, s, iotlab_error(&b));
    iotlab_close(&b);
    return 1;
  }
  iotlab_close(&b);
  if (crc8(data, 2) != data[2] || crc8(data + 3, 2) != data[5]) {
    fprintf(stderr, "CRC mismatch\n");
    return 2;
  }
  {
    unsigned st = (unsigned)data[0] << 8 | data[1];
    unsigned srh = (unsigned)data[3] << 8 | data[4];
    double t = -45.0 + 175.0 * st / 65535.0;
    double rh = 100.0 * srh / 65535.0;
    printf("temperature=%.2f C humidity=%.2f %%RH\n", t, rh);
  }
  return 0;
}
