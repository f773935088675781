/**
 * Scenario schema of the field devices (`devices:`): analog, digital and switch sensors and
 * actuators on the lab's own MQTT broker, CoAP server and Modbus TCP server (or a Modbus RTU line),
 * with an optional firmware service. Zod is the one schema library (STYLE.md rule 4): the types
 * below are inferred from the schema that validates files.
 */
import { z } from 'zod';
import { CIPHERS } from '../../protocols/codecs/cipher.js';
import { i18n, name, seconds } from '../../core/schema.js';

/** A value trajectory: base ± seeded variation, a daily-like cycle, a trend, and noise. */
export const Profile = z
  .object({
    base: z.number(),
    /** The base moves by up to ± this much from seed to seed (per-candidate variants). */
    vary: z.number().min(0).default(0),
    amplitude: z.number().min(0).default(0),
    periodS: seconds.default(600),
    /** Linear trend, units per hour. */
    trend: z.number().default(0),
    /** Standard deviation of the measurement noise, in units (a new draw every second). */
    noise: z.number().min(0).default(0),
  })
  .strict();

export const Channel = z
  .object({
    quantity: name,
    unit: z.string().min(1),
    range: z.tuple([z.number(), z.number()]),
    /** Smallest step the device reports (e.g. 0.1 °C). */
    resolution: z.number().positive().default(0.01),
    profile: Profile,
  })
  .strict()
  .refine((c) => c.range[0] < c.range[1], {
    message: 'range must be [min, max] with min < max',
    path: ['range'],
  });

const MqttBinding = z
  .object({
    /** Telemetry period in seconds. */
    period: seconds.default(5),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(0),
    retain: z.boolean().default(false),
    /**
     * Lab times (s) at which the device sends its last telemetry message again, byte for byte
     * (as a device that got no acknowledgement resends): a subscriber receives it twice.
     */
    resendAt: z.array(seconds).optional(),
    /**
     * Telemetry and state published encrypted, and only encrypted commands accepted
     * (protocols/codecs/cipher.ts); the key is drawn from the seed and given on the card.
     */
    cipher: z.enum(CIPHERS).optional(),
    /**
     * With `cipher`: after every Nth telemetry message, a tampered copy (its ciphertext changed so
     * that it no longer decrypts), which a correct receiver drops.
     */
    tamperEvery: z.number().int().min(2).max(1000).optional(),
  })
  .strict();

const CoapBinding = z
  .object({
    /** Observe notifications at least this often, in seconds, besides on change. */
    observePeriod: seconds.default(5),
  })
  .strict();

const ModbusBinding = z
  .object({
    /** Unit id; drawn from the seed when absent. */
    unit: z.number().int().min(1).max(247).optional(),
    /** First register/coil address; drawn from the seed when absent. */
    address: z.number().int().min(0).max(65000).optional(),
    /** tcp: served by the lab's Modbus TCP server; rtu: only on a `modbus_rtu` serial line. */
    transport: z.enum(['tcp', 'rtu']).default('tcp'),
  })
  .strict();

/** A firmware version as devices report it: MAJOR.MINOR.PATCH, each part a decimal number. */
export const FirmwareVersion = z
  // YAML reads 1.2 as a number: say what is wanted rather than "expected string".
  .string({ error: 'a version MAJOR.MINOR.PATCH, e.g. 1.10.2 (quote it if YAML reads a number)' })
  .regex(/^\d{1,4}\.\d{1,4}\.\d{1,4}$/, 'a version MAJOR.MINOR.PATCH of numbers, e.g. 1.10.2');

/**
 * A device's firmware (docs/firmware.md): the version it runs at the start, and the release the
 * lab offers for it. Versions are queried and upgrades commanded over MQTT; an upgrade restarts
 * the device, offline for `rebootS`.
 */
export const FirmwareSpec = z
  .object({
    version: FirmwareVersion,
    release: z
      .object({
        version: FirmwareVersion,
        /** Size of the release image, bytes. */
        size: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024),
        /** SHA-256 of the image (lowercase hex); derived from the seed when absent. */
        sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits')
          .optional(),
      })
      .strict()
      .optional(),
    /** Seconds the device is offline while it restarts into a new firmware. */
    rebootS: seconds.max(300).default(5),
  })
  .strict();

/** Where a device is installed (WGS-84 degrees): on the card, for an app's map or address. */
const Location = z
  .object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) })
  .strict();

const deviceBase = {
  name,
  title: i18n.optional(),
  location: Location.optional(),
  mqtt: MqttBinding.optional(),
  coap: CoapBinding.optional(),
  modbus: ModbusBinding.optional(),
  firmware: FirmwareSpec.optional(),
};

export const SIGNALS = ['adc12', '4-20mA', '0-10V'] as const;

const AnalogDevice = z
  .object({
    ...deviceBase,
    kind: z.literal('analog'),
    /** The raw representation real hardware gives, offered over Modbus. */
    signal: z.enum(SIGNALS).default('adc12'),
    channel: Channel,
  })
  .strict();

const DigitalDevice = z
  .object({ ...deviceBase, kind: z.literal('digital'), channels: z.array(Channel).min(1).max(8) })
  .strict();

export const SWITCH_TYPES = ['door', 'pir', 'button'] as const;
const SwitchDevice = z
  .object({
    ...deviceBase,
    kind: z.literal('switch'),
    switchType: z.enum(SWITCH_TYPES),
    /** Mean time between events, seconds (events are a seeded Poisson process). */
    meanIntervalS: seconds.default(60),
    /** How long the contact stays active after an event, seconds. */
    holdS: seconds.max(600).default(5),
  })
  .strict();

export const ACTUATOR_TYPES = [
  'relay',
  'fan',
  'pump',
  'valve',
  'led',
  'buzzer',
  'alarm_light',
] as const;
const ActuatorDevice = z
  .object({
    ...deviceBase,
    kind: z.literal('actuator'),
    actuatorType: z.enum(ACTUATOR_TYPES),
    initial: z.boolean().default(false),
  })
  .strict();

export const DeviceSpec = z.discriminatedUnion('kind', [
  AnalogDevice,
  DigitalDevice,
  SwitchDevice,
  ActuatorDevice,
]);

export type DeviceSpec = z.infer<typeof DeviceSpec>;
export type Channel = z.infer<typeof Channel>;
export type Profile = z.infer<typeof Profile>;
export type FirmwareSpec = z.infer<typeof FirmwareSpec>;
