import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export default async function globalTeardown(): Promise<void> {
  const file = join(tmpdir(), 'hotline-e2e.pid')
  try {
    const [pid, dir] = readFileSync(file, 'utf8').trim().split('\n')
    process.kill(Number(pid), 'SIGTERM')
    rmSync(dir, { recursive: true, force: true })
    rmSync(file, { force: true })
  } catch {
    // nothing was started
  }
}
