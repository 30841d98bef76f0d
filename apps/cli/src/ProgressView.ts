/**
 * Renders export progress on stderr: a live bar (cli-progress) when stderr
 * is a terminal, otherwise at most one plain line per second and a final
 * line, so logs and CI output stay readable. `quiet` renders nothing.
 */
import cliProgress from "cli-progress"
import type { Progress } from "@skyporter/core"

export interface ProgressView {
  readonly update: (event: Progress.ExportEvent) => void
  /** Stops the bar (leaves the terminal clean) before anything else is printed. */
  readonly stop: () => void
}

const rate = (done: number, millis: number) => (millis > 0 ? Math.round((done * 1000) / millis) : 0)

const seconds = (millis: number) => `${(millis / 1000).toFixed(1)}s`

/** ", media 3/10" once an export copies media, else "". */
const mediaText = (s: Progress.ProgressSnapshot): string =>
  s.media_total > 0 || s.media_copied > 0 ? `, media ${s.media_copied}/${s.media_total}` : ""

/** Time left at the average rate so far; "–" until there is a rate. */
const eta = (done: number, total: number, millis: number): string => {
  if (done >= total) return "0s"
  if (done === 0 || millis <= 0) return "–"
  const left = Math.round(((total - done) * millis) / done / 1000)
  return left >= 60 ? `${Math.floor(left / 60)}m${String(left % 60).padStart(2, "0")}s` : `${left}s`
}

export const make = (options: {
  readonly quiet: boolean
  readonly label: string
  readonly stream?: NodeJS.WriteStream
  readonly now?: () => number
}): ProgressView => {
  const stream = options.stream ?? process.stderr
  const now = options.now ?? Date.now
  if (options.quiet) return { update: () => {}, stop: () => {} }
  const startedAt = now()

  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${options.label} {bar} {percentage}% | {value}/{total} posts | {speed} posts/s | ETA {eta_formatted}{media}`,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
        fps: 10
      },
      cliProgress.Presets.shades_classic
    )
    let started = false
    let stopped = false
    const stop = () => {
      if (started && !stopped) bar.stop()
      stopped = true
    }
    return {
      stop,
      update: (event) => {
        const s = event.snapshot
        const speed = rate(s.posts_processed, now() - startedAt)
        const media = mediaText(s).replace(",", " |")
        if (!started && event._tag !== "Failed") {
          bar.start(Math.max(s.posts_total, 0), s.posts_processed, { speed, media })
          started = true
        } else if (started) {
          bar.setTotal(s.posts_total)
          bar.update(s.posts_processed, { speed, media })
        }
        if (event._tag === "Completed" || event._tag === "Failed") stop()
      }
    }
  }

  let lastLine = 0
  return {
    stop: () => {},
    update: (event) => {
      const s = event.snapshot
      const t = now()
      const elapsed = t - startedAt
      if (event._tag === "Completed") {
        stream.write(
          `${options.label}: ${s.posts_processed} posts in ${seconds(elapsed)} (${rate(s.posts_processed, elapsed)} posts/s)` +
            `${mediaText(s)}\n`
        )
        return
      }
      if (event._tag === "Failed") return
      if (event._tag !== "Started" && t - lastLine < 1_000) return
      lastLine = t
      const pct = s.posts_total > 0 ? Math.floor((100 * s.posts_processed) / s.posts_total) : 100
      stream.write(
        `${options.label}: ${s.posts_processed}/${s.posts_total} posts (${pct}%), ` +
          `${rate(s.posts_processed, elapsed)} posts/s, ETA ${eta(s.posts_processed, s.posts_total, elapsed)}${mediaText(s)}\n`
      )
    }
  }
}
