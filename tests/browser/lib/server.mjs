// Start and stop a real `tcs-portal serve` for the browser tests: fresh database with a random
// name, free ports, a random master key, file mail transport in a temp dir.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const ARTIFACTS = join(REPO_ROOT, 'artifacts');

/** Where Postgres is, without a database name. Tests use their own throw-away databases. */
const PG_BASE = (process.env.TCS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, '');

/** `cargo build` the binary (the shared target dir) and return its path. */
export function buildBinary() {
  const build = spawnSync('cargo', ['build', '--bin', 'tcs-portal'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`cargo build failed (exit ${build.status})`);
  // Ask cargo where its target dir is, so CARGO_TARGET_DIR and config files are honoured.
  const meta = spawnSync('cargo', ['metadata', '--format-version', '1', '--no-deps'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (meta.status !== 0) throw new Error(`cargo metadata failed: ${meta.stderr}`);
  return join(JSON.parse(meta.stdout).target_directory, 'debug', 'tcs-portal');
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

function psql(sql) {
  const run = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', `${PG_BASE}/postgres`, '-c', sql], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`psql failed: ${sql}\n${run.stderr}`);
}

export function createDatabase() {
  const name = `tcs_browser_${randomBytes(6).toString('hex')}`;
  psql(`CREATE DATABASE "${name}"`);
  return { name, url: `${PG_BASE}/${name}` };
}

export function dropDatabase(name) {
  psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

async function waitReady(baseUrl, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tcs-portal exited early with code ${child.exitCode}`);
    try {
      const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`tcs-portal was not ready within ${timeoutMs} ms (${last})`);
}

/**
 * A TCP proxy on a free 127.0.0.1 port that forwards each connection to `targetPort` from the
 * next loopback source address in 127.0.0.2-127.0.0.254.
 *
 * Why: the portal allows each client address a small budget of credential requests per minute
 * (login, MFA, invitations), which the whole suite, all from 127.0.0.1, would exhaust within a
 * minute. Behind this proxy the browsers look like many machines, as real users are. The
 * limiter itself is tested by the Rust tests; set TCS_TEST_DIRECT=1 to bypass the proxy.
 */
export function startSpreadingProxy(targetPort) {
  let next = 0;
  const sockets = new Set();
  const proxy = createServer((client) => {
    const localAddress = `127.0.0.${2 + (next++ % 253)}`;
    const upstream = connect({ host: '127.0.0.1', port: targetPort, localAddress });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolveProxy, reject) => {
    proxy.on('error', reject);
    proxy.listen(0, '127.0.0.1', () => {
      resolveProxy({
        port: proxy.address().port,
        close: () =>
          new Promise((r) => {
            for (const socket of sockets) socket.destroy();
            proxy.close(() => r());
          }),
      });
    });
  });
}

/**
 * Start `tcs-portal serve` and wait for /readyz.
 * Returns { baseUrl, env, logPath, stop() }; `env` is what the CLI needs to act on the same
 * database (staff create, audit verify), so tests inherit it.
 */
export function startServer(binary) {
  return startPortal(binary, ['serve'], 'browser-server.log');
}

/**
 * Start `tcs-portal demo` (its own database, its in-process DigiCert sandbox, seeded
 * institutions) exactly as the README tells people to, and wait for its banner.
 * Returns what startServer returns (mail goes to `mailDir` there too), plus `banner`: the
 * console text with the demo logins.
 */
export async function startDemo(binary) {
  const stateDir = mkdtempSync(join(tmpdir(), 'tcs-browser-demo-'));
  const demo = await startPortal(binary, ['demo', '--state-dir', stateDir], 'browser-demo.log');
  const deadline = Date.now() + 60_000;
  while (!readFileSync(demo.logPath, 'utf8').includes('Stop with Ctrl-C.')) {
    if (Date.now() > deadline) throw new Error(`the demo printed no banner\n${tail(demo.logPath)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const stop = demo.stop;
  return {
    ...demo,
    banner: readFileSync(demo.logPath, 'utf8'),
    async stop() {
      const code = await stop();
      rmSync(stateDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** `tcs-portal <args>` on a fresh database and free ports, ready when /readyz answers. */
async function startPortal(binary, args, logName) {
  const db = createDatabase();
  const port = await freePort();
  const adminPort = await freePort();
  const mailDir = mkdtempSync(join(tmpdir(), 'tcs-browser-mail-'));
  const proxy = process.env.TCS_TEST_DIRECT === '1' ? null : await startSpreadingProxy(port);
  // The URL the browsers use, and so the portal's public URL (mailed links, CSRF origin).
  const baseUrl = `http://localhost:${proxy ? proxy.port : port}`;
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    TCS_BIND: `127.0.0.1:${port}`,
    TCS_ADMIN_BIND: `127.0.0.1:${adminPort}`,
    // localhost, not 127.0.0.1: Chromium accepts Secure (__Host-) cookies on http://localhost only.
    TCS_PUBLIC_URL: baseUrl,
    TCS_MASTER_KEY: randomBytes(32).toString('base64'),
    TCS_MAIL_TRANSPORT: 'file',
    TCS_MAIL_DIR: mailDir,
    TCS_LOG_FORMAT: 'json',
  };
  const logPath = join(ARTIFACTS, logName);
  const log = createWriteStream(logPath);
  const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);

  const cleanUp = async () => {
    await proxy?.close();
    rmSync(mailDir, { recursive: true, force: true });
    dropDatabase(db.name);
  };
  try {
    await waitReady(`http://127.0.0.1:${port}`, child, 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    await cleanUp();
    throw new Error(`${error.message}\n--- server log (${logPath}) ---\n${tail(logPath)}`);
  }

  return {
    baseUrl,
    env,
    logPath,
    mailDir,
    database: db.name,
    /** SIGTERM (graceful shutdown), SIGKILL after 15 s; then drop the database. Returns the exit code. */
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', (code, signal) => r(code ?? signal)));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
      await cleanUp();
      return child.exitCode ?? child.signalCode;
    },
  };
}

/** The last lines of a log file, for error messages. */
export function tail(path, lines = 40) {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Run a `tcs-portal` subcommand against the test server's database (synchronously).
 * Needs TCS_TEST_BIN and the server env, which run.mjs passes to the test processes.
 */
export function cli(args) {
  const binary = process.env.TCS_TEST_BIN;
  if (!binary) throw new Error('TCS_TEST_BIN is not set: run the browser tests through run.mjs');
  const run = spawnSync(binary, args, { encoding: 'utf8', env: process.env, timeout: 60_000 });
  if (run.status !== 0) {
    throw new Error(`tcs-portal ${args.join(' ')} exited ${run.status}\n${run.stdout}\n${run.stderr}`);
  }
  return run.stdout;
}
