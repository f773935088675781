/*
 * Blink an LED while a button is held (iotlab board, C HAL).
 * Usage: IOTLAB_BOARD=host:port ./blink [seconds] [button_pin] [led_pin]
 * The button is wired to ground (active low), so its pin needs the pull-up.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../iotlab_board.h"

#define CHECK(call)                                                       \
  do {                                                                    \
    int s_ = (call);                                                      \
    if (s_ != IOTLAB_OK) {                                                \
      fprintf(stderr, "%s: status %d: %s\n", #call, s_, iotlab_error(&b)); \
      iotlab_close(&b);                                                   \
      return 1;                                                           \
    }                                                                     \
  } while (0)

int main(int argc, char **argv) {
  iotlab_board b;
  unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 10;
  uint8_t button = (uint8_t)(argc > 2 ? atoi(argv[2]) : 2);
  uint8_t led = (uint8_t)(argc > 3 ? atoi(argv[3]) : 13);
  uint32_t start, now, last_toggle = 0;
  int pressed = 0, was_pressed = 0, on = 0;

  if (iotlab_open_env(&b) != IOTLAB_OK) {
    fprintf(stderr, "%s\n", iotlab_error(&b));
    return 1;
  }
  CHECK(iotlab_pin_mode(&b, button, IOTLAB_INPUT_PULLUP));
  CHECK(iotlab_pin_mode(&b, led, IOTLAB_OUTPUT));
  CHECK(iotlab_pin_write(&b, led, 0));
  printf("ready: button on pin %u, LED on pin %u\n", (unsigned)button, (unsigned)led);
  fflush(stdout);
  CHECK(iotlab_millis(&b, &start));
  for (now = start; now - start < seconds * 1000u;) {
    int level;
    CHECK(iotlab_pin_read(&b, button, &level));
    pressed = level == 0;
    if (pressed != was_pressed) {
      printf("%s at %u ms\n", pressed ? "pressed" : "released", (unsigned)(now - start));
      fflush(stdout);
      was_pressed = pressed;
    }
    if (pressed && now - last_toggle >= 100) {
      on = !on;
      last_toggle = now;
      CHECK(iotlab_pin_write(&b, led, on));
    } else if (!pressed && on) {
      on = 0;
      CHECK(iotlab_pin_write(&b, led, 0));
    }
    CHECK(iotlab_delay(&b, 10));
    CHECK(iotlab_millis(&b, &now));
  }
  CHECK(iotlab_pin_write(&b, led, 0));
  iotlab_close(&b);
  return 0;
}
