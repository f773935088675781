/**
 * What the tests take from Debian, in one table: each command and Python module a test runs or
 * imports, with the package that provides it. `.ci/run` installs these packages with
 * `--no-install-recommends` (a fresh machine has nothing else), README's install line names the
 * same ones, and `tests/unit/fresh-machine.test.ts` holds all three together.
 *
 * A test that needs a tool calls `requireTools` / `requirePython` first: when something is
 * missing it fails (never skips), naming the package to install.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Commands the tests run, and the Debian package that provides each. */
export const DEBIAN_TOOLS = {
  mosquitto: 'mosquitto',
  mosquitto_passwd: 'mosquitto',
  mosquitto_sub: 'mosquitto-clients',
  mosquitto_pub: 'mosquitto-clients',
  'coap-client-notls': 'libcoap3-bin',
  mbpoll: 'mbpoll',
  openssl: 'openssl',
  socat: 'socat',
  zbarimg: 'zbar-tools',
  sqlite3: 'sqlite3',
  '/usr/bin/sqlite3': 'sqlite3',
  gcc: 'gcc',
  python3: 'python3',
  '/usr/bin/python3': 'python3',
  '/usr/bin/chromium': 'chromium',
  curl: 'curl',
} as const;

export type Tool = keyof typeof DEBIAN_TOOLS;

/**
 * Python modules the tests' scripts import (directly or, like serial_asyncio, through another
 * library: Debian's python3-pymodbus only *recommends* python3-serial-asyncio, yet
 * `import pymodbus.client` fails without it), and the package that provides each.
 */
export const PYTHON_MODULES = {
  paho: 'python3-paho-mqtt',
  pymodbus: 'python3-pymodbus',
  serial: 'python3-serial',
  serial_asyncio: 'python3-serial-asyncio',
} as const;

export type PythonModule = keyof typeof PYTHON_MODULES;

export const PYTHON = '/usr/bin/python3';

/**
 * Packages that are not commands nor modules: files a test needs on the machine, the package
 * that provides each, and why.
 */
export const DEBIAN_FILES = {
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc': {
    package: 'fonts-wqy-microhei',
    why: "a CJK font for chromium: without one the console's Chinese renders as empty boxes in the browser tests' screenshots",
  },
} as const;

export type DebianFile = keyof typeof DEBIAN_FILES;

/** Every package the tables name (what `.ci/run` must install). */
export function neededPackages(): string[] {
  return [
    ...new Set([
      ...Object.values(DEBIAN_TOOLS),
      ...Object.values(PYTHON_MODULES),
      ...Object.values(DEBIAN_FILES).map((f) => f.package),
    ]),
  ].sort();
}

/** Throws, naming the packages and why they are needed, when any of the files is absent. */
export function requireFiles(...paths: DebianFile[]): void {
  const missing = paths.filter((p) => {
    try {
      accessSync(p, constants.R_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  const why = missing.map((p) => `${p} (${DEBIAN_FILES[p].package}: ${DEBIAN_FILES[p].why})`);
  throw new Error(
    `file(s) not found: ${why.join('; ')}. Install with: apt-get install ` +
      `${[...new Set(missing.map((p) => DEBIAN_FILES[p].package))].join(' ')} (.ci/run does)`,
  );
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(tool: string): boolean {
  if (tool.startsWith('/')) return executable(tool);
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  return dirs.some((d) => executable(join(d, tool)));
}

/** Throws, naming the packages, when any of the tools is absent. */
export function requireTools(...tools: Tool[]): void {
  const missing = tools.filter((tool) => !onPath(tool));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((t) => DEBIAN_TOOLS[t]))].join(' ');
  throw new Error(
    `tool(s) not found: ${missing.join(', ')}. Install with: apt-get install ${packages} ` +
      '(.ci/run does)',
  );
}

/** Per module: undefined when it imports, else the interpreter's error (one check per file). */
const checkedModules = new Map<string, Promise<string | undefined>>();

function tryImport(module: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    // Asynchronous: a lab may be serving in this process while the check runs.
    execFile(PYTHON, ['-c', `import ${module}`], { timeout: 15_000 }, (err, _out, stderr) =>
      resolve(err === null ? undefined : (stderr || err.message).trim()),
    );
  });
}

/**
 * The package to install for a failed import: the module the error names (which may be a
 * dependency of the one imported), else the one imported.
 */
function packageFor(imported: string, stderr: string): string {
  const named = /No module named '([\w.]+)'/.exec(stderr)?.[1]?.split('.')[0] ?? '';
  const top = imported.split('.')[0] ?? imported;
  const table: Record<string, string> = PYTHON_MODULES;
  return table[named] ?? table[top] ?? `the package that provides ${named || top}`;
}

/**
 * Throws, naming the packages, when /usr/bin/python3 cannot import any of the modules (each is
 * imported in a fresh interpreter, so one failure does not hide another).
 */
export async function requirePython(...modules: string[]): Promise<void> {
  requireTools('/usr/bin/python3');
  const problems: string[] = [];
  const packages = new Set<string>();
  for (const module of modules) {
    let check = checkedModules.get(module);
    if (check === undefined) checkedModules.set(module, (check = tryImport(module)));
    const error = await check;
    if (error === undefined) continue;
    const last = error.split('\n').pop() ?? error;
    problems.push(`import ${module}: ${last}`);
    packages.add(packageFor(module, error));
  }
  if (problems.length === 0) return;
  throw new Error(
    `${PYTHON} cannot ${problems.join('; ')}. Install with: apt-get install ` +
      `${[...packages].join(' ')} (.ci/run does)`,
  );
}
