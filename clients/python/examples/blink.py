"""Blink an LED while a button is held (iotlab board, Python HAL).

Usage: IOTLAB_BOARD=host:port python3 blink.py [seconds] [button_pin] [led_pin]
The button is wired to ground (active low), so its pin needs the pull-up.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from iotlab_board import INPUT_PULLUP, OUTPUT, Board  # noqa: E402


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    button = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    led = int(sys.argv[3]) if len(sys.argv) > 3 else 13
    with Board() as b:
        b.pin_mode(button, INPUT_PULLUP)
        b.pin_mode(led, OUTPUT)
        b.pin_write(led, 0)
        print(f"ready: button on pin {button}, LED on pin {led}", flush=True)
        start = now = b.millis()
        was_pressed, on, last_toggle = False, False, 0
        while now - start < seconds * 1000:
            pressed = b.pin_read(button) == 0
            if pressed != was_pressed:
                print(f"{'pressed' if pressed else 'released'} at {now - start} ms", flush=True)
                was_pressed = pressed
            if pressed and now - last_toggle >= 100:
                on, last_toggle = not on, now
                b.pin_write(led, on)
            elif not pressed and on:
                on = False
                b.pin_write(led, 0)
            b.delay(10)
            now = b.millis()
        b.pin_write(led, 0)


if __name__ == "__main__":
    main()
