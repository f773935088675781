/**
 * L1 · SYS · firmware check and upgrade: a fleet of five sensor nodes runs mixed firmware
 * versions. The candidate, as the field technician, reads every node's version over MQTT,
 * reports the nodes below the required version, upgrades exactly those to the release the lab
 * offers (version and SHA-256 on the card), and confirms each on its new version after its
 * restart. One outdated node always sits on a one-digit minor (e.g. 2.9.x against 2.12.0), so
 * comparing versions as text gets it wrong; one node runs exactly the required version.
 *
 * Stated rules and the case planted for each, on every seed
 * (tests/e2e/task-rules.test.ts):
 * - "compare … as numbers": one outdated node on a one-digit minor on every seed; comparing as
 *   text (mistake `text-compare`) misses it: report (critical), upgraded, confirmed (59);
 * - "a node running exactly R is not outdated": one such node on every seed (report check);
 * - "upgrade exactly the outdated nodes": current nodes on every seed (mistake `upgrade-all`:
 *   only-outdated 10 lost);
 * - "sha256" of the release: every upgrade (mistake `wrong-checksum`: checksum 10 lost);
 * - "once each upgraded node is back online, query its version again": every outdated node
 *   restarts (mistake `no-confirm`: confirmed 10 lost).
 */
import { defineTask } from '../../grader/types.js';
import type { GradeContext } from '../../grader/types.js';
import type { FleetSpec } from '../../grader/checks/firmware.js';
import {
  checksumCheck,
  confirmedCheck,
  onlyOutdatedCheck,
  outdatedAnswerCheck,
  upgradedCheck,
  versionsReadCheck,
} from '../../grader/checks/firmware.js';
import { compareVersions } from '../../devices/field/firmware.js';
import { Rng } from '../../core/rng.js';

const NODES = ['node1', 'node2', 'node3', 'node4', 'node5'] as const;
const TIME_LIMIT_S = 300;

export type FirmwareParams = {
  /** Versions the nodes run at the start, in NODES order, comma-separated. */
  versions: string;
  /** Below this a node is outdated. */
  required: string;
  /** The release offered. */
  target: string;
  /** Release image size, bytes. */
  size: number;
  rebootS: number;
};

const v = (major: number, minor: number, patch: number) => `${major}.${minor}.${patch}`;

const fleet: FleetSpec = {
  devices: NODES,
  required: (ctx: GradeContext) => String(ctx.params.required),
};

export const firmwareUpgrade = defineTask<FirmwareParams>({
  id: 'l1-sys-firmware',
  title: { zh: '设备固件版本检查与升级', en: 'Check and upgrade device firmware' },
  level: 'L1',
  direction: 'SYS',
  skills: ['L1.SYS.1.1.3'],
  timeLimitS: TIME_LIMIT_S,
  solution: 'solution.ts',

  params(seed) {
    const rng = new Rng(seed, 'task', 'l1-sys-firmware');
    const major = rng.int(1, 3);
    const minor = rng.int(10, 14);
    const reqPatch = rng.int(0, 3);
    const required = v(major, minor, reqPatch);
    const target = v(major, minor + rng.int(0, 1), rng.int(4, 9));
    const outdatedCount = rng.int(2, 3);
    const outdated = [
      // A one-digit minor: older, but sorts after `required` as text.
      v(major, rng.int(7, 9), rng.int(0, 15)),
      v(major, minor - 1, rng.int(0, 12)),
      reqPatch > 0
        ? v(major, minor, reqPatch - 1)
        : major > 1
          ? v(major - 1, rng.int(10, 30), rng.int(0, 9))
          : v(major, minor - 2, rng.int(0, 9)),
    ].slice(0, outdatedCount);
    const between = v(major, minor, reqPatch + 1);
    const current = [
      target,
      // Exactly the required version: not outdated.
      required,
      compareVersions(between, target) < 0 ? between : required,
    ].slice(0, NODES.length - outdatedCount);
    const versions = [...outdated, ...current];
    for (let i = versions.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [versions[i], versions[j]] = [versions[j]!, versions[i]!];
    }
    return {
      versions: versions.join(','),
      required,
      target,
      size: rng.int(96, 480) * 1024 + rng.int(0, 1023),
      rebootS: rng.int(4, 8),
    };
  },

  scenario(p) {
    const versions = p.versions.split(',');
    return {
      name: 'task_l1_sys_firmware',
      title: { zh: '设备固件升级', en: 'Device firmware upgrade' },
      devices: NODES.map((name, i) => ({
        name,
        kind: 'digital' as const,
        title: { zh: `温湿度节点 ${i + 1}`, en: `Temperature/humidity node ${i + 1}` },
        channels: [
          {
            quantity: 'temperature',
            unit: '°C',
            range: [-20, 60] as [number, number],
            resolution: 0.1,
            profile: { base: 22, vary: 3, amplitude: 1, periodS: 600, noise: 0.1 },
          },
          {
            quantity: 'humidity',
            unit: '%RH',
            range: [0, 100] as [number, number],
            resolution: 0.1,
            profile: { base: 55, vary: 10, amplitude: 3, periodS: 600, noise: 0.3 },
          },
        ],
        mqtt: { period: 5 },
        firmware: {
          version: versions[i]!,
          release: { version: p.target, size: p.size },
          rebootS: p.rebootS,
        },
      })),
    };
  },

  vars(p, plan) {
    const first = plan.devices[0]!;
    const release = first.firmware!.release!;
    return {
      prefix: plan.topicPrefix,
      devices: plan.devices.map((d) => `\`${d.id}\``).join(', '),
      firstId: first.id,
      required: p.required,
      target: release.version,
      size: release.size,
      sha256: release.sha256,
      rebootS: p.rebootS,
    };
  },

  checks: [
    {
      id: 'query',
      skill: 'L1.SYS.1.1.3',
      points: 20,
      title: { zh: '查询每台设备的固件版本', en: "Every device's firmware version read" },
      run: versionsReadCheck<FirmwareParams>(fleet),
    },
    {
      id: 'report',
      skill: 'L1.SYS.1.1.3',
      points: 20,
      // The list is the answer (issue 18.1): a node missed by comparing versions as text fails it.
      critical: true,
      title: { zh: '上报过期设备', en: 'Outdated devices reported' },
      run: outdatedAnswerCheck<FirmwareParams>({ ...fleet, key: 'outdated' }),
    },
    {
      id: 'upgraded',
      skill: 'L1.SYS.1.1.3',
      points: 30,
      title: { zh: '过期设备升级到发布版本', en: 'Outdated devices upgraded to the release' },
      run: upgradedCheck<FirmwareParams>(fleet),
    },
    {
      id: 'only-outdated',
      skill: 'L1.SYS.1.1.3',
      points: 10,
      title: { zh: '只升级过期设备', en: 'Only outdated devices upgraded' },
      run: onlyOutdatedCheck<FirmwareParams>(fleet),
    },
    {
      id: 'checksum',
      skill: 'L1.SYS.1.1.3',
      points: 10,
      title: { zh: '升级命令携带正确的 SHA-256', en: "Upgrades carry the release's SHA-256" },
      run: checksumCheck<FirmwareParams>(fleet),
    },
    {
      id: 'confirmed',
      skill: 'L1.SYS.1.1.3',
      points: 10,
      title: { zh: '重启后确认新版本', en: 'New version confirmed after the restart' },
      run: confirmedCheck<FirmwareParams>(fleet),
    },
  ],
});
