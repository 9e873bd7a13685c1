// Runner for the browser tests: build the binary, start a throw-away portal (fresh database,
// free port), run every tests/*.test.mjs with Node's test runner, stop the portal, drop the
// database, and print one closing line "browser: N passed, N failed".
//
//   node run.mjs                  all tests
//   node run.mjs tests/login.test.mjs    some files
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARTIFACTS, buildBinary, startServer, tail } from './lib/server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const files = process.argv.length > 2
  ? process.argv.slice(2).map((f) => resolve(f))
  : readdirSync(join(HERE, 'tests')).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join(HERE, 'tests', f));

mkdirSync(join(ARTIFACTS, 'screenshots'), { recursive: true });

let binary;
let server;
try {
  console.log('browser tests: building tcs-portal');
  binary = buildBinary();
  console.log(`browser tests: starting ${binary} serve`);
  server = await startServer(binary);
} catch (error) {
  console.error(`browser tests could not start: ${error.message}`);
  process.exit(1);
}
console.log(`browser tests: portal at ${server.baseUrl}, database ${server.database}, log ${server.logPath}`);

// Stop the server and drop the database even when interrupted.
let stopping = null;
const stop = () => (stopping ??= server.stop());
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await stop();
    process.exit(130);
  });
}

// One file at a time: the journeys share one server and each waits on the TOTP clock anyway.
const child = spawn(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=1', '--test-timeout=180000', ...files],
  {
    cwd: HERE,
    env: { ...server.env, TCS_TEST_BIN: binary, TCS_TEST_BASE_URL: server.baseUrl, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);

// Pass the spec reporter's output through and read its totals ("ℹ pass 5", "ℹ fail 0").
let output = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  output += chunk;
});
const exitCode = await new Promise((r) => child.on('close', (code) => r(code ?? 1)));

const count = (word) => {
  const match = output.match(new RegExp(`^\\S*\\s*${word} (\\d+)$`, 'm'));
  return match ? Number(match[1]) : null;
};
const passed = count('pass');
// A test cancelled because its suite's hook failed did not pass either.
const failed = count('fail') === null ? null : count('fail') + (count('cancelled') ?? 0);

const serverExit = await stop();
if (serverExit !== 0) console.log(`browser tests: warning: tcs-portal exited with ${serverExit} after SIGTERM`);
if (exitCode !== 0 || failed !== 0) {
  console.log(`--- last lines of the server log (${server.logPath}) ---\n${tail(server.logPath)}`);
}
console.log(`screenshots: ${join(ARTIFACTS, 'screenshots')}`);

if (passed === null || failed === null) {
  console.log('browser: 0 passed, 1 failed (the test runner printed no totals)');
  process.exit(1);
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(exitCode !== 0 || failed > 0 || passed === 0 ? 1 : 0);
