/** The `skyporter seed` handler, loaded only when `seed` runs (see Cli.ts). */
import { Did, InvalidRequest } from "@skyporter/core"
import * as Synthetic from "@skyporter/synthetic"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { SeedFlags } from "../Cli.js"

export const run = (flags: SeedFlags) =>
  Effect.gen(function* () {
    if (!(flags.posts >= 0 && flags.posts <= 100_000_000)) {
      return yield* new InvalidRequest({
        field: "posts",
        message: `invalid --posts ${flags.posts}: expected a whole number from 0 to 100000000`
      })
    }
    const did = Option.getOrUndefined(flags.did)
    if (did !== undefined) yield* Did.validate(did)
    const mediaRoot = Option.getOrUndefined(flags.mediaRoot)
    const started = Date.now()
    const result = yield* Effect.try({
      try: () =>
        Synthetic.seedArchive(flags.db, {
          posts: flags.posts,
          seed: flags.seed,
          ...(did ? { did } : {}),
          ...(mediaRoot === undefined ? {} : { mediaRoot })
        }),
      catch: (e) => new InvalidRequest({ field: "db", message: e instanceof Error ? e.message : String(e) })
    })
    const files =
      mediaRoot === undefined
        ? ""
        : `; ${result.mediaFiles} media files in ${mediaRoot}, ${result.missingMediaFiles} left missing`
    yield* Console.error(
      `seeded ${result.posts} posts for ${result.did} (+${result.otherPosts} of other accounts, ` +
        `${result.mediaRows} media rows${files}) in ${((Date.now() - started) / 1000).toFixed(1)}s`
    )
    yield* Console.log(result.did)
  })
