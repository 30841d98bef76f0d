/**
 * An export's progress as it goes: the snapshot every event carries, the
 * events themselves (BatchWritten, throttled MediaCopied, Heartbeat while
 * nothing else went out, Failed), and when the last one was sent.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ExportError, ExportFailed, type Stage } from "../Errors.js"
import * as Progress from "../Progress.js"

export class Reporter {
  snapshot: Progress.ProgressSnapshot = { ...Progress.initial, status: "running" }
  private batches = 0
  private mediaSentAt = Number.NEGATIVE_INFINITY

  private constructor(
    private readonly emit: (event: Progress.ExportEvent) => void,
    private lastEventAt: number
  ) {}

  static make = (emit: (event: Progress.ExportEvent) => void): Effect.Effect<Reporter> =>
    Effect.map(Clock.currentTimeMillis, (now) => new Reporter(emit, now))

  update(fields: Partial<Progress.ProgressSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...fields }
  }

  send(event: Progress.ExportEvent): Effect.Effect<void> {
    return Effect.map(Clock.currentTimeMillis, (now) => {
      this.lastEventAt = now
      this.emit(event)
    })
  }

  /** The next batch's `posts` are written. */
  written(posts: number): Effect.Effect<void> {
    this.update({ posts_processed: this.snapshot.posts_processed + posts })
    return this.send({ _tag: "BatchWritten", batch: ++this.batches, posts, snapshot: this.snapshot })
  }

  /** `copied` media files are in; said at most every `MEDIA_EVENT_MILLIS`, unless `always`. */
  mediaCopied(copied: number, always = false): Effect.Effect<void> {
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      this.update({ media_copied: copied })
      if (!always && now - this.mediaSentAt < Progress.MEDIA_EVENT_MILLIS) return Effect.void
      this.mediaSentAt = now
      return this.send({ _tag: "MediaCopied", snapshot: this.snapshot })
    })
  }

  /** Repeats the snapshot whenever no event went out for `interval`, until the scope closes. */
  heartbeat(interval: number): Effect.Effect<void, never, Scope.Scope> {
    const beat = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const wait = this.lastEventAt + interval - now
      return wait > 0 ? Effect.sleep(wait) : this.send({ _tag: "Heartbeat", snapshot: this.snapshot })
    })
    return Effect.asVoid(Effect.forkScoped(Effect.forever(beat)))
  }

  /** Reports `error`; one that is not an ExportFailed is placed at `stage` and `batch`. */
  failed(error: ExportError, stage: Stage, batch: number | undefined): Effect.Effect<void> {
    return Effect.suspend(() => {
      const failure =
        error._tag === "ExportFailed"
          ? error
          : new ExportFailed({ stage, ...(batch === undefined ? {} : { batch }), message: error.message })
      this.update({
        status: "failed",
        error: {
          stage: failure.stage,
          ...(failure.batch === undefined ? {} : { batch: failure.batch }),
          message: failure.message
        }
      })
      return this.send({ _tag: "Failed", snapshot: this.snapshot })
    })
  }
}
