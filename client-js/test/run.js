// npm test: starts a real Livedesk node from the server jar (dev mode, loopback, a temporary
// data directory, a known secret), runs the SDK and browser tests against it with Node's test
// runner, and stops it. Needs `mvn package` of the server first (mvn verify does it).

import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureChromium } from './support/chromium.js';
import { startServer } from './support/server.js';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = ['sdk', 'browser']
  .flatMap((dir) => readdirSync(join(here, dir)).filter((f) => f.endsWith('.test.js')).sort().map((f) => join(here, dir, f)))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));

if (files.some((f) => f.includes('/browser/'))) ensureChromium();
const server = await startServer();
let code = 1;
try {
  code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', '--test-timeout=180000', ...files], {
      stdio: 'inherit',
      env: { ...process.env, ...server.env },
    });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
} finally {
  await server.stop();
}
process.exit(code);
