/**
 * The format-plugin conformance suite: one call in a vitest file checks that
 * a plugin keeps its side of the contract, by running it through the real
 * export runner (`Export.run` on a real SQLite archive, files in a temporary
 * folder) and, for batch boundaries the runner never makes, through its sink
 * directly.
 *
 * ```ts
 * import { formatConformance } from "@skyporter/testkit/conformance"
 * import plugin from "../src/index.js"
 *
 * formatConformance(plugin)
 * formatConformance(plugin, { options: { title: "Archive" } })
 * ```
 *
 * This module imports vitest (a peer dependency), so it has its own entry
 * point: importing `@skyporter/testkit` alone never loads vitest.
 */
import { type ExportFailed, FormatPlugin, PluginOptions, type Post } from "@skyporter/core"
import { Cause, Effect, Exit } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Awkward from "./Awkward.js"
import { batchSizes, completed, type Done, expectSameBytes, exporter, leftovers, wrap } from "./ConformanceRun.js"
import * as Sink from "./Sink.js"
import * as Synthetic from "@skyporter/synthetic"

export interface ConformanceOptions {
  /** The plugin's options for every export, as a user gives them; default `{}`. */
  readonly options?: unknown
  /** Seed of the synthetic archive; default 1. */
  readonly seed?: number
  /** Timeout of each test and of the setup, in ms; default 120,000. */
  readonly timeout?: number
  /**
   * Your own checks of an export's bytes, given the posts the core passed in
   * (for example: the file parses, one record per post). Called for the
   * empty, one-post, 2,001-post and awkward exports.
   */
  readonly check?: (bytes: Buffer, posts: ReadonlyArray<Post.Post>) => void | Promise<void>
  /** Also check that every export, even an empty one, ends with a newline (LF); default false. */
  readonly endsWithNewline?: boolean
}

/** Posts of the main DID of the synthetic archive. */
export const MANY_POSTS = 2001
/** Batch sizes whose exports must give identical bytes. */
export const BATCH_SIZES: ReadonlyArray<number> = [1, 7, 1000, 1001]

const DIDS = {
  many: Synthetic.DEFAULT_DID,
  one: "did:plc:onepost22222222222222222",
  empty: "did:plc:nobodyhome22222222222222",
  awkward: "did:plc:awkward22222222222222222"
} as const

/**
 * Registers a vitest suite that checks `plugin` against the format-plugin
 * contract: empty, one-post and 2,001-post exports; awkward values; the
 * same bytes in batches of 1, 7, 1000 and 1001 and around empty batches;
 * the same bytes over two runs; a sink failure failing the export with the
 * plugin's message and publishing nothing; and an interrupted export
 * publishing nothing.
 */
