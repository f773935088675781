/*
 * Board round trips from the C HAL, for `npm run bench`.
 * Usage: IOTLAB_BOARD=host:port board_bench i2c|millis COUNT [address]
 * i2c: random read of 6 bytes (write word address 0, repeated START, read 6) from the EEPROM.
 * Prints one JSON line: {"op":…,"count":…,"seconds":…}.
 */
#define _POSIX_C_SOURCE 200112L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../clients/c/iotlab_board.h"

int main(int argc, char **argv) {
  iotlab_board b;
  const char *op = argc > 1 ? argv[1] : "i2c";
  long count = argc > 2 ? atol(argv[2]) : 1000, i;
  uint8_t address = (uint8_t)(argc > 3 ? strtol(argv[3], NULL, 0) : 0x50);
  const uint8_t word = 0;
  uint8_t in[6];
  uint32_t ms;
  struct timespec t0, t1;
  if (iotlab_open_env(&b) != IOTLAB_OK) {
    fprintf(stderr, "%s\n", iotlab_error(&b));
    return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (i = 0; i < count; i++) {
    int s = strcmp(op, "millis") == 0 ? iotlab_millis(&b, &ms)
                                      : iotlab_i2c_transfer(&b, address, &word, 1, in, sizeof in);
    if (s != IOTLAB_OK) {
      fprintf(stderr, "request %ld: status %d: %s\n", i, s, iotlab_error(&b));
      return 1;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  iotlab_close(&b);
  printf("{\"op\":\"%s\",\"count\":%ld,\"seconds\":%.6f}\n", op, count,
         (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
  return 0;
}
