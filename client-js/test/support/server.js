// Starts ../server/target/livedesk-server.jar as the tests' server and learns its port.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEST_SECRET = 'client-js-test-secret-client-js-test-secret';
const JAR = process.env.LIVEDESK_TEST_JAR ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../server/target/livedesk-server.jar');
const START_TIMEOUT_MS = 120_000;

/** Settings the tests rely on: short limits so that behaviour shows in seconds. */
const SETTINGS = {
  LIVEDESK_DEV: 'true',
  LIVEDESK_HOST: '127.0.0.1',
  LIVEDESK_PORT: '0',
  LIVEDESK_HTTP_INSTANCES: '2',
  LIVEDESK_JWT_SECRET: TEST_SECRET,
  LIVEDESK_AUTH_CLOCK_SKEW_SECONDS: '0',
  LIVEDESK_GATEWAY_MAX_CONNECTIONS_PER_USER: '4',
  LIVEDESK_CLUSTER_HOST: '127.0.0.1',
};

export async function startServer() {
  if (!existsSync(JAR)) throw new Error(`${JAR} is missing: build the server first (mvn -pl server -am package)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'livedesk-client-js-'));
  const env = {
    ...process.env,
    ...SETTINGS,
    LIVEDESK_DATA_DIR: dataDir,
    LIVEDESK_CLUSTER_NAME: `client-js-${process.pid}-${Date.now()}`,
    // A port range of its own, so a parallel Maven test run never meets this node.
    LIVEDESK_CLUSTER_PORT: String(30_000 + Math.floor(Math.random() * 1_000) * 20),
  };
  const child = spawn('java', ['-Xmx512m', '-XX:+UseSerialGC', '-Dhazelcast.phone.home.enabled=false', '-jar', JAR], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const port = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in time:\n${log}`)), START_TIMEOUT_MS);
    const read = (chunk) => {
      log += chunk;
      const match = /WebSocket: ws:\/\/localhost:(\d+)\/ws/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code}:\n${log}`));
    });
  });
  const base = `http://127.0.0.1:${port}`;
  process.stdout.write(`livedesk test server at ${base}\n`);
  return {
    env: { LIVEDESK_TEST_BASE: base, LIVEDESK_TEST_SECRET: TEST_SECRET },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
