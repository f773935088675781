/**
 * Blink an LED while a button is held (iotlab board, TypeScript HAL).
 * Usage: IOTLAB_BOARD=host:port node dist/clients/ts/examples/blink.js [seconds] [button] [led]
 * The button is wired to ground (active low), so its pin needs the pull-up.
 */
import { BoardClient } from '../board.js';

const [seconds = 10, button = 2, led = 13] = process.argv.slice(2).map(Number);
const b = await BoardClient.connect();
await b.pinMode(button, 'input_pullup');
await b.pinMode(led, 'output');
await b.pinWrite(led, 0);
console.log(`ready: button on pin ${button}, LED on pin ${led}`);
const start = await b.millis();
let now = start;
let wasPressed = false;
let on = false;
let lastToggle = 0;
while (now - start < seconds * 1000) {
  const pressed = (await b.pinRead(button)) === 0;
  if (pressed !== wasPressed) {
    console.log(`${pressed ? 'pressed' : 'released'} at ${now - start} ms`);
    wasPressed = pressed;
  }
  if (pressed && now - lastToggle >= 100) {
    on = !on;
    lastToggle = now;
    await b.pinWrite(led, on);
  } else if (!pressed && on) {
    on = false;
    await b.pinWrite(led, 0);
  }
  await b.delay(10);
  now = await b.millis();
}
await b.pinWrite(led, 0);
await b.close();
