// Starts a fresh `hotline demo` (its own data directory and port) for the browser tests.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export default async function globalSetup(): Promise<void> {
  if (process.env.HOTLINE_E2E_URL) return
  const bin = process.env.HOTLINE_BIN
  if (!bin) throw new Error('HOTLINE_BIN must name the hotline binary (scripts/test sets it)')
  const dir = mkdtempSync(join(tmpdir(), 'hotline-e2e-'))
  const child = spawn(bin, ['demo', '--data-dir', dir, '--listen', '127.0.0.1:18777'], {
    env: { ...process.env, HOTLINE_METRICS_ENABLED: 'false', HOTLINE_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: false,
  })
  writeFileSync(join(tmpdir(), 'hotline-e2e.pid'), `${child.pid}\n${dir}`)
  const started = Date.now()
  for (;;) {
    try {
      const res = await fetch('http://127.0.0.1:18777/readyz')
      if (res.ok) break
    } catch {
      // not up yet
    }
    if (child.exitCode !== null) throw new Error(`hotline demo exited with ${child.exitCode}`)
    if (Date.now() - started > 240_000) throw new Error('hotline demo did not start in 4 minutes')
    await new Promise((r) => setTimeout(r, 500))
  }
}