export const formatConformance = (written: FormatPlugin.AnyPlugin, options: ConformanceOptions = {}): void => {
  const plugin = FormatPlugin.toInternal(written)
  const pluginOptions = options.options ?? {}
  const timeout = options.timeout ?? 120_000
  const own = options.check ?? (() => {})
  const check = async (bytes: Buffer, posts: ReadonlyArray<Post.Post>) => {
    if (options.endsWithNewline) {
      expect(bytes.length > 0 && bytes[bytes.length - 1] === 0x0a, "the file ends with a newline (LF)").toBe(true)
    }
    await own(bytes, posts)
  }
  // A `concurrent` plugin's promise is checked with several sinks on this
  // thread; real threads also run it when its module is JavaScript (threads
  // cannot load TypeScript source, as under vitest).
  const declared = (written as { concurrent?: unknown }).concurrent
  const concurrent = declared === true || (typeof declared === "object" && declared !== null)
  const threadable = plugin.concurrent !== undefined && !/\.[cm]?tsx?$/.test(new URL(plugin.concurrent.module).pathname)
  const title =
    `format conformance: ${plugin.name}` + (options.options === undefined ? "" : ` ${JSON.stringify(options.options)}`)

  describe(title, () => {
    let dir = ""
    let db = ""
    let awkwardPosts = 0
    let outs = 0

    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), "skyporter-conformance-"))
      db = path.join(dir, "archive.db")
      Synthetic.seedArchive(db, { posts: MANY_POSTS, seed: options.seed ?? 1 })
      Synthetic.seedArchive(db, { posts: 1, did: DIDS.one, seed: options.seed ?? 1, otherDids: 0 })
      awkwardPosts = Awkward.writePosts(db, DIDS.awkward)
    }, timeout)

    afterAll(() => {
      if (dir !== "") rmSync(dir, { recursive: true, force: true })
    })

    const exportWith = exporter(plugin, pluginOptions, () => ({ db, out: path.join(dir, `out-${++outs}`) }))

    // Each DID's export in default batches, made once: what every other run of its posts must equal.
    const references = new Map<string, Promise<Done>>()
    const reference = (did: string): Promise<Done> => {
      const made = references.get(did) ?? exportWith(did).then(completed)
      references.set(did, made)
      return made
    }
    const many = () => reference(DIDS.many)

    it(
      "fits the plugin contract and accepts the options",
      async () => {
        expect(FormatPlugin.problems(written)).toEqual([])
        await Effect.runPromise(PluginOptions.decode(plugin, pluginOptions))
      },
      timeout
    )

    it(
      "exports no posts: start and end only, the same as a fresh sink writes",
      async () => {
        const run = await reference(DIDS.empty)
        expect(run.manifest.post_count).toBe(0)
        expect(batchSizes(run)).toEqual([])
        expectSameBytes(run.bytes, await Sink.bytes(plugin, [], pluginOptions), "empty export vs. start + end")
        await check(run.bytes, run.posts)
      },
      timeout
    )

    it(
      "exports one post",
      async () => {
        const run = await reference(DIDS.one)
        expect(run.manifest.post_count).toBe(1)
        expect(run.posts).toHaveLength(1)
        const empty = await Sink.bytes(plugin, [], pluginOptions)
        expect(run.bytes.equals(empty), "one post writes more than an empty export").toBe(false)
        await check(run.bytes, run.posts)
      },
      timeout
    )

    it(
      `exports ${MANY_POSTS.toLocaleString("en")} posts in batches of 1000, 1000 and 1`,
      async () => {
        const run = await many()
        expect(run.manifest.post_count).toBe(MANY_POSTS)
        expect(batchSizes(run)).toEqual([1000, 1000, 1])
        expect(new Set(run.posts.map((p) => p.uri)).size).toBe(MANY_POSTS)
        expect(run.manifest.files[0]!.bytes).toBe(run.bytes.length)
        await check(run.bytes, run.posts)
      },
      timeout
    )

    for (const size of BATCH_SIZES) {
      it(
        `writes the same bytes in batches of ${size}`,
        async () => {
          const { bytes } = await many()
          const run = completed(await exportWith(DIDS.many, { batchSize: size }))
          expect(batchSizes(run)).toEqual(Sink.batches(run.posts, size).map((b) => b.length))
          expectSameBytes(run.bytes, bytes, `batches of ${size} vs. batches of 1000`)
        },
        timeout
      )
    }

    it(
      "adds nothing for a batch without posts",
      async () => {
        const { bytes, posts } = await many()
        const empty = await Sink.bytes(plugin, [], pluginOptions)
        expectSameBytes(await Sink.bytes(plugin, [[]], pluginOptions), empty, "one empty batch vs. no batch")
        expectSameBytes(
          await Sink.bytes(plugin, [[], [], []], pluginOptions),
          empty,
          "three empty batches vs. no batch"
        )
        // Uneven batches with empty ones at the start, in between and at the end.
        const parts: Array<Post.PostBatch> = [[]]
        for (let i = 0, k = 0; i < posts.length; k++) {
          const size = [1, 13, 0, 250, 2, 0, 999][k % 7]!
          parts.push(posts.slice(i, i + size))
          i += size
        }
        parts.push([])
        expectSameBytes(
          await Sink.bytes(plugin, parts, pluginOptions),
          bytes,
          "uneven and empty batches vs. the export"
        )
      },
      timeout
    )

    it(
      "encodes every awkward value (NULLs, control characters, huge text, odd and invalid JSON)",
      async () => {
        const run = await reference(DIDS.awkward)
        expect(run.manifest.post_count).toBe(awkwardPosts)
        expect(run.manifest.warnings.count).toBeGreaterThan(0)
        const single = completed(await exportWith(DIDS.awkward, { batchSize: 1 }))
        expectSameBytes(single.bytes, run.bytes, "awkward posts in batches of 1 vs. 1000")
        await check(run.bytes, run.posts)
      },
      timeout
    )

    it(
      "writes the same bytes on a second run",
      async () => {
        const { bytes, posts } = await many()
        const again = completed(await exportWith(DIDS.many))
        expectSameBytes(again.bytes, bytes, "second export vs. first")
        expectSameBytes(
          await Sink.bytes(plugin, [posts], pluginOptions),
          bytes,
          "one sink call with all posts vs. the export"
        )
        const awkward = completed(await exportWith(DIDS.awkward))
        expectSameBytes(awkward.bytes, (await reference(DIDS.awkward)).bytes, "second awkward export vs. first")
      },
      timeout
    )

    it(
      "fails the export with the plugin's message when its sink fails, and publishes nothing",
      async () => {
        const { bytes } = await many()
        const message = `conformance: ${plugin.name} failed on purpose`
        const failing = wrap(plugin, (_batch, n, write) =>
          n === 2 ? Effect.fail(new FormatPlugin.FormatError({ plugin: plugin.name, message })) : write
        )
        const run = await exportWith(DIDS.many, { batchSize: 7, under: failing })
        expect(Exit.isFailure(run.exit), "the export failed").toBe(true)
        const error = Exit.isFailure(run.exit) ? (Cause.squash(run.exit.cause) as ExportFailed) : undefined
        expect(error?._tag).toBe("ExportFailed")
        expect(error?.batch).toBe(2)
        expect(error?.message).toContain(plugin.name)
        expect(error?.message).toContain(message)
        expect(run.events.at(-1)?._tag).toBe("Failed")
        expect(leftovers(run), "nothing published, no temporary folder").toEqual([])
        // The abandoned sink leaves nothing behind that changes the next export.
        expectSameBytes(completed(await exportWith(DIDS.many)).bytes, bytes, "export after a failed one")
      },
      timeout
    )

    it.runIf(concurrent)(
      "writes the same bytes when several sinks each write a run of batches (concurrent)",
      async () => {
        const { bytes, posts } = await many()
        for (const [size, runLength] of [
          [1000, 1],
          [7, 40],
          [300, 2],
          [1, 500]
        ] as const) {
          const parts = Sink.batches(posts, size)
          const runs = Sink.batches(parts, runLength)
          const got = await Effect.runPromise(Sink.encodeInRuns(plugin, runs, pluginOptions))
          expectSameBytes(got, bytes, `runs of ${runLength} batches of ${size}, a fresh sink each vs. the export`)
        }
        const empty = await Sink.bytes(plugin, [], pluginOptions)
        expectSameBytes(
          await Effect.runPromise(Sink.encodeInRuns(plugin, [], pluginOptions)),
          empty,
          "no runs vs. start + end"
        )
      },
      timeout
    )

    it.runIf(threadable)(
      "encodes the same bytes on several threads, chunk by chunk, as on one",
      async () => {
        const loaded = ((await import(plugin.concurrent!.module)) as { default?: FormatPlugin.FormatPlugin }).default
        expect(loaded?.name, "concurrent.module's default export is this plugin").toBe(plugin.name)
        expect(loaded?.version).toBe(plugin.version)
        const { bytes, manifest } = await many()
        for (const [threads, chunkPosts, batchSize] of [[1], [2], [2, 300], [3, 100, 7]] as const) {
          const what = `${threads} thread(s), chunks of ${chunkPosts ?? "default"}, batches of ${batchSize ?? 1000}`
          const run = completed(await exportWith(DIDS.many, { threads, chunkPosts, batchSize }))
          expectSameBytes(run.bytes, bytes, `${what} vs. the export on this thread`)
          expect(run.manifest.files[0]!.sha256, what).toBe(manifest.files[0]!.sha256)
          expect(run.manifest.post_count, what).toBe(MANY_POSTS)
          expect(
            batchSizes(run).reduce((a, b) => a + b, 0),
            what
          ).toBe(MANY_POSTS)
        }
        for (const did of [DIDS.empty, DIDS.one, DIDS.awkward]) {
          const one = await reference(did)
          const several = completed(await exportWith(did, { threads: 2, chunkPosts: 4, batchSize: 3 }))
          expectSameBytes(several.bytes, one.bytes, `${did} on 2 threads in chunks of 4 vs. this thread`)
          expect(several.manifest.warnings, `${did}: the same warnings, in export order`).toEqual(one.manifest.warnings)
        }
      },
      timeout
    )

    it(
      "stops when interrupted mid-export, and publishes nothing",
      async () => {
        const { bytes } = await many()
        const run = await exportWith(DIDS.many, {
          batchSize: 7,
          onEvent: (event) => (event._tag === "BatchWritten" ? Effect.interrupt : Effect.void)
        })
        expect(Exit.isFailure(run.exit) && Cause.hasInterruptsOnly(run.exit.cause), "the export was interrupted").toBe(
          true
        )
        expect(run.events.some((e) => e._tag === "Completed")).toBe(false)
        expect(leftovers(run), "nothing published, no temporary folder").toEqual([])
        expectSameBytes(completed(await exportWith(DIDS.many)).bytes, bytes, "export after an interrupted one")
      },
      timeout
    )
  })
}
