// Telling an agent about new work while the console is in the background: the queue counts
// the shell already refreshes on live events, compared before and after.

/** The views whose count rose. A first load (nothing before) is not new work. */
export function grownViews(before: Record<string, number> | null, after: Record<string, number>, views: string[]): string[] {
  if (!before) return []
  return views.filter((v) => (after[v] ?? 0) > (before[v] ?? 0))
}

/** A short tone, made here rather than fetched (the console loads nothing from elsewhere). */
export function beep(): void {
  const Context = window.AudioContext
  if (!Context) return
  const audio = new Context()
  const tone = audio.createOscillator()
  const gain = audio.createGain()
  tone.frequency.value = 880
  gain.gain.setValueAtTime(0.2, audio.currentTime)
  gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4)
  tone.connect(gain).connect(audio.destination)
  tone.start()
  tone.stop(audio.currentTime + 0.4)
  tone.onended = () => audio.close()
}
