// Debian's Chromium for the browser tests, installed when missing (never a downloaded browser).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

export function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  const root = process.getuid?.() === 0;
  const run = (args) => execFileSync(root ? args[0] : 'sudo', root ? args.slice(1) : args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  process.stdout.write('installing Debian chromium for the browser tests\n');
  run(['apt-get', 'update', '-q']);
  run(['apt-get', 'install', '-y', '-q', 'chromium']);
}
