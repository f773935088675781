/**
 * Worked examples of the IOTLAB-FC200 controller protocol (controller-spec.ts), computed by the
 * codec (controller.ts, controller-reply.ts, controller-frame.ts) so that the bytes
 * docs/protocols/controller.md shows are the bytes the device speaks;
 * tests/unit/controller-doc.test.ts also replays them against the device model. The example
 * controller: address 01, sensor channels 0 temperature (°C), 1 humidity (%RH), 2 door (switch);
 * actuator channels 0 fan, 1 pump.
 */
import type {
  ControllerRequest,
  ControllerResponse,
} from '../../../protocols/codecs/controller.js';
import {
  BROADCAST,
  Command,
  DEVICE_MODEL,
  FIRMWARE,
  ReportReason,
  Status,
  encodeRequest,
} from '../../../protocols/codecs/controller.js';
import {
  encodeError,
  encodeReport,
  encodeResponse,
} from '../../../protocols/codecs/controller-reply.js';
import { crcOf } from '../../../protocols/codecs/controller-frame.js';
import type { I18n } from '../../../protocols/codecs/controller-spec.js';
import { VERSION } from '../../../protocols/codecs/controller-spec.js';

/** A frame of a worked example; `payload` annotates its payload bytes, in order. */
export interface ExampleFrame {
  from: 'host' | 'device';
  bytes: Buffer;
  payload: [count: number, meaning: I18n][];
}
export interface ExampleSpec {
  title: I18n;
  note?: I18n;
  frames: ExampleFrame[];
}

const t = (zh: string, en: string): I18n => ({ zh, en });

/** The CRC of the frame body 01 01 00 (read device info from address 01). */
export const CRC_EXAMPLE = {
  body: Buffer.of(0x01, 0x01, 0x00),
  crc: crcOf(Buffer.of(0x01, 0x01, 0x00)),
};
/** The textbook Modbus RTU request 01 03 00 00 00 01 has CRC 0x0A84 (on the wire: 84 0A). */
export const MODBUS_CRC_CHECK = {
  body: Buffer.of(0x01, 0x03, 0x00, 0x00, 0x00, 0x01),
  crc: crcOf(Buffer.of(0x01, 0x03, 0x00, 0x00, 0x00, 0x01)),
};

const ADDR = 0x01;
const host = (
  req: ControllerRequest,
  payload: ExampleFrame['payload'],
  address = ADDR,
): ExampleFrame => ({
  from: 'host',
  bytes: encodeRequest(address, req),
  payload,
});
const device = (res: ControllerResponse, payload: ExampleFrame['payload']): ExampleFrame => ({
  from: 'device',
  bytes: encodeResponse(ADDR, res),
  payload,
});
const status = (zh = '状态 00 成功', en = 'status 00 OK'): [number, I18n] => [1, t(zh, en)];
const rec = (zh: string, en: string): [number, I18n] => [5, t(zh, en)];

