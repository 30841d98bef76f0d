/**
 * Where an export's code comes from. The launcher runs an export in the
 * built-in formats from the bundle (dist/bundle/) on every thread, which
 * writes the same bytes as the installed modules; an export that loads
 * plugins (--plugin, --config, ./skyporter.config.json) runs the installed
 * modules, whose single copy of effect the plugins share. An import (no
 * plugins) runs from the bundle too. Every module that
 * any thread loads is recorded through `node --import`. The other formats
 * and flag spellings: launcher.long.test.ts.
 */
import Database from "better-sqlite3"
import { mkdirSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as Repos from "../../../packages/car/test/support/Repos.js"
import {
  bundledLikeInstalled,
  dir,
  exportArgs,
  FLAGS,
  fromBundle,
  fromEffect,
  installedWith,
  logged,
  outside,
  published
} from "./launcher-runs.js"

describe("the launcher", () => {
  bundledLikeInstalled(["json"])
  installedWith(FLAGS.slice(0, 1))

  it("an import runs from the bundle and writes the repository's posts", async () => {
    const built = await Repos.build(Repos.catalog(20))
    const car = path.join(dir, "repo.car")
    writeFileSync(car, built.car)
    const db = path.join(dir, "imported.db")
    const r = await logged(["import", "--car", car, "--db", db, "--quiet"])
    expect(published(r.result)).toBe(db)
    expect(r.modules.filter((url) => !fromBundle(url) && !outside(url))).toEqual([])
    expect(r.modules.some((url) => url.endsWith("/dist/bundle/bin.js"))).toBe(true)
    const archive = new Database(db, { readonly: true })
    try {
      expect(archive.prepare("SELECT count(*) FROM posts WHERE did = ?").pluck().get(Repos.DID)).toBe(34)
    } finally {
      archive.close()
    }
  }, 60_000)

  it("an export where ./skyporter.config.json is present runs the installed modules", async () => {
    const cwd = path.join(dir, "with-config")
    mkdirSync(cwd)
    writeFileSync(path.join(cwd, "skyporter.config.json"), "{}")
    const r = await logged(exportArgs("csv", "cwd-config"), cwd)
    published(r.result)
    expect(r.modules.filter(fromBundle)).toEqual([])
    expect(r.modules.some(fromEffect)).toBe(true)
  }, 60_000)
})
