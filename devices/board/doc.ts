/**
 * Renders docs/board.md from the code: the operation and status tables come from
 * protocols/codecs/board-frame.ts, the worked examples are encoded by the codec and the SHT3x
 * model, so the document cannot drift from what the board does (tests/unit/board-doc.test.ts).
 */
import type { Request } from '../../protocols/codecs/board-frame.js';
import {
  MAX_DATA,
  MAX_FRAME,
  OPS,
  PIN_MODES,
  STATUS_DOC,
  Status,
  encodeRequest,
  encodeResponse,
} from '../../protocols/codecs/board-frame.js';
import { BOARD_PINS, I2C_ADDRESSES } from './scenario.js';
import { Mcp3008 } from './mcp3008.js';
import { encodeSht3x } from './sht3x.js';

export const REGENERATE = 'UPDATE_DOCS=1 npx vitest run tests/unit/board-doc.test.ts';

const spaced = (b: Buffer): string => b.toString('hex').replace(/(..)/g, '$1 ').trim();

function example(title: string, txid: number, req: Request, status: number, payload: Buffer) {
  return [
    `**${title}**`,
    '',
    '```',
    `→ ${spaced(encodeRequest(txid, req))}`,
    `← ${spaced(encodeResponse(txid, status as 0, payload))}`,
    '```',
    '',
  ];
}