export const EXAMPLES: ExampleSpec[] = [
  {
    title: t('读设备信息', 'Read device info'),
    frames: [
      host({ command: Command.ReadInfo }, []),
      device(
        {
          command: Command.ReadInfo,
          info: {
            model: DEVICE_MODEL,
            serial: 'ctl-1a2b',
            firmwareMajor: FIRMWARE.major,
            firmwareMinor: FIRMWARE.minor,
            sensorChannels: 3,
            actuatorChannels: 2,
          },
        },
        [
          status(),
          [2, t(`固件 ${VERSION}`, `firmware ${VERSION}`)],
          [1, t('3 个传感器通道', '3 sensor channels')],
          [1, t('2 个执行器通道', '2 actuator channels')],
          [1, t('型号长 12', 'model length 12')],
          [12, t(`"${DEVICE_MODEL}"`, `"${DEVICE_MODEL}"`)],
          [1, t('序列号长 8', 'serial length 8')],
          [8, t('"ctl-1a2b"', '"ctl-1a2b"')],
        ],
      ),
    ],
  },
  {
    title: t('读传感器通道 0–2', 'Read sensor channels 0–2'),
    frames: [
      host({ command: Command.ReadSensors, start: 0, count: 3 }, [
        [1, t('起始通道 0', 'start channel 0')],
        [1, t('3 个通道', '3 channels')],
      ]),
      device(
        {
          command: Command.ReadSensors,
          start: 0,
          readings: [
            { status: 0, raw: 2345 },
            { status: 0, raw: 6120 },
            { status: 0, raw: 1 },
          ],
        },
        [
          status(),
          [1, t('起始通道 0', 'start 0')],
          [1, t('3 个通道', '3 channels')],
          rec('通道 0：有效，2345 × 0.01 = 23.45 °C', 'ch 0: OK, 2345 × 0.01 = 23.45 °C'),
          rec('通道 1：有效，6120 × 0.01 = 61.20 %RH', 'ch 1: OK, 6120 × 0.01 = 61.20 %RH'),
          rec('通道 2：有效，1 = 门开', 'ch 2: OK, 1 = door open'),
        ],
      ),
    ],
  },
  {
    title: t('负值与离线通道', 'A negative value and an offline channel'),
    frames: [
      host({ command: Command.ReadSensors, start: 0, count: 2 }, [
        [1, t('起始通道 0', 'start 0')],
        [1, t('2 个通道', '2 channels')],
      ]),
      device(
        {
          command: Command.ReadSensors,
          start: 0,
          readings: [
            { status: 0, raw: -550 },
            { status: 1, raw: 0 },
          ],
        },
        [
          status(),
          [1, t('起始通道 0', 'start 0')],
          [1, t('2 个通道', '2 channels')],
          rec('通道 0：有效，−550 × 0.01 = −5.50 °C', 'ch 0: OK, −550 × 0.01 = −5.50 °C'),
          rec('通道 1：01 离线，值忽略', 'ch 1: 01 offline, value ignored'),
        ],
      ),
    ],
  },
  {
    title: t('读执行器状态', 'Read actuator states'),
    frames: [
      host({ command: Command.ReadActuators, start: 0, count: 2 }, [
        [1, t('起始通道 0', 'start 0')],
        [1, t('2 个通道', '2 channels')],
      ]),
      device(
        {
          command: Command.ReadActuators,
          start: 0,
          states: [
            { status: 0, on: true },
            { status: 0, on: false },
          ],
        },
        [
          status(),
          [1, t('起始通道 0', 'start 0')],
          [1, t('2 个通道', '2 channels')],
          [2, t('通道 0 风扇：有效，开', 'ch 0 fan: OK, on')],
          [2, t('通道 1 水泵：有效，关', 'ch 1 pump: OK, off')],
        ],
      ),
    ],
  },
  {
    title: t('打开水泵（执行器通道 1）', 'Switch the pump (actuator channel 1) on'),
    frames: [
      host({ command: Command.WriteActuator, channel: 1, on: true }, [
        [1, t('通道 1', 'channel 1')],
        [1, t('01 开', '01 on')],
      ]),
      device({ command: Command.WriteActuator, channel: 1, on: true }, [
        status(),
        [1, t('通道 1', 'channel 1')],
        [1, t('新状态 01 开', 'new state 01 on')],
      ]),
    ],
  },
  {
    title: t('一次设置两个执行器：风扇开、水泵关', 'Set two actuators at once: fan on, pump off'),
    frames: [
      host({ command: Command.WriteActuators, start: 0, values: [true, false] }, [
        [1, t('起始通道 0', 'start 0')],
        [1, t('2 个通道', '2 channels')],
        [
          1,
          t(
            '位图 0000 0001：位 0 风扇开，位 1 水泵关',
            'mask 0000 0001: bit 0 fan on, bit 1 pump off',
          ),
        ],
      ]),
      device({ command: Command.WriteActuators, start: 0, values: [true, false] }, [
        status(),
        [1, t('起始通道 0', 'start 0')],
        [1, t('2 个通道', '2 channels')],
        [1, t('新状态位图', 'new states')],
      ]),
    ],
  },
  {
    title: t('设置周期上报间隔为 10 s', 'Set the report interval to 10 s'),
    frames: [
      host({ command: Command.Config, op: 'write', register: 0x02, value: 10 }, [
        [1, t('01 写', '01 write')],
        [1, t('寄存器 02', 'register 02')],
        [2, t('值 10', 'value 10')],
      ]),
      device({ command: Command.Config, op: 'write', register: 0x02, value: 10 }, [
        status(),
        [1, t('01 写', '01 write')],
        [1, t('寄存器 02', 'register 02')],
        [2, t('当前值 10', 'value now 10')],
      ]),
    ],
  },
  {
    title: t('广播查询地址', 'Find the address by broadcast'),
    note: t(
      '请求发往 FF，应答来自控制器自己的地址 01。',
      "The request goes to FF; the reply comes from the controller's own address 01.",
    ),
    frames: [
      host(
        { command: Command.Config, op: 'read', register: 0x00 },
        [
          [1, t('00 读', '00 read')],
          [1, t('寄存器 00 地址', 'register 00 address')],
        ],
        BROADCAST,
      ),
      device({ command: Command.Config, op: 'read', register: 0x00, value: ADDR }, [
        status(),
        [1, t('00 读', '00 read')],
        [1, t('寄存器 00', 'register 00')],
        [2, t('地址 1', 'address 1')],
      ]),
    ],
  },
  {
    title: t('错误：通道不存在', 'Error: no such channel'),
    frames: [
      host({ command: Command.ReadSensors, start: 3, count: 2 }, [
        [1, t('起始通道 3', 'start 3')],
        [1, t('2 个通道', '2 channels')],
      ]),
      {
        from: 'device',
        bytes: encodeError(ADDR, Command.ReadSensors, Status.OutOfRange),
        payload: [status('状态 04 OUT_OF_RANGE', 'status 04 OUT_OF_RANGE')],
      },
    ],
  },
  {
    title: t('错误：CRC 不对', 'Error: bad CRC'),
    note: t(
      '读设备信息请求的 CRC 两字节被按高字节在前发送。',
      'A read-device-info request with its CRC sent high byte first.',
    ),
    frames: [
      {
        from: 'host',
        bytes: swapCrc(encodeRequest(ADDR, { command: Command.ReadInfo })),
        payload: [],
      },
      {
        from: 'device',
        bytes: encodeError(ADDR, Command.ReadInfo, Status.BadCrc),
        payload: [status('状态 01 BAD_CRC', 'status 01 BAD_CRC')],
      },
    ],
  },
  {
    title: t('主动上报：门打开', 'Report: the door opened'),
    note: t('需先写寄存器 01 = 1。', 'Needs register 01 = 1 first.'),
    frames: [
      {
        from: 'device',
        bytes: encodeReport(ADDR, {
          reason: ReportReason.SwitchChange,
          start: 2,
          readings: [{ status: 0, raw: 1 }],
        }),
        payload: [
          [1, t('原因 01 开关量变化', 'reason 01 switch change')],
          [1, t('通道 2', 'channel 2')],
          [1, t('1 个通道', '1 channel')],
          rec('有效，1 = 门开', 'OK, 1 = door open'),
        ],
      },
    ],
  },
];

function swapCrc(frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  out.writeUInt16BE(frame.readUInt16LE(frame.length - 2), frame.length - 2);
  return out;
}
