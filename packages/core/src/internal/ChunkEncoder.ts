/**
 * An encoding thread's work in encode mode: it reads, decodes and encodes
 * whole chunks of the export order as they are handed out, and posts the
 * finished bytes, at most `credit` batches ahead of what the main thread has
 * written (backpressure).
 */
// Deep imports: a thread loads only what it uses (the barrels cost a second per thread).
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { MessagePort } from "node:worker_threads"
import { type AnyPlugin, type Chunk, type FormatPlugin, type FormatSink, toInternal } from "../FormatPlugin.js"
import * as PluginOptions from "../PluginOptions.js"
import * as Post from "../Post.js"
import { RecordBatch } from "../RecordBatch.js"
import { BatchWarnings, type Warnings } from "../Warnings.js"
import type { BatchReader } from "./BatchReader.js"
import { Carriers } from "./Carriers.js"
import type { ChunkSource } from "./ChunkSource.js"
import * as LoadedPlugins from "./LoadedPlugins.js"
import { RecordReader } from "./RecordReader.js"
import type { StoredRecords } from "./StoredRecords.js"
import { type ChunkPlan, describe, type FromWorker, type WorkerInit } from "./ThreadProtocol.js"

// Loaded with this module: a thread reads stored records only once it encodes.
export { StoredRecords } from "./StoredRecords.js"

/** A plugin failure, at the batch starting `offset` posts into the export. */
class EncodeFailure extends Error {
  constructor(
    message: string,
    readonly offset?: number
  ) {
    super(message)
  }
}

export const importPlugin = async (encoder: NonNullable<WorkerInit["encoder"]>): Promise<FormatPlugin> => {
  let plugin = LoadedPlugins.get(encoder.module)
  if (plugin === undefined) {
    try {
      const loaded = ((await import(encoder.module)) as { default?: AnyPlugin }).default
      plugin = loaded === undefined ? undefined : toInternal(loaded, encoder.module)
    } catch (e) {
      throw new EncodeFailure(`cannot load ${encoder.module}: ${describe(e)}`)
    }
  }
  if (plugin?.name !== encoder.name) {
    throw new EncodeFailure(`${encoder.module} does not export the "${encoder.name}" plugin as its default export`)
  }
  return plugin
}

const makeSink = async (plugin: FormatPlugin, input: unknown, total: number): Promise<FormatSink> => {
  const exit = await Effect.runPromiseExit(
    Effect.flatMap(PluginOptions.decode(plugin, input), (options) => plugin.make(options, { total }))
  )
  if (Exit.isFailure(exit)) {
    const error = Cause.squash(exit.cause) as { message?: unknown }
    throw new EncodeFailure(typeof error?.message === "string" ? error.message : describe(error))
  }
  return exit.value
}

export class ChunkEncoder {
  /** The chunks still to do, and the one being read. */
  private queue: Array<ChunkPlan> = []
  private current: { readonly plan: ChunkPlan; readonly reader: BatchReader | RecordReader; offset: number } | undefined
  /** Record mode: the batch reused for every chunk, and the warnings of the batch being written. */
  private readonly batch: RecordBatch
  private pending = new BatchWarnings()
  private credit = 0
  private readonly carriers = new Carriers()
  private sink: Promise<FormatSink> | undefined
  private pumping = false
  private closed = false

  constructor(
    private readonly encoder: NonNullable<WorkerInit["encoder"]>,
    private readonly plugin: Promise<FormatPlugin>,
    private readonly source: ChunkSource,
    private readonly port: MessagePort,
    /** Record mode: the archive's stored records, and the batch limits of `init`. */
    private readonly stored?: {
      readonly records: StoredRecords
      readonly batchSize: number
      readonly budgetBytes: number
    }
  ) {
    this.batch = new RecordBatch((i) => {
      this.pending.current = i
      return Post.decodeRow(this.stored!.records.values(this.batch, i), this.pending.warn, i)
    })
  }

  /** Starts encoding `chunks` of an export of `total` posts. */
  start(total: number, chunks: ReadonlyArray<ChunkPlan>, credit: number): void {
    this.sink = this.plugin.then((p) => makeSink(p, this.encoder.options, total))
    this.queue = [...chunks]
    this.credit += credit
    void this.pump()
  }

  /** More chunks to encode after these. */
  add(chunks: ReadonlyArray<ChunkPlan>): void {
    this.queue.push(...chunks)
    void this.pump()
  }