export function renderBoardDoc(): string {
  const sht = encodeSht3x(23.5, 45.2);
  const out: string[] = [
    '<!-- GENERATED FILE: do not edit. Source: protocols/codecs/board-frame.ts and devices/board/, rendered by devices/board/doc.ts. -->',
    `<!-- Regenerate: ${REGENERATE} -->`,
    '',
    '# 虚拟 MCU 开发板 / The virtual MCU board',
    '',
    '> 本文件由代码生成，请勿手工修改。Generated from the code; do not edit by hand.',
    `> 重新生成 / Regenerate: \`${REGENERATE}\``,
    '',
    "A lab may have one board (the scenario's `board:` section). Firmware on the candidate's machine",
    'drives its pins, ADC, PWM, I2C bus, SPI bus and UARTs over TCP with this protocol; the HALs in',
    '`clients/c/` (C99 + POSIX sockets), `clients/python/` (stdlib) and `clients/ts/` do it for you.',
    "The lab card's `board` section gives the address, the pin map and the bus map (I2C addresses",
    'are drawn from the seed where the scenario leaves them open); `IOTLAB_BOARD=host:port` is set',
    'for submissions.',
    '',
    '## Frames',
    '',
    'Binary, big-endian, length-prefixed — chosen over JSON lines because a C99 client then needs no',
    'parser: it writes a fixed header and reads exactly `length` bytes back, every field has one',
    'width, and a byte string carries its own length.',
    '',
    '```',
    'request : u16 length | u16 txid | u8 op     | args…',
    'response: u16 length | u16 txid | u8 status | payload…',
    '```',
    '',
    '`length` counts the bytes after itself (txid onwards). The board answers every request, in',
    "order, with the request's txid. A non-zero status carries a UTF-8 message as its payload.",
    `Frames longer than ${MAX_FRAME} bytes are skipped (answered \`TOO_LONG\`) and the connection`,
    `goes on; byte strings are at most ${MAX_DATA} bytes.`,
    '',
    'A wait (`PIN_WAIT`, `UART_READ`, `DELAY`) whose client leaves runs out its timeout without',
    'holding up the next client; stopping the lab ends every wait at once.',
    '',
    '**One client at a time.** The board is one piece of hardware: while a client is connected, a',
    'second one gets a `BOARD_BUSY` answer with txid 0 and is closed. The HALs half-close and wait',
    "for the board's end when they close, so the next program never finds the board busy.",
    '',
    '## Operations',
    '',
    '| op | code | arguments | OK payload | what |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [name, o] of Object.entries(OPS)) {
    const args = o.args.map((a) => `${a.type} ${a.name} (${a.doc})`).join(', ') || '—';
    out.push(
      `| \`${name}\` | 0x${o.code.toString(16).padStart(2, '0')} | ${args} | ${o.reply} | ${o.doc} |`,
    );
  }
  out.push(
    '',
    `Pin modes: ${PIN_MODES.map((m, i) => `${i} \`${m}\``).join(', ')}. Pins 0–${BOARD_PINS - 1}; they start as floating`,
    'inputs (a floating input reads seeded noise, as a real one reads whatever it picks up).',
    '',
    '## Status codes',
    '',
    '| status | code | meaning |',
    '| --- | --- | --- |',
  );
  for (const [name, text] of Object.entries(STATUS_DOC))
    out.push(`| \`${name}\` | ${Status[name as keyof typeof Status]} | ${text} |`);
  out.push(
    '',
    '## Worked examples',
    '',
    ...example('Who is there', 1, { op: 'INFO' }, 0, Buffer.from('iotlab-board 1 mcu-c838')),
    ...example(
      'SHT3x at 0x44: single shot, high repeatability, no clock stretching',
      2,
      { op: 'I2C_XFER', address: 0x44, out: Buffer.from([0x24, 0x00]), inLen: 0 },
      0,
      Buffer.alloc(0),
    ),
    ...example(
      'Reading at once: the measurement takes up to 15 ms, so the SHT3x NACKs the read header',
      3,
      { op: 'I2C_XFER', address: 0x44, out: Buffer.alloc(0), inLen: 6 },
      Status.ADDR_NACK,
      Buffer.from('0x44 did not acknowledge (busy or no data yet)'),
    ),
    ...example('Wait 15 ms of lab time', 4, { op: 'DELAY', ms: 15 }, 0, Buffer.alloc(0)),
    ...example(
      'Read 6 bytes: T MSB, T LSB, CRC, RH MSB, RH LSB, CRC (here 23.50 °C, 45.20 %RH)',
      5,
      { op: 'I2C_XFER', address: 0x44, out: Buffer.alloc(0), inLen: 6 },
      0,
      sht,
    ),
    ...example(
      'MCP3008 on CS0, channel 0 single-ended: result = ((in[1] & 3) << 8) | in[2]',
      6,
      { op: 'SPI_XFER', cs: 0, out: Buffer.from([0x01, 0x80, 0x00]) },
      0,
      // 1.65 V of 3.3 V: code 512; bits before the null bit float high.
      new Mcp3008(0, 3.3, () => 1.65).transfer(Buffer.from([0x01, 0x80, 0x00]), 0),
    ),
    ...example(
      'Servo on pin 10 at 50 Hz, 7.5 % duty = 1.5 ms pulse = 90°',
      7,
      { op: 'PWM_SET', pin: 10, freqHz: 50, duty: 750 },
      0,
      Buffer.alloc(0),
    ),
    '## Timing',
    '',
    'Time is lab time (the lab clock). An operation starts when the previous one ended and the',
    'answer is sent once lab time reaches its end: an I2C transfer takes 9 clocks per byte (address',
    'byte included) plus START/STOP at the bus clock (100 kHz unless the scenario says otherwise),',
    "an SPI transfer 8 clocks per byte, a UART write the bytes' character times at the wired",
    "device's line settings, clock stretching (SHT3x 0x2C06…) the rest of the measurement. Waits",
    'under 1 ms are counted but not slept, so the board is never behind the lab clock and at most',
    '1 ms ahead. Parts need their conversion time: reading too early gets what the real part gives.',
    '',
    '## Parts',
    '',
    `- **SHT3x** (I2C ${I2C_ADDRESSES.sht3x.map((a) => `0x${a.toString(16)}`).join('/')}): single shot 0x2400/0x240B/0x2416 (15/6/4 ms) and with clock`,
    '  stretching 0x2C06/0x2C0D/0x2C10; 6-byte reads with CRC-8 (poly 0x31, init 0xFF; CRC(BE EF) =',
    '  0x92); T = −45 + 175·S/65535, RH = 100·S/65535; NACK while measuring and when no data is',
    '  ready; soft reset 0x30A2, heater 0x306D/0x3066, status 0xF32D, clear status 0x3041. The value',
    "  is the lab's temperature/humidity sensor at the end of the measurement. Periodic mode: not",
    '  modelled (NACK). A scenario may set `corruptEvery: n`: every n-th measurement read is a bus',
    '  glitch, bit 11 of each word flipped behind the CRCs of the true data (drop such a reading).',
    `- **BH1750** (I2C ${I2C_ADDRESSES.bh1750.map((a) => `0x${a.toString(16)}`).join('/')}): power down/on/reset, continuous and one-time H, H2 and L`,
    '  resolution modes; 2-byte reads, lux = count / 1.2 (H), / 2.4 (H2); 180 ms (H) or 24 ms (L)',
    '  per conversion; before the first conversion the register holds 0. MTreg changes are',
    '  acknowledged but not applied.',
    '- **24C02 EEPROM** (I2C 0x50–0x57): 256 bytes, 8-byte pages; a page write wraps at the page',
    '  end; 5 ms write cycle during which the address is NACKed (acknowledge polling); sequential',
    '  reads roll over 0xFF → 0x00; a read without a word address continues from the last one.',
    '- **MCP3008** (SPI): 10-bit, start bit + SGL/DIFF + D2..D0 anywhere in the transfer, null bit,',
    '  then B9..B0; differential pairs per the datasheet; code = 1024·Vin/Vref, clamped.',
    '- **W25Q32** (SPI): JEDEC id EF 40 16, read 0x03/0x0B, WREN/WRDI, SR1 with BUSY and WEL, page',
    '  program 0x02 (wraps in the 256-byte page, only clears bits, 0.4 ms), sector erase 0x20',
    '  (45 ms), block erase 0xD8 (150 ms), chip erase 0xC7/0x60 (10 s). While BUSY only the status',
    '  reads answer. Nothing on MISO reads 0xFF.',
    '- **Pins**: `led`, `relay`, `buzzer` (outputs, active high unless `active: low`), `button`',
    '  (active low by default: use `input_pullup`), `dimmable_led` and `servo` (PWM: brightness =',
    '  duty; angle from the pulse width between `minPulseUs` and `maxPulseUs`), `analog` (12-bit',
    "  ADC: the sensor's range spans 0 V to Vref, an offline sensor reads 0 V). An output or PWM",
    '  pin with a `device` drives that lab actuator (its MQTT state and truth follow); a button with',
    "  a `device` follows that lab switch's seeded events; the trainer API `lab.pressButton()`",
    '  presses and releases it too.',
    '- **UARTs 1–3**: wired to serial devices of the lab (GNSS, RFID reader, controller, modem…), at',
    '  their line settings; received bytes wait in a 4096-byte buffer (overflow drops new bytes and the',
    "  next read's `bus.transfer` says how many in `overruns`).",
    '',
    '## HALs',
    '',
    'Each HAL has one call per operation and two examples (`examples/blink.*`: blink the LED while',
    'the button is held; `examples/sht3x.*`: read the SHT3x, check both CRCs, print °C and %RH).',
    'All read `IOTLAB_BOARD=host:port`.',
    '',
    '| | C99 (`clients/c/iotlab_board.h`) | Python (`clients/python/iotlab_board.py`) | TypeScript (`clients/ts/board.ts`) |',
    '| --- | --- | --- | --- |',
    '| connect | `iotlab_open_env(&b)` | `Board()` | `await BoardClient.connect()` |',
    '| pins | `iotlab_pin_mode/_read/_write/_wait` | `pin_mode`, `pin_read`, `pin_write`, `pin_wait` | `pinMode`, `pinRead`, `pinWrite`, `pinWait` |',
    '| ADC, PWM | `iotlab_adc_read`, `iotlab_pwm_set` | `adc_read`, `pwm_set` | `adcRead`, `pwmSet` |',
    '| I2C | `iotlab_i2c_transfer/_write/_read` | `i2c_transfer`, `i2c_write`, `i2c_read` | `i2cTransfer`, `i2cWrite`, `i2cRead` |',
    '| SPI | `iotlab_spi_transfer` | `spi_transfer` | `spiTransfer` |',
    '| UART | `iotlab_uart_write`, `iotlab_uart_read` | `uart_write`, `uart_read` | `uartWrite`, `uartRead` |',
    '| time | `iotlab_delay`, `iotlab_millis` | `delay`, `millis` | `delay`, `millis` |',
    '| errors | return value: status code; `iotlab_error(&b)` | raises `BoardError` / `NackError` | rejects with `BoardError` (`.status`) |',
    '',
    '```sh',
    'gcc -std=c99 -Wall -Wextra -o sht3x clients/c/examples/sht3x.c clients/c/iotlab_board.c',
    'IOTLAB_BOARD=127.0.0.1:4200 ./sht3x 0x44',
    'IOTLAB_BOARD=127.0.0.1:4200 python3 clients/python/examples/blink.py 10',
    'IOTLAB_BOARD=127.0.0.1:4200 node dist/clients/ts/examples/sht3x.js 0x44',
    '```',
    '',
    '## Evidence',
    '',
    '- every bus transaction: `bus.transfer` with `device` (the board id), `bus` (`i2c`, `spi`,',
    '  `uart`), `address` / `cs` / `port`, `part`, `out` and `in` as hex, `status` (`ok`,',
    '  `addr_nack`, `data_nack`), `durationMs`, `boardT` (board time at the start);',
    '- a request the board could not decode: `bus.transfer` with `bus: "host"`, `status:',
    '  "bad_request"`, the status code and message;',
    '- every pin change: `device.state` with `pin`, `component`, and `mode`, `level`, or PWM',
    '  `freqHz`/`duty`/`brightness`/`angle`, plus `on` when the component switched; client',
    '  `connect`/`disconnect`/`refused`; UART bytes also appear as `serial.rx`/`serial.tx` of the',
    '  wired device (transport `board`).',
    '',
  );
  return out.join('\n');
}
