// Starts Sunshine for the browser tests: builds the binary, runs
// `sunshine serve --demo` on a fresh data folder and an ephemeral port, and
// returns the base URL once the server prints "Sunshine is running at …".
//
// With SUNSHINE_URL set (e.g. SUNSHINE_URL=http://127.0.0.1:8080/ npm test)
// the tests use that server instead and start nothing (for debugging; the
// server must hold the demo accounts).
import { spawn, execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { WEB_TESTS_DIR, LOG_DIR } from './paths.js';

const execFileP = promisify(execFile);

const BUILD_TIMEOUT_MS = 5 * 60_000;
const START_TIMEOUT_MS = 2 * 60_000;
const STOP_TIMEOUT_MS = 20_000;
const READY_RE = /Sunshine is running at (https?:\/\/\S+?)\/?(?:\s|$)/;

/**
 * Start a server (or use SUNSHINE_URL).
 * @param {string} label names the log file: ../artifacts/logs/server-<label>.log
 * @param {{args?: string[], prepare?: (run: (args: string[], stdin?: string) => Promise<string>) => Promise<void>}} [options]
 *   args are more flags of `serve` (e.g. ['--district', '320583']); prepare runs
 *   commands of the same binary on the same data folder before it serves (run
 *   gives their standard output; `--data` is added).
 * @returns {Promise<{base: string, stop: () => Promise<void>, external: boolean, log: string|null}>}
 *   base is the origin without a trailing slash, e.g. "http://127.0.0.1:41234".
 */
export async function startServer(label = 'tests', options = {}) {
  if (process.env.SUNSHINE_URL && !options.args && !options.prepare) {
    const base = new URL(process.env.SUNSHINE_URL).origin;
    return { base, stop: async () => {}, external: true, log: null };
  }

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'sunshine-web-tests-'));
  const bin = path.join(tmp, 'sunshine');
  const data = path.join(tmp, 'data');
  await mkdir(data);

  try {
    await execFileP(process.env.GO || 'go', ['build', '-o', bin, '../cmd/sunshine'], {
      cwd: WEB_TESTS_DIR,
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw new Error(`go build ../cmd/sunshine failed:\n${err.stderr || err.message}`);
  }

  await mkdir(LOG_DIR, { recursive: true });
  const logPath = path.join(LOG_DIR, `server-${label}.log`);
  const log = createWriteStream(logPath);

  // A fresh SQLite database in the tmp folder: drop settings that would point elsewhere.
  const env = { ...process.env, SUNSHINE_KEY_FILE: path.join(tmp, 'sunshine.key') };
  for (const k of ['SUNSHINE_DB', 'SUNSHINE_DATA', 'SUNSHINE_ADDR']) delete env[k];

  if (options.prepare) {
    const run = async (args, stdin = '') => {
      const p = execFileP(bin, [...args, '--data', data, ...(options.args || [])], { cwd: tmp, env, timeout: START_TIMEOUT_MS });
      p.child.stdin.end(stdin);
      const { stdout } = await p;
      return stdout;
    };
    try {
      await options.prepare(run);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw new Error(`preparing the server ${label} failed:\n${err.stderr || err.message}`);
    }
  }

  const child = spawn(bin, ['serve', '--demo', '--data', data, '--addr', '127.0.0.1:0', ...(options.args || [])], {
    cwd: tmp,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never leave a server behind, even when the test process dies.
  const killOnExit = () => { try { child.kill('SIGKILL'); } catch { /* already gone */ } };
  process.once('exit', killOnExit);

  const tail = []; // the last lines of output, for error messages
  const remember = (stream, line) => {
    log.write(`[${stream}] ${line}\n`);
    tail.push(line);
    if (tail.length > 40) tail.shift();
  };
  // Keep reading both pipes for the whole run: a full pipe would block the server.
  readline.createInterface({ input: child.stderr }).on('line', (l) => remember('stderr', l));
  const stdoutLines = readline.createInterface({ input: child.stdout });

  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  let base;
  try {
    base = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`sunshine serve did not report its address within ${START_TIMEOUT_MS / 1000}s`)),
        START_TIMEOUT_MS,
      );
      stdoutLines.on('line', (line) => {
        remember('stdout', line);
        const m = READY_RE.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(new URL(m[1]).origin);
        }
      });
      child.once('error', (err) => { clearTimeout(timer); reject(err); });
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`sunshine serve exited (code ${code}, signal ${signal}) before it was ready`));
      });
    });
  } catch (err) {
    killOnExit();
    await exited;
    log.end();
    await rm(tmp, { recursive: true, force: true });
    process.removeListener('exit', killOnExit);
    err.message += `\n--- last output of sunshine serve ---\n${tail.join('\n')}`;
    throw err;
  }

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(killOnExit, STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
      await new Promise((resolve) => log.end(resolve));
      await rm(tmp, { recursive: true, force: true });
    })();
    return stopping;
  };
  return { base, stop, external: false, log: logPath };
}