  /** `n` batches more may be sent; `buffer`, written, can carry bytes again. */
  give(n: number, buffer: SharedArrayBuffer | undefined): void {
    if (buffer !== undefined) this.carriers.give(buffer)
    this.credit += n
    void this.pump()
  }

  close(): void {
    this.closed = true
    this.current?.reader.close()
    this.source.close()
  }

  /** The next chunk to read, and its reader: of stored records when the sink can write them. */
  private nextChunk(sink: FormatSink): ChunkEncoder["current"] {
    const plan = this.queue.shift()
    if (plan === undefined) return undefined
    const { stored } = this
    const reader =
      stored !== undefined && sink.writeRecords !== undefined
        ? new RecordReader(
            this.source.keys(plan.offset, plan.limit),
            stored.records,
            stored.batchSize,
            stored.budgetBytes
          )
        : this.source.open(plan.offset, plan.limit)
    return { plan, reader, offset: plan.offset }
  }

  /** Reads one batch of `chunk` and encodes it: how many posts, and their bytes. */
  private async read(sink: FormatSink, chunk: NonNullable<ChunkEncoder["current"]>): Promise<[number, Chunk]> {
    const pending = (this.pending = new BatchWarnings())
    if (chunk.reader instanceof RecordReader) {
      const { batch } = this
      const records = this.stored!.records
      chunk.reader.next(batch)
      const n = batch.length
      if (n === 0) return [0, ""]
      this.source.passedKey(records.lastKey, records.anchorable(batch, n - 1), chunk.offset + n)
      return [n, await encode(sink, batch, chunk.offset)]
    }
    const batch = chunk.reader.next()
    const end = batch[batch.length - 1]
    if (end !== undefined) this.source.passed(end, chunk.offset + batch.length)
    const posts: Array<Post.Post> = batch.map((row, i) => {
      pending.current = i
      return Post.decodeRow(row, pending.warn, i)
    })
    return [posts.length, posts.length > 0 ? await encode(sink, posts, chunk.offset) : ""]
  }

  /** Reads, decodes and encodes one batch of the current chunk, and posts it. */
  private async encodeNext(sink: FormatSink): Promise<void> {
    if (this.current === undefined) this.current = this.nextChunk(sink)
    const chunk = this.current
    if (chunk === undefined) return
    const [n, encoded] = await this.read(sink, chunk)
    const bytes = n > 0 ? this.carriers.fill(encoded) : new Uint8Array(0)
    const warnings: Warnings = { count: 0, first: [] }
    this.pending.settle(warnings)
    const last = n === 0 || chunk.offset + n >= chunk.plan.offset + chunk.plan.limit
    const message: FromWorker = {
      type: "encoded",
      chunk: chunk.plan.index,
      bytes,
      posts: n,
      offset: chunk.offset,
      last,
      ...(warnings.count > 0 ? { warnings } : {})
    }
    chunk.offset += n
    if (last) {
      chunk.reader.close()
      this.current = undefined
    }
    this.port.postMessage(message)
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.sink === undefined) return
    this.pumping = true
    try {
      const sink = await this.sink
      while (!this.closed && this.credit > 0 && (this.current !== undefined || this.queue.length > 0)) {
        this.credit--
        await this.encodeNext(sink)
        // Let `credit` and `close` messages in between batches.
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
    } catch (e) {
      const offset = e instanceof EncodeFailure ? e.offset : this.current?.offset
      this.queue = []
      this.current = undefined
      this.port.postMessage({
        type: "error",
        stage: e instanceof EncodeFailure ? "encode" : "read",
        message: e instanceof EncodeFailure ? e.message : describe(e),
        ...(offset === undefined ? {} : { offset })
      } satisfies FromWorker)
    } finally {
      this.pumping = false
    }
  }
}

/** `posts` encoded by `sink`, a plugin's failure or crash thrown as an EncodeFailure at `offset`. */
const encode = async (sink: FormatSink, posts: Post.PostBatch | RecordBatch, offset: number) => {
  const exit = await Effect.runPromiseExit(
    Effect.suspend(() =>
      posts instanceof RecordBatch ? sink.writeRecords!(posts, { offset }) : sink.write(posts, { offset })
    ).pipe(Effect.catchDefect((defect) => Effect.fail({ message: `plugin crashed: ${describe(defect)}` })))
  )
  if (Exit.isFailure(exit)) {
    const error = Cause.squash(exit.cause) as { message?: unknown }
    throw new EncodeFailure(typeof error?.message === "string" ? error.message : describe(error), offset)
  }
  return exit.value
}
