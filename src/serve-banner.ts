/**
 * What `aibridge serve` tells the person who started it (SPEC §2): `listening on …`, the dashboard
 * login URL and the bridge switch — without breaking a machine-read stream (issue #13).
 *
 * - With `--log-json` on stdout (`/dev/stdout`, `-`, or any path that is the same file as fd 1) and
 *   stdout not a terminal, every stdout line must be JSON (SPEC §7, a log shipper reads it): the
 *   lines go into the log as ordinary JSON lines instead, and the login URL, which carries the admin
 *   token, is left out of them (it is written to stderr only when stderr is a terminal); the log line
 *   says how to get the token (`aibridge admin-token`).
 * - Under systemd, stdout is the journal (`JOURNAL_STREAM` names it): no admin token there either.
 * - Otherwise (a terminal, a pipe a script reads, a file) the lines are printed as SPEC §2 says.
 */
import { fstatSync, statSync, type Stats } from 'node:fs';
import type { RunningApp } from './app-types.js';

/** The streams and environment the banner looks at (process's own by default; tests pass others). */
export interface BannerIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

const STDOUT_NAMES = new Set(['-', '/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']);

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** Whether the `--log-json` destination writes into this process's stdout. */
export function logJsonIsStdout(logJson: string | undefined): boolean {
  if (!logJson) return false;
  if (STDOUT_NAMES.has(logJson)) return true;
  try {
    // `/dev/stderr` when 2>&1, or the very file stdout is redirected to.
    return sameFile(statSync(logJson), fstatSync(1));
  } catch {
    return false; // not created yet, or no stdout: not the same file
  }
}

/** systemd sets `JOURNAL_STREAM=DEV:INO` for a service whose stdout/stderr is the journal. */
export function stdoutIsJournal(env: NodeJS.ProcessEnv): boolean {
  const m = /^(\d+):(\d+)$/.exec(env['JOURNAL_STREAM'] ?? '');
  if (!m) return false;
  try {
    const st = fstatSync(1);
    return String(st.dev) === m[1] && String(st.ino) === m[2];
  } catch {
    return false;
  }
}

/** The dashboard address without the token, and how to get the token. */
function dashboardHint(app: RunningApp): string {
  return `dashboard: ${app.loginUrl.replace(/#token=.*$/, '')} (sign in with the admin token: aibridge admin-token)`;
}

/** Prints (or logs) the start-up lines; returns how to report later lines (the stop notice). */
export function announceServe(app: RunningApp, io: BannerIo): (line: string) => void {
  const switchLine = app.isEnabled() ? 'bridge is enabled' : 'bridge is disabled: enable it in the dashboard or restart with --enabled';
  if (!io.stdout.isTTY && logJsonIsStdout(app.logJson)) {
    app.log('info', `listening on ${app.url}`, { listen: app.url });
    app.log('info', dashboardHint(app));
    app.log('info', switchLine, { enabled: app.isEnabled() });
    if (io.stderr.isTTY) io.stderr.write(`dashboard: ${app.loginUrl}\n`);
    return (line) => app.log('info', line);
  }
  io.stdout.write(`listening on ${app.url}\n`);
  io.stdout.write(!io.stdout.isTTY && stdoutIsJournal(io.env) ? `${dashboardHint(app)}\n` : `dashboard: ${app.loginUrl}\n`);
  io.stdout.write(`${switchLine}\n`);
  return (line) => io.stdout.write(`${line}\n`);
}
