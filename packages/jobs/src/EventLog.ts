/**
 * One job's events, for any number of watchers. Events are numbered (`seq`)
 * and the last `HISTORY` kept, in a `SubscriptionRef`: a watcher follows its
 * changes, so it may join late, resume after an event it saw, or fall
 * behind and skip to the newest (each event carries the whole snapshot);
 * a watcher that does not read holds one state, never a backlog. The
 * last event is always one of `completed`, `failed` or `cancelled`; nothing
 * is recorded after it.
 */
import type { Progress } from "@skyporter/core"
import { Effect, Stream, SubscriptionRef } from "effect"
import type { JobEvent } from "./Model.js"

/** Events kept for resuming watchers; older ones are summed up by the newest snapshot. */
export const HISTORY = 64

interface State {
  /** Consecutive events, oldest first. */
  readonly history: ReadonlyArray<JobEvent>
  readonly seq: number
  readonly final: JobEvent | undefined
}

export interface EventLog {
  /** Records an event; nothing after the final one. */
  readonly emit: (type: JobEvent["type"], snapshot: Progress.ProgressSnapshot) => Effect.Effect<void>
  /**
   * The events after `after` (0: from the newest, the current state), ending
   * after the final event; after the end, the final event alone.
   */
  readonly watch: (after: number) => Stream.Stream<JobEvent>
  /** The final event, once there is one. */
  readonly final: Effect.Effect<JobEvent | undefined>
}

/** The events a watcher at `cursor` has not seen, and whether the log ended. */
const unseen = (state: State, cursor: number): { readonly events: ReadonlyArray<JobEvent>; readonly end: boolean } => {
  const { history, final } = state
  const first = history[0]?.seq ?? 1
  const fresh = cursor === 0 ? history.slice(-1) : history.slice(Math.max(0, cursor - first + 1))
  if (final !== undefined) return { events: fresh.length > 0 ? fresh : [final], end: true }
  return { events: fresh, end: false }
}

export const make: Effect.Effect<EventLog> = Effect.map(
  SubscriptionRef.make<State>({ history: [], seq: 0, final: undefined }),
  (ref) => ({
    emit: (type, snapshot) =>
      SubscriptionRef.update(ref, (state) => {
        if (state.final !== undefined) return state
        const event: JobEvent = { seq: state.seq + 1, type, snapshot }
        const history = [...state.history.slice(-(HISTORY - 1)), event]
        return { history, seq: event.seq, final: type === "progress" ? undefined : event }
      }),
    watch: (after) =>
      // The state at subscription first, then only the newest: each state holds the whole window, so a
      // slow watcher loses no event and its memory stays bounded.
      Stream.concat(
        Stream.take(SubscriptionRef.changes(ref), 1),
        Stream.buffer(SubscriptionRef.changes(ref), { capacity: 1, strategy: "sliding" })
      ).pipe(
        Stream.mapAccum(
          () => ({ cursor: Math.max(0, after), done: false }),
          (acc, state) => {
            if (acc.done) return [acc, []]
            const { end, events } = unseen(state, acc.cursor)
            const cursor = events.length > 0 ? events[events.length - 1]!.seq : acc.cursor
            return [{ cursor, done: end }, events]
          }
        ),
        Stream.takeUntil((event) => event.type !== "progress")
      ),
    final: Effect.map(SubscriptionRef.get(ref), (state) => state.final)
  })
)
