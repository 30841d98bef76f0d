/**
 * Warnings about values that could not be decoded as stored: all counted,
 * the first few kept for the manifest, in export order.
 */
import type * as Post from "./Post.js"

export interface Warnings {
  count: number
  readonly first: Array<string>
}

/** How many warning messages are kept (all are counted). */
export const KEPT_WARNINGS = 20

/** Counts a warning, keeping its message while fewer than `KEPT_WARNINGS` are kept. */
export const addWarning = (warnings: Warnings, message: string): void => {
  warnings.count++
  if (warnings.first.length < KEPT_WARNINGS) warnings.first.push(message)
}

/** Adds `from` to `into`: all of its count, its kept messages while fewer than `KEPT_WARNINGS` are kept. */
export const mergeWarnings = (
  into: Warnings,
  from: { readonly count: number; readonly first: ReadonlyArray<string> }
): void => {
  into.count += from.count
  for (const message of from.first) {
    if (into.first.length < KEPT_WARNINGS) into.first.push(message)
  }
}

/**
 * The warnings of one batch, put in post order once the batch is encoded:
 * stored JSON is checked when the plugin first reads it (during encoding,
 * after the whole batch was decoded), and the manifest's warnings must not
 * depend on where batches end.
 */
export class BatchWarnings {
  private items: Array<{ readonly post: number; readonly message: string }> = []
  /** The post being decoded: where a warning without a position belongs. */
  current = 0

  /** One function for the whole batch (a closure per post measured costly). */
  readonly warn: Post.Warn = (message, post) => {
    this.items.push({ post: post ?? this.current, message })
  }

  /** Adds the batch's warnings to `into`, post by post (each post's in the order they came). */
  settle(into: Warnings): void {
    if (this.items.length === 0) return
    const items = this.items.sort((a, b) => a.post - b.post) // stable
    this.items = []
    for (const item of items) addWarning(into, item.message)
  }
}
