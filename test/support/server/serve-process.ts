/**
 * `node bin/bragg.js serve … --json` as a child process: waits for its `{"url": …}` line and
 * stops it with a signal, resolving to its exit status.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { ROOT } from '../cli/spawn.js';

export interface ServeProcess {
  url: string;
  proc: ChildProcess;
  stderr(): string;
  /** Sends `signal` and resolves to the exit code (null when killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startServe(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<ServeProcess> {
  const proc = spawn(
    process.execPath,
    ['bin/bragg.js', 'serve', '--port', '0', '--json', ...args],
    {
      cwd: ROOT,
      env: { ...process.env, BRAGG_DEBUG: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  let out = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (s: string) => (err += s));
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`bragg serve printed no URL in ${timeoutMs} ms; stderr: ${err}`));
    }, timeoutMs);
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (s: string) => {
      out += s;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) {
        clearTimeout(timer);
        try {
          const { url } = JSON.parse(line) as { url: string };
          resolve({
            url,
            proc,
            stderr: () => err,
            async stop(signal = 'SIGTERM') {
              proc.kill(signal);
              return exited;
            },
          });
        } catch {
          reject(new Error(`bragg serve printed ${line}`));
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`bragg serve exited (${code}) before listening; stderr: ${err}`));
    });
  });
}
