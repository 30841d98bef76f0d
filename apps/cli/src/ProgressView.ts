/**
 * Renders export progress on stderr: a live line when stderr is a terminal
 * (redrawn in place, at most 10 times a second, never wider than the
 * terminal), otherwise at most one plain line per second and a final line,
 * so logs and CI output stay readable. `quiet` renders nothing.
 */
import type { Progress } from "@skyporter/core"

export interface ProgressView {
  readonly update: (event: Progress.ExportEvent) => void
  /** Stops the live line (leaves the terminal clean) before anything else is printed. */
  readonly stop: () => void
}

/** What one progress line shows. */
export interface LineState {
  readonly label: string
  readonly done: number
  readonly total: number
  readonly elapsedMillis: number
  readonly mediaCopied: number
  readonly mediaTotal: number
}

/** An ETA needs a rate: some posts done, over at least this long. */
export const ETA_AFTER_MILLIS = 1_000

const rate = (done: number, millis: number) => (millis > 0 ? Math.round((done * 1000) / millis) : 0)

const seconds = (millis: number) => `${(millis / 1000).toFixed(1)}s`

/** Time left at the average rate so far; undefined until it can be estimated. */
export const eta = (done: number, total: number, millis: number): string | undefined => {
  if (done >= total) return "0s"
  if (done === 0 || millis < ETA_AFTER_MILLIS) return undefined
  const left = Math.round(((total - done) * millis) / done / 1000)
  if (left >= 3600) return `${Math.floor(left / 3600)}h${String(Math.floor(left / 60) % 60).padStart(2, "0")}m`
  return left >= 60 ? `${Math.floor(left / 60)}m${String(left % 60).padStart(2, "0")}s` : `${left}s`
}

const percent = (s: LineState) => (s.total > 0 ? Math.floor((100 * Math.min(s.done, s.total)) / s.total) : 100)

const BAR_MIN = 10
const BAR_MAX = 30

/**
 * One progress line at most `columns - 1` characters wide (the last column
 * is left free, so the terminal never wraps). Counts, rate and ETA come
 * first; the bar takes what room is left, then goes, then words shorten,
 * then the label goes.
 */
export const renderLine = (s: LineState, columns: number): string => {
  const width = Math.max(columns - 1, 1)
  const postsPerSecond = s.done > 0 ? rate(s.done, s.elapsedMillis) : undefined
  const left = eta(s.done, s.total, s.elapsedMillis)
  const media = s.mediaTotal > 0 || s.mediaCopied > 0 ? `media ${s.mediaCopied}/${s.mediaTotal}` : undefined
  const long = [
    `${percent(s)}%`,
    `${s.done}/${s.total} posts`,
    postsPerSecond === undefined ? undefined : `${postsPerSecond} posts/s`,
    left === undefined ? undefined : `ETA ${left}`,
    media
  ]
    .filter((p) => p !== undefined)
    .join(" | ")
  const barRoom = width - s.label.length - long.length - 2
  if (barRoom >= BAR_MIN) {
    const size = Math.min(barRoom, BAR_MAX)
    const filled = Math.round((size * percent(s)) / 100)
    return `${s.label} ${"█".repeat(filled)}${"░".repeat(size - filled)} ${long}`
  }
  if (s.label.length + 1 + long.length <= width) return `${s.label} ${long}`
  const parts = [
    `${percent(s)}%`,
    `${s.done}/${s.total}`,
    postsPerSecond === undefined ? undefined : `${postsPerSecond}/s`,
    left === undefined ? undefined : `ETA ${left}`,
    media === undefined ? undefined : `m ${s.mediaCopied}/${s.mediaTotal}`
  ].filter((p) => p !== undefined)
  const short = parts.join(" ")
  if (s.label.length + 1 + short.length <= width) return `${s.label} ${short}`
  // Whole parts go from the end: a number cut short would read as another number.
  while (parts.length > 1 && parts.join(" ").length > width) parts.pop()
  const line = parts.join(" ")
  return line.length <= width ? line : ""
}

const stateOf = (label: string, s: Progress.ProgressSnapshot, elapsedMillis: number): LineState => ({
  label,
  done: s.posts_processed,
  total: Math.max(s.posts_total, 0),
  elapsedMillis,
  mediaCopied: s.media_copied,
  mediaTotal: s.media_total
})

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
    let shown = false
    let stopped = false
    let drawnAt = Number.NEGATIVE_INFINITY
    let last: Progress.ProgressSnapshot | undefined
    const draw = (s: Progress.ProgressSnapshot) => {
      const line = renderLine(stateOf(options.label, s, now() - startedAt), stream.columns || 80)
      stream.write(`\r${line}\x1b[K`)
      shown = true
      drawnAt = now()
    }
    const stop = () => {
      if (stopped) return
      stopped = true
      if (last !== undefined) draw(last)
      if (shown) stream.write("\n")
    }
    const onResize = () => last !== undefined && !stopped && draw(last)
    stream.on("resize", onResize)
    return {
      stop: () => {
        stream.off("resize", onResize)
        stop()
      },
      update: (event) => {
        if (stopped) return
        if (event._tag === "Failed") {
          stream.off("resize", onResize)
          stop()
          return
        }
        last = event.snapshot
        if (event._tag === "Completed") {
          stream.off("resize", onResize)
          stop()
        } else if (event._tag === "Started" || now() - drawnAt >= 100) {
          draw(event.snapshot)
        }
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
      const media = s.media_total > 0 || s.media_copied > 0 ? `, media ${s.media_copied}/${s.media_total}` : ""
      if (event._tag === "Completed") {
        stream.write(
          `${options.label}: ${s.posts_processed} posts in ${seconds(elapsed)} (${rate(
            s.posts_processed,
            elapsed
          )} posts/s)${media}\n`
        )
        return
      }
      if (event._tag === "Failed") return
      if (event._tag !== "Started" && t - lastLine < 1_000) return
      lastLine = t
      const pct = s.posts_total > 0 ? Math.floor((100 * s.posts_processed) / s.posts_total) : 100
      const left = eta(s.posts_processed, s.posts_total, elapsed)
      stream.write(
        `${options.label}: ${s.posts_processed}/${s.posts_total} posts (${pct}%), ` +
          `${rate(s.posts_processed, elapsed)} posts/s${left === undefined ? "" : `, ETA ${left}`}${media}\n`
      )
    }
  }
}
