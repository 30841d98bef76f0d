/**
 * A deterministic synthetic bskyarchive archive: `posts` and `media` rows
 * that look like real ones (see `fixtures/compat/README.md`), generated from
 * a seed. The same options always give byte-identical rows: every random
 * choice comes from a small counter-based PRNG keyed by (seed, stream,
 * index), never from `Math.random` or the clock.
 *
 * What one main DID's posts contain, spread over 2023-01-01 .. 2025-12-31:
 * short texts (20–300 chars) with a rare ~5 KB one; commas, quotes, LF /
 * CRLF / lone CR newlines, leading `=` `+` `-` `@`, emoji (ZWJ sequences,
 * flags, skin tones, keycaps), CJK, Arabic and Hebrew; replies; every embed
 * kind (images, external with and without thumb, record, record_with_media
 * with images / video / external, video) with matching `media` rows for
 * images; labels NULL, `[]`, `null` and arrays of label objects; counts from
 * 0 up to 2^63-1; several `created_at` spellings (mostly `….sssZ`, some with
 * 0/6/9 fraction digits, the SQLite form, offsets); and groups of posts
 * sharing one exact `created_at` string. A fixed catalog of these cases is
 * placed at evenly spaced indexes, so every case occurs once the archive has
 * at least `CATALOG_SIZE` posts; the rest are drawn at random.
 *
 * Other DIDs (the main DID with a `2` suffix, the main DID in another letter
 * case, then unrelated DIDs) get posts too, some at exactly the same
 * `created_at` strings as main-DID posts.
 */
import { ArchiveSchema } from "@skyporter/core"
import Database from "better-sqlite3"
import * as crypto from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import * as Images from "./Images.js"

// ---------------------------------------------------------------------------
// API types

export interface SeedOptions {
  /** Posts of the main DID. */
  readonly posts: number
  /** The main DID; default `DEFAULT_DID`. */
  readonly did?: string
  /** PRNG seed (any safe integer, folded to 32 bits); default 1. */
  readonly seed?: number
  /** How many other DIDs get posts; default 3. */
  readonly otherDids?: number
  /** Posts per other DID; default max(10, posts / 100), at most 10,000. */
  readonly otherPosts?: number
  /**
   * Also write a small valid image (PNG or JPEG, as the row's mime type says)
   * for each `media` row, at its relative `file_path` under this folder —
   * except every `MISSING_MEDIA_EVERY`th row (the first, then every 100th),
   * left pointing at a file that does not exist.
   */
  readonly mediaRoot?: string
}

/** With `mediaRoot`, media row k (counting from 0 in `seedArchive`'s order) gets no file when k % this is 0. */
export const MISSING_MEDIA_EVERY = 100

export interface SeedResult {
  /** The main DID. */
  readonly did: string
  /** Posts written for the main DID. */
  readonly posts: number
  /** Posts written for all other DIDs together. */
  readonly otherPosts: number
  /** The other DIDs, in generation order. */
  readonly otherDids: ReadonlyArray<string>
  /** Rows written to `media`. */
  readonly mediaRows: number
  /** Image files written under `mediaRoot` (0 without it). */
  readonly mediaFiles: number
  /** Media rows whose file was left missing on purpose (0 without `mediaRoot`). */
  readonly missingMediaFiles: number
  /**
   * Designed groups (2–8 posts) of main-DID posts sharing one exact
   * `created_at` string. Other coincidences may add a few more.
   */
  readonly tieGroups: number
}

/** One row of `posts`, keyed by column name. */
export interface PostRow {
  uri: string
  cid: string
  did: string
  text: string
  created_at: string
  indexed_at: string
  has_media: 0 | 1
  /** A bigint only past Number.MAX_SAFE_INTEGER. */
  like_count: number | bigint
  repost_count: number | bigint
  reply_count: number | bigint
  quote_count: number | bigint
  is_reply: 0 | 1
  reply_parent: string
  embed_type: string
  embed_data: string | null
  labels: string | null
  archived_at: string
}

/** One row of `media`, keyed by column name. */
export interface MediaRow {
  hash: string
  post_uri: string
  mime_type: string
  file_path: string
  size_bytes: number
  width: number | null
  height: number | null
  alt_text: string
  created_at: string
}

/** The default main DID (a well-formed did:plc: 24 base32 characters). */
export const DEFAULT_DID = "did:plc:skyporterdemo22222222222"

/** The instants of created_at fall in [SPAN_START, SPAN_END) (the stored text may carry an offset). */
export const SPAN_START = "2023-01-01T00:00:00.000Z"
export const SPAN_END = "2026-01-01T00:00:00.000Z"

// ---------------------------------------------------------------------------
// PRNG: a counter run through the murmur3 32-bit finalizer.

const fmix = (x: number): number => {
  let h = x | 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** A 32-bit key for (seed, stream, index); index may be any safe non-negative integer. */
const key = (seed: number, stream: number, index: number): number => {
  let h = fmix(seed ^ 0x5bd1e995)
  h = fmix(h ^ Math.imul(stream + 1, 0x27d4eb2f))
  h = fmix(h ^ (index >>> 0))
  return fmix(h ^ Math.floor(index / 4294967296))
}

class Rng {
  private s: number
  constructor(k: number) {
    this.s = k | 0
  }
  u32(): number {
    this.s = (this.s + 0x9e3779b9) | 0
    return fmix(this.s)
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<A>(xs: ReadonlyArray<A>): A {
    return xs[this.int(xs.length)]!
  }
}

// Streams keep independent decisions apart.
const S_ROW = 1
const S_TIME = 2
const S_TIE = 3
const S_SESSION = 4
const S_NAMES = 5
const S_OTHER = 100

// ---------------------------------------------------------------------------
// Encodings

const SORT32 = "234567abcdefghijklmnopqrstuvwxyz"
const B32 = "abcdefghijklmnopqrstuvwxyz234567"

// Short ASCII strings are written byte by byte into a scratch buffer and read
// out once: a flat string, where `+` would build a rope that SQLite's binding
// must flatten later at a much higher cost.
const SCRATCH = Buffer.alloc(256)
let pos = 0
const putAscii = (t: string): void => {
  for (let k = 0; k < t.length; k++) SCRATCH[pos++] = t.charCodeAt(k)
}
const put2 = (n: number): void => {
  SCRATCH[pos++] = 48 + ((n / 10) | 0)
  SCRATCH[pos++] = 48 + (n % 10)
}
const put3 = (n: number): void => {
  SCRATCH[pos++] = 48 + ((n / 100) | 0)
  put2(n % 100)
}
const take = (): string => {
  const t = SCRATCH.toString("latin1", 0, pos)
  pos = 0
  return t
}

const SORT32_CODES = Array.from(SORT32, (c) => c.charCodeAt(0))
const B32_CODES = Array.from(B32, (c) => c.charCodeAt(0))

/** An atproto TID: 53 bits of microseconds then a 10-bit clock id, as 13 sortable base32 characters. */
const tid = (micros: number, clock: number): string => {
  let v = micros
  for (let k = 10; k >= 0; k--) {
    const d = v % 32
    SCRATCH[k] = SORT32_CODES[d]!
    v = (v - d) / 32
  }
  SCRATCH[11] = SORT32_CODES[(clock >>> 5) & 31]!
  SCRATCH[12] = SORT32_CODES[clock & 31]!
  pos = 13
  return take()
}

const cidBytes = new Uint8Array(36)
/**
 * A CIDv1 in base32 multibase (`b` + RFC 4648 lower case, no padding) over a
 * sha-256 digest; codec 0x71 (dag-cbor) gives `bafyrei…`, 0x55 (raw) `bafkrei…`.
 */
const cid = (codec: number, digest: Uint8Array): string => {
  cidBytes[0] = 0x01
  cidBytes[1] = codec
  cidBytes[2] = 0x12
  cidBytes[3] = 0x20
  cidBytes.set(digest, 4)
  SCRATCH[pos++] = 98 // "b"
  let acc = 0
  let bits = 0
  for (let k = 0; k < 36; k++) {
    acc = ((acc << 8) | cidBytes[k]!) & 0xffff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      SCRATCH[pos++] = B32_CODES[(acc >>> bits) & 31]!
    }
  }
  if (bits > 0) SCRATCH[pos++] = B32_CODES[(acc << (5 - bits)) & 31]!
  return take()
}

const digestBytes = new Uint8Array(32)
const digestView = new DataView(digestBytes.buffer)
/** A record CID from random digest bytes (records are not hashed for real). */
const randomRecordCid = (r: Rng): string => {
  for (let k = 0; k < 32; k += 4) digestView.setUint32(k, r.u32())
  return cid(0x71, digestBytes)
}

/** A blob CID (`bafkrei…`) from random digest bytes. */
const randomBlobCid = (r: Rng): string => {
  for (let k = 0; k < 32; k += 4) digestView.setUint32(k, r.u32())
  return cid(0x55, digestBytes)
}

/** sha-256 of a string; `crypto.hash` (one-shot, faster) where Node has it (20.12+). */
const sha256: (text: string) => Buffer = typeof crypto.hash === "function"
  ? (text) => crypto.hash("sha256", text, "buffer")
  : (text) => crypto.createHash("sha256").update(text).digest()

const uriPrefixes = new Map<string, string>()
/** `at://<did>/app.bsky.feed.post/<rkey>`, from a cached flat prefix. */
const postUri = (did: string, rkey: string): string => {
  let p = uriPrefixes.get(did)
  if (p === undefined) {
    p = Buffer.from(`at://${did}/app.bsky.feed.post/`, "latin1").toString("latin1")
    uriPrefixes.set(did, p)
  }
  return p + rkey
}

/** `did:plc:` + 24 base32 characters derived from a key. */
const plcDid = (k: number): string => {
  const r = new Rng(k)
  let s = "did:plc:"
  for (let j = 0; j < 24; j++) s += B32[r.int(32)]!
  return s
}

const stringKey = (s: string): number => {
  let h = 0x811c9dc5
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193)
  return h >>> 0
}

// ---------------------------------------------------------------------------
// Timestamps

const START_US = Date.parse(SPAN_START) * 1000
const SPAN_US = Date.parse(SPAN_END) * 1000 - START_US

type Spelling = "ms" | "s0" | "us6" | "ns9" | "sqlite" | "sqliteMs" | "offset" | "utcOffset"

const OFFSETS: ReadonlyArray<readonly [string, number]> = [
  ["+05:30", 330],
  ["-07:00", -420],
  ["+09:00", 540],
  ["-03:30", -210],
  ["+01:00", 60]
]

const DAY_MS = 86_400_000

/** `YYYY-MM-DD` of a day number as bytes, cached (the generator touches a few thousand days). */
const dayBytes = new Map<number, Uint8Array>()
const putDay = (day: number): void => {
  let b = dayBytes.get(day)
  if (b === undefined) {
    b = Buffer.from(new Date(day * DAY_MS).toISOString().slice(0, 10), "latin1")
    dayBytes.set(day, b)
  }
  SCRATCH.set(b, pos)
  pos += 10
}

/** Writes `YYYY-MM-DD` + sep + `HH:MM:SS`, and `.sss` when `millis` is set, of an instant in ms. */
const putCivil = (ms: number, sep: number, millis: boolean): void => {
  const day = Math.floor(ms / DAY_MS)
  let rest = ms - day * DAY_MS
  const milli = rest % 1000
  rest = (rest - milli) / 1000
  const sec = rest % 60
  rest = (rest - sec) / 60
  const min = rest % 60
  putDay(day)
  SCRATCH[pos++] = sep
  put2((rest - min) / 60)
  SCRATCH[pos++] = 58
  put2(min)
  SCRATCH[pos++] = 58
  put2(sec)
  if (millis) {
    SCRATCH[pos++] = 46
    put3(milli)
  }
}

const T = 84
const SPACE = 32
const Z = 90

/** Formats an instant (µs since the epoch) in one spelling; `extra` gives the last digits of `ns9` and picks the offset. */
const formatTime = (us: number, spelling: Spelling, extra: number): string => {
  const ms = Math.floor(us / 1000)
  switch (spelling) {
    case "ms":
      putCivil(ms, T, true)
      SCRATCH[pos++] = Z
      break
    case "s0":
      putCivil(ms, T, false)
      SCRATCH[pos++] = Z
      break
    case "us6":
      putCivil(ms, T, true)
      put3(us - ms * 1000)
      SCRATCH[pos++] = Z
      break
    case "ns9":
      putCivil(ms, T, true)
      put3(us - ms * 1000)
      put3(extra % 1000)
      SCRATCH[pos++] = Z
      break
    case "sqlite":
      putCivil(ms, SPACE, false)
      break
    case "sqliteMs":
      putCivil(ms, SPACE, true)
      break
    case "utcOffset":
      putCivil(ms, T, true)
      putAscii("+00:00")
      break
    case "offset": {
      const [text, minutes] = OFFSETS[extra % OFFSETS.length]!
      putCivil(ms + minutes * 60000, T, extra % 2 === 0)
      putAscii(text)
      break
    }
  }
  return take()
}

const drawSpelling = (r: Rng): Spelling => {
  const x = r.next()
  return x < 0.86 ? "ms" : x < 0.91 ? "s0" : x < 0.94 ? "us6" : x < 0.96 ? "ns9" : x < 0.975 ? "sqlite" :
    x < 0.98 ? "sqliteMs" : x < 0.995 ? "offset" : "utcOffset"
}

/** Archiving sessions: every 14 days, a few hours after the period ends; all posts of a period share archived_at. */
const SESSION_US = 14 * 86400 * 1_000_000
const sessionText = (seed: number, session: number): string => {
  const r = new Rng(key(seed, S_SESSION, session))
  const at = START_US + (session + 1) * SESSION_US + r.range(3600, 7 * 3600) * 1_000_000
  return formatTime(at, r.chance(0.8) ? "sqlite" : r.chance(0.5) ? "ms" : "offset", r.u32())
}

const indexedAt = (r: Rng, us: number): string => {
  const at = us + r.range(500, 120_000) * 1000 + r.int(1000)
  const x = r.next()
  return formatTime(at, x < 0.95 ? "ms" : x < 0.97 ? "us6" : x < 0.985 ? "sqlite" : "offset", r.u32())
}

// ---------------------------------------------------------------------------
// Text

const WORDS = (
  "the a an and but or so if when then just really very quite maybe today tonight tomorrow yesterday " +
  "morning evening weekend coffee tea bread garden cat dog bird river city train bus bike walk run " +
  "read write code build ship test deploy debug fix break refactor compile release update feature " +
  "bug issue thread post reply quote like repost feed timeline server client protocol network data " +
  "archive export import backup file folder photo picture video music song album book story poem " +
  "weather rain snow sun cloud wind storm summer winter spring autumn mountain lake forest beach " +
  "friend family team project meeting lunch dinner breakfast weekend holiday trip flight hotel " +
  "think know feel see hear say tell ask want need love hate enjoy miss remember forget learn teach " +
  "good bad great small big new old fast slow quiet loud bright dark warm cold happy tired busy " +
  "finally again still already never always sometimes often honestly apparently definitely"
).split(" ")

const TAGS = ["#bluesky", "#atproto", "#photography", "#caturday", "#til", "#opensource", "#skyporter"]
const MENTIONS = ["@alice.bsky.social", "@bob.example.com", "@carol.test"]
const LINKS = ["https://example.com/post/1", "https://example.org/a?b=1&c=2", "https://bsky.app/profile/x"]

const EMOJI = [
  "👩‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🧑🏽‍🚀", "❤️‍🔥", "👍🏽", "👋🏿", "🇯🇵", "🇧🇷", "🇺🇦", "1️⃣", "#️⃣", "🚀", "✨", "😂", "🦋", "☕", "🌧️"
]
const CJK = [
  "今日はいい天気ですね。", "新しいアーカイブを作りました！", "我喜欢写代码，也喜欢喝茶。", "这是一个测试。",
  "한국어 텍스트입니다.", "東京、大阪、京都（関西）", "「引用」と『二重引用』", "全角！？：；"
]
const RTL = ["مرحبا بالعالم", "هذا اختبار للنص العربي", "שלום עולם", "זה טקסט בעברית", "سلام 123 עולם"]
const ODD = [
  "tab\there", "back\\slash and \\n typed", "<b>&amp;</b> <script>x</script>", "line\u2028separator",
  "it's an apostrophe's day", "a,b,c,,d", "price: 5€ / £4 / ¥600", "combining: e\u0301 a\u0308 n\u0303"
]
const LEADING = ["=SUM(A1:A9)", "=1+2", "+1 agreed", "+33 6 12 34 56 78", "-5 degrees outside", "@alice.bsky.social"]

const CAPITALIZED = WORDS.map((w) => w[0]!.toUpperCase() + w.slice(1))
const WITH_COMMA = WORDS.map((w) => w + ",")
const WITH_PERIOD = WORDS.map((w) => w + ".")

const words: Array<string> = []
/** Words (with some punctuation, tags, mentions and links) up to at least `target` characters. */
const sentence = (r: Rng, target: number): string => {
  words.length = 0
  let k = r.int(WORDS.length)
  words.push(CAPITALIZED[k]!)
  let n = CAPITALIZED[k]!.length
  while (n < target) {
    const x = r.next()
    k = r.int(WORDS.length)
    const w = x < 0.08 ? WITH_COMMA[k]! : x < 0.11 ? WITH_PERIOD[k]! : x < 0.115 ? TAGS[k % TAGS.length]! :
      x < 0.118 ? MENTIONS[k % MENTIONS.length]! : x < 0.12 ? LINKS[k % LINKS.length]! : WORDS[k]!
    words.push(w)
    n += w.length + 1
  }
  return words.join(" ")
}

const shortLength = (r: Rng): number => (r.chance(0.75) ? r.range(20, 140) : r.range(140, 280))

const longText = (r: Rng): string => {
  const parts: Array<string> = []
  let n = 0
  while (n < 5000) {
    const p = sentence(r, r.range(200, 600)) + (r.chance(0.3) ? " " + r.pick(EMOJI) : "")
    parts.push(p)
    n += p.length + 2
  }
  return parts.join("\n\n")
}

// ---------------------------------------------------------------------------
// The catalog: one forced case each, placed at evenly spaced main-DID indexes.

const CATALOG = [
  "long", "emoji", "zwj", "cjk", "rtl", "lf", "crlf", "cr", "eq", "plus", "minus", "at", "quotes", "commas",
  "empty", "odd", "img1", "img4", "extThumb", "extNoThumb", "record", "recordNotFound", "rwmImages", "rwmVideo",
  "rwmExternal", "video", "mediaNull", "embedNullText", "labelsEmpty", "labelsArray", "labelsNull", "count31",
  "count32", "count53", "count63", "replySelf", "replyExternal", "replyNoParent", "parentNoReply", "s0", "us6",
  "ns9", "sqlite", "offset"
] as const
type Force = (typeof CATALOG)[number]

/** Posts needed for every catalog case to occur. */
export const CATALOG_SIZE = CATALOG.length

const FORCED_SPELLING: Partial<Record<Force, Spelling>> = {
  s0: "s0",
  us6: "us6",
  ns9: "ns9",
  sqlite: "sqlite",
  offset: "offset"
}

const catalogFor = (n: number): Map<number, Force> => {
  const m = new Map<number, Force>()
  const c = CATALOG.length
  for (let j = 0; j < c; j++) {
    if (n >= c) m.set(Math.floor(((2 * j + 1) * n) / (2 * c)), CATALOG[j]!)
    else if (j < n) m.set(j, CATALOG[j]!)
  }
  return m
}

// ---------------------------------------------------------------------------
// Generation context

interface Resolved {
  readonly posts: number
  readonly did: string
  readonly seed: number
  readonly otherDids: ReadonlyArray<string>
  readonly otherPosts: number
}

const MAX_POSTS = 100_000_000

const checkCount = (name: string, v: unknown, max: number): number => {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) {
    throw new Error(`${name} must be an integer from 0 to ${max}; got ${String(v)}`)
  }
  return v
}

const DID_SHAPE = /^did:[a-z]+:[A-Za-z0-9._:%-]+$/

/** Other DIDs: main + "2", main in another letter case, then unrelated did:plc DIDs derived from main. */
const derivedDids = (main: string, count: number): Array<string> => {
  const out: Array<string> = []
  const seen = new Set<string>([main])
  const add = (d: string) => {
    if (out.length < count && !seen.has(d)) {
      seen.add(d)
      out.push(d)
    }
  }
  add(main + "2")
  const colon = main.lastIndexOf(":")
  const head = main.slice(0, colon + 1)
  const tail = main.slice(colon + 1)
  add(head + (tail.toUpperCase() !== tail ? tail.toUpperCase() : tail.toLowerCase()))
  for (let k = 0; out.length < count; k++) add(plcDid(key(stringKey(main), S_NAMES, k)))
  return out
}

const resolve = (o: SeedOptions): Resolved => {
  if (o === null || typeof o !== "object") throw new Error("seed options must be an object")
  const posts = checkCount("posts", o.posts, MAX_POSTS)
  const did = o.did ?? DEFAULT_DID
  if (typeof did !== "string" || !DID_SHAPE.test(did)) throw new Error(`did must look like did:method:id; got ${String(did)}`)
  const seed = o.seed ?? 1
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) throw new Error(`seed must be a safe integer; got ${String(seed)}`)
  const nOther = checkCount("otherDids", o.otherDids ?? 3, 1000)
  const otherPosts = checkCount("otherPosts", o.otherPosts ?? Math.min(10_000, Math.max(10, Math.floor(posts / 100))), MAX_POSTS)
  return { posts, did, seed: (Math.floor(seed / 4294967296) ^ seed) >>> 0, otherDids: derivedDids(did, nOther), otherPosts }
}

/** A post row and the media rows that belong to it. */
export interface SeedRow {
  readonly post: PostRow
  readonly media: ReadonlyArray<MediaRow>
}
type Row = SeedRow

interface MainTime {
  /** Instant of created_at in µs. */
  readonly us: number
  readonly createdAt: string
  /** TID clock id. */
  readonly clock: number
  /** Whether this post starts a tie group of at least 2 posts. */
  readonly startsTie: boolean
}

class Synth {
  readonly seed: number
  readonly did: string
  readonly n: number
  private readonly step: number
  private readonly block: number
  private readonly catalog: Map<number, Force>
  readonly others: ReadonlyArray<string>
  private readonly otherN: number
  private readonly otherStep: number
  private readonly strangers: ReadonlyArray<string>
  tieGroups = 0

  constructor(o: Resolved) {
    this.seed = o.seed
    this.did = o.did
    this.n = o.posts
    this.step = SPAN_US / Math.max(1, o.posts)
    this.block = Math.max(16, Math.min(512, Math.floor(o.posts / 4)))
    this.catalog = catalogFor(o.posts)
    this.others = o.otherDids
    this.otherN = o.otherPosts
    this.otherStep = SPAN_US / Math.max(1, o.otherPosts)
    const strangers: Array<string> = []
    for (let k = 0; k < 24; k++) strangers.push(plcDid(key(stringKey(o.did) ^ 0x1234567, S_NAMES, k)))
    this.strangers = strangers
  }

  // -- time of main post i ---------------------------------------------------

  /** The instant of slot i: strictly increasing in i. */
  private slotTime(i: number, step: number, k: number): number {
    const lo = Math.floor(i * step)
    const hi = Math.floor((i + 1) * step)
    return START_US + lo + Math.floor(new Rng(k).next() * (hi - lo))
  }

  private tieGroup(b: number): { start: number; size: number; perm: Array<number> } {
    const r = new Rng(key(this.seed, S_TIE, b))
    const size = r.range(2, 8)
    const start = b * this.block + r.int(this.block - size)
    const clipped = Math.max(0, Math.min(size, this.n - start))
    const perm = Array.from({ length: clipped }, (_, k) => k)
    for (let k = clipped - 1; k > 0; k--) {
      const j = r.int(k + 1)
      const t = perm[k]!
      perm[k] = perm[j]!
      perm[j] = t
    }
    return { start, size: clipped, perm }
  }

  // The tie group of the last block asked for (rows are generated in order, so this nearly always hits).
  private lastBlock = -1
  private lastGroup = { start: 0, size: 0, perm: [] as Array<number> }

  mainTime(i: number): MainTime {
    const b = Math.floor(i / this.block)
    if (b !== this.lastBlock) {
      this.lastGroup = this.tieGroup(b)
      this.lastBlock = b
    }
    const g = this.lastGroup
    const inTie = g.size >= 2 && i >= g.start && i < g.start + g.size
    const owner = inTie ? g.start : i
    const r = new Rng(key(this.seed, S_TIME, owner))
    const us = this.slotTime(owner, this.step, r.u32())
    const forced = this.catalog.get(owner)
    const spelling = (forced && FORCED_SPELLING[forced]) ?? drawSpelling(r)
    const createdAt = formatTime(us, spelling, r.u32())
    // Tie members get distinct clock ids in shuffled order, so uri order differs from insertion order.
    const clock = inTie ? 8 * (r.u32() % 120) + g.perm[i - g.start]! : r.int(1024)
    return { us, createdAt, clock, startsTie: inTie && i === g.start }
  }

  mainUri(i: number): string {
    const t = this.mainTime(i)
    return postUri(this.did, tid(t.us, t.clock))
  }

  // -- other DIDs --------------------------------------------------------------

  /**
   * Other DID post k: its rkey time comes from its own slot (strictly
   * increasing, so rkeys are unique); its created_at is a time of its own or,
   * for a quarter of the posts, exactly the created_at of some main-DID post.
   */
  private otherTime(d: number, k: number): { rkeyUs: number; us: number; createdAt: string; clock: number } {
    const r = new Rng(key(this.seed, S_OTHER + d, k))
    const own = this.slotTime(k, this.otherStep, r.u32())
    const clock = r.int(1024)
    if (this.n > 0 && r.chance(0.25)) {
      const main = this.mainTime(r.int(this.n))
      return { rkeyUs: own, us: main.us, createdAt: main.createdAt, clock }
    }
    return { rkeyUs: own, us: own, createdAt: formatTime(own, drawSpelling(r), r.u32()), clock }
  }

  private otherUri(d: number, k: number): string {
    const t = this.otherTime(d, k)
    return postUri(this.others[d]!, tid(t.rkeyUs, t.clock))
  }

  // -- rows --------------------------------------------------------------------

  // The row being built: the main DID (curOther -1) or other DID curOther, and its index.
  private curOther = -1
  private curIndex = 0
  private curDid = ""
  private curUri = ""
  private curUs = 0
  private curArchived = ""
  private curMedia: Array<MediaRow> = []
  private lastSession = -1
  private lastSessionText = ""

  mainRow(i: number): Row {
    const t = this.mainTime(i)
    if (t.startsTie) this.tieGroups++
    this.begin(-1, i, this.did, t.us)
    return this.build(new Rng(key(this.seed, S_ROW, i)), t.createdAt, t.us, t.clock, this.catalog.get(i))
  }

  otherRow(d: number, k: number): Row {
    const t = this.otherTime(d, k)
    this.begin(d, k, this.others[d]!, t.us)
    return this.build(new Rng(key(this.seed, S_OTHER + d, k + 0x40000000)), t.createdAt, t.rkeyUs, t.clock, undefined)
  }

  *rows(): Generator<Row> {
    for (let i = 0; i < this.n; i++) yield this.mainRow(i)
    for (let d = 0; d < this.others.length; d++) {
      for (let k = 0; k < this.otherN; k++) yield this.otherRow(d, k)
    }
  }

  private begin(other: number, index: number, did: string, us: number): void {
    this.curOther = other
    this.curIndex = index
    this.curDid = did
    this.curUs = us
    this.curMedia = []
    const session = Math.floor((us - START_US) / SESSION_US)
    if (session !== this.lastSession) {
      this.lastSession = session
      this.lastSessionText = sessionText(this.seed, session)
    }
    this.curArchived = this.lastSessionText
  }

  /** An earlier post of the same DID, or null for its first post. */
  private selfParent(r: Rng): string | null {
    const i = this.curIndex
    if (i === 0) return null
    return this.curOther < 0
      ? this.mainUri(Math.max(0, i - 1 - r.int(30)))
      : this.otherUri(this.curOther, Math.max(0, i - 1 - r.int(10)))
  }

  /** A uri of some post not in the archive, before the current one. */
  private strangerUri(r: Rng): string {
    const when = Math.max(START_US - 86400e6 * 30, this.curUs - r.range(1, 30 * 86400) * 1_000_000)
    return postUri(r.pick(this.strangers), tid(when, r.int(1024)))
  }

  private handle(did: string): string {
    return did === this.did ? "demo" : did === this.others[0] ? "demo-two" : `user${stringKey(did) % 1000}`
  }

  private text(r: Rng, force: Force | undefined): string {
    const f = (c: Force) => force === c
    if (f("long") || r.chance(0.00005)) return longText(r)
    if (f("empty") || r.chance(0.002)) return ""
    let text = sentence(r, shortLength(r))
    const x = r.next()
    if (f("cjk") || (force === undefined && x < 0.03)) text = r.pick(CJK) + (r.chance(0.5) ? r.pick(CJK) : "")
    else if (f("rtl") || (force === undefined && x < 0.045)) text = r.pick(RTL) + (r.chance(0.5) ? " " + text.slice(0, 40) : "")
    if (f("quotes") || r.chance(0.04)) text = `She said "${text.slice(0, 60)}" and then ""double"" quotes`
    if (f("commas") || r.chance(0.02)) text = `Hello, world, ${text}, again`
    if (f("emoji") || f("zwj") || r.chance(0.06)) text += " " + (f("zwj") ? EMOJI[r.int(5)]! : r.pick(EMOJI))
    if (f("lf") || f("crlf") || f("cr") || r.chance(0.05)) {
      const nl = f("lf") ? "\n" : f("crlf") ? "\r\n" : f("cr") ? "\r" : r.pick(NEWLINES)
      text = text + nl + sentence(r, r.range(10, 80))
    }
    if (f("eq") || f("plus") || f("minus") || f("at") || r.chance(0.008)) {
      const lead = f("eq") ? LEADING[r.int(2)]! : f("plus") ? LEADING[2 + r.int(2)]! : f("minus") ? LEADING[4]! :
        f("at") ? LEADING[5]! : r.pick(LEADING)
      text = lead + " " + text
    }
    if (f("odd") || r.chance(0.003)) text = r.pick(ODD) + " " + text
    return text
  }

  private images(r: Rng, count: number): object {
    const did = this.curDid
    const out: Array<object> = []
    for (let k = 0; k < count; k++) {
      // The media hash is the sha-256 of the "file"; the blob CID holds the same digest, as on Bluesky.
      const digest = sha256(`${this.curUri}#${k}`)
      const png = r.chance(0.15)
      const ext = png ? "png" : "jpeg"
      const blob = cid(0x55, digest)
      const hex = digest.toString("hex")
      const dims = r.chance(0.85) ? r.pick(ASPECTS) : null
      const alt = r.chance(0.55) ? "" : sentence(r, r.range(5, 60))
      const thumb = `https://cdn.bsky.app/img/feed_thumbnail/plain/${did}/${blob}@${ext}`
      const fullsize = `https://cdn.bsky.app/img/feed_fullsize/plain/${did}/${blob}@${ext}`
      out.push(dims === null ? { thumb, fullsize, alt } : { thumb, fullsize, alt, aspectRatio: { height: dims[1], width: dims[0] } })
      this.curMedia.push({
        hash: hex,
        post_uri: this.curUri,
        mime_type: png ? "image/png" : "image/jpeg",
        file_path: `media/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}.${png ? "png" : "jpg"}`,
        size_bytes: r.range(20_000, 1_900_000),
        width: dims === null ? null : dims[0],
        height: dims === null ? null : dims[1],
        alt_text: alt,
        created_at: this.curArchived
      })
    }
    return { $type: "app.bsky.embed.images#view", images: out }
  }

  private video(r: Rng): object {
    const did = this.curDid
    const c = randomBlobCid(r)
    const v: Record<string, unknown> = {
      $type: "app.bsky.embed.video#view",
      cid: c,
      playlist: `https://video.bsky.app/watch/${encodeURIComponent(did)}/${c}/playlist.m3u8`,
      thumbnail: `https://video.cdn.bsky.app/hls/${did}/${c}/thumbnail.jpg`,
      aspectRatio: r.chance(0.5) ? { height: 1080, width: 1920 } : { height: 1920, width: 1080 }
    }
    if (r.chance(0.3)) v.alt = sentence(r, r.range(5, 40))
    return v
  }

  private external(r: Rng, withThumb: boolean): object {
    const e: Record<string, unknown> = {
      uri: r.pick(LINKS),
      title: r.chance(0.2) ? `Title, with "quotes"` : sentence(r, r.range(10, 50)),
      description: r.chance(0.3) ? "" : sentence(r, r.range(20, 120))
    }
    if (withThumb) e.thumb = `https://cdn.bsky.app/img/feed_thumbnail/plain/${this.curDid}/${randomBlobCid(r)}@jpeg`
    return { $type: "app.bsky.embed.external#view", external: e }
  }

  private quoted(r: Rng, notFound: boolean): object {
    const qUri = (r.chance(0.5) ? this.selfParent(r) : null) ?? this.strangerUri(r)
    if (notFound) return { $type: "app.bsky.embed.record#viewNotFound", uri: qUri, notFound: true }
    const qDid = qUri.slice(5, qUri.indexOf("/", 5))
    const when = formatTime(this.curUs - r.range(60, 30 * 86400) * 1_000_000, "ms", 0)
    const handle = this.handle(qDid)
    return {
      $type: "app.bsky.embed.record#viewRecord",
      uri: qUri,
      cid: randomRecordCid(r),
      author: { did: qDid, handle: `${handle}.bsky.social`, displayName: handle },
      value: { $type: "app.bsky.feed.post", createdAt: when, langs: ["en"], text: sentence(r, r.range(10, 120)) },
      labels: [],
      likeCount: r.int(50),
      replyCount: r.int(5),
      repostCount: r.int(10),
      quoteCount: r.int(3),
      indexedAt: when
    }
  }

  private labels(r: Rng, force: Force | undefined): string | null {
    const x = r.next()
    if (force === "labelsEmpty" || (force === undefined && x < 0.04)) return "[]"
    if (force === "labelsNull" || (force === undefined && x < 0.05)) return "null"
    if (force === "labelsArray" || (force === undefined && x < 0.08)) {
      const cidText = randomRecordCid(r)
      const ls: Array<object> = []
      for (let k = r.range(1, 2); k > 0; k--) {
        const common = {
          src: k === 1 ? this.curDid : "did:plc:ar7c4by46qjdydhdevvrndac",
          uri: this.curUri,
          cid: cidText,
          val: r.pick(LABEL_VALUES),
          cts: formatTime(this.curUs + r.range(1, 86400) * 1_000_000, "ms", 0)
        }
        ls.push(k === 1 ? common : { ...common, neg: false, ver: 1 })
      }
      return JSON.stringify(ls)
    }
    return null
  }

  private build(r: Rng, createdAt: string, rkeyUs: number, clock: number, force: Force | undefined): Row {
    const f = (c: Force) => force === c
    const did = this.curDid
    const us = this.curUs
    const uri = postUri(did, tid(rkeyUs, clock))
    this.curUri = uri
    const text = this.text(r, force)

    // Reply
    let isReply: 0 | 1 = 0
    let replyParent = ""
    if (f("replyNoParent")) isReply = 1
    else if (f("parentNoReply")) replyParent = this.strangerUri(r)
    else if (f("replySelf") || f("replyExternal") || r.chance(0.2)) {
      isReply = 1
      const x = r.next()
      const self = f("replySelf") || (!f("replyExternal") && x < 0.45) ? this.selfParent(r) : null
      replyParent = self ??
        (!f("replyExternal") && x < 0.6 && this.curOther < 0 && this.others.length > 0 && this.otherN > 0
          ? this.otherUri(r.int(this.others.length), r.int(this.otherN))
          : this.strangerUri(r))
    }

    // Embed
    let embedType = ""
    let embedData: string | null = null
    let hasMedia: 0 | 1 = 0
    let kind: Force | "imgN" | undefined = force
    if (kind === undefined || !EMBED_FORCES.has(kind)) {
      const x = r.next()
      kind = x < 0.12 ? (r.chance(0.55) ? "img1" : "imgN") : x < 0.17 ? (r.chance(0.6) ? "extThumb" : "extNoThumb") :
        x < 0.22 ? (r.chance(0.97) ? "record" : "recordNotFound") :
        x < 0.25 ? (r.chance(0.7) ? "rwmImages" : r.chance(0.66) ? "rwmVideo" : "rwmExternal") :
        x < 0.28 ? "video" : undefined
    }
    switch (kind) {
      case "img1":
      case "imgN":
      case "img4":
        embedType = "images"
        hasMedia = 1
        embedData = JSON.stringify(this.images(r, kind === "img1" ? 1 : kind === "img4" ? 4 : r.range(2, 4)))
        break
      case "extThumb":
      case "extNoThumb":
        embedType = "external"
        hasMedia = kind === "extThumb" ? 1 : 0
        embedData = JSON.stringify(this.external(r, kind === "extThumb"))
        break
      case "record":
      case "recordNotFound":
        embedType = "record"
        embedData = JSON.stringify({ $type: "app.bsky.embed.record#view", record: this.quoted(r, kind === "recordNotFound") })
        break
      case "rwmImages":
      case "rwmVideo":
      case "rwmExternal": {
        embedType = "record_with_media"
        hasMedia = 1
        const record = { record: this.quoted(r, false) }
        const media = kind === "rwmImages" ? this.images(r, r.range(1, 4)) : kind === "rwmVideo" ? this.video(r) : this.external(r, true)
        embedData = JSON.stringify({ $type: "app.bsky.embed.recordWithMedia#view", record, media })
        break
      }
      case "video":
        embedType = "video"
        hasMedia = 1
        embedData = JSON.stringify(this.video(r))
        break
      case "mediaNull":
        embedType = "images"
        hasMedia = 1
        break
      case "embedNullText":
        embedType = "images"
        hasMedia = 1
        embedData = "null"
        break
    }

    const labels = this.labels(r, force)

    // Counts: mostly small, a few viral, and the catalog's extremes.
    const big = f("count31") ? 2147483647 : f("count32") ? 4294967296 : f("count53") ? 9007199254740991 :
      f("count63") ? 9223372036854775807n : null
    const post: PostRow = {
      uri,
      cid: randomRecordCid(r),
      did,
      text,
      created_at: createdAt,
      indexed_at: indexedAt(r, us),
      has_media: hasMedia,
      like_count: big ?? count(r, 120),
      repost_count: count(r, 30),
      reply_count: count(r, 20),
      quote_count: count(r, 6),
      is_reply: isReply,
      reply_parent: replyParent,
      embed_type: embedType,
      embed_data: embedData,
      labels,
      archived_at: this.curArchived
    }
    return { post, media: this.curMedia }
  }
}

const count = (r: Rng, scale: number): number => {
  if (r.chance(0.002)) return r.range(10_000, 2_000_000)
  const x = r.next()
  return Math.floor(x * x * x * x * scale)
}

const NEWLINES = ["\n", "\n", "\n", "\n\n", "\r\n", "\r"]
const ASPECTS: ReadonlyArray<readonly [number, number]> = [
  [2000, 1500], [1500, 2000], [2000, 2000], [2000, 1125], [1125, 2000], [1200, 630]
]
const LABEL_VALUES = ["porn", "sexual", "nudity", "graphic-media", "!warn", "spam"]
const EMBED_FORCES: ReadonlySet<Force> = new Set<Force>([
  "img1", "img4", "extThumb", "extNoThumb", "record", "recordNotFound", "rwmImages", "rwmVideo", "rwmExternal",
  "video", "mediaNull", "embedNullText"
])

// ---------------------------------------------------------------------------
// Public functions

/**
 * Yields the post rows `seedArchive` writes for these options, in the same
 * order: the main DID's posts (oldest first), then each other DID's posts.
 */
export function* generatePosts(options: SeedOptions): Generator<PostRow> {
  const g = new Synth(resolve(options))
  for (const row of g.rows()) yield row.post
}

/** Yields each post row with the media rows that belong to it, in `seedArchive`'s order. */
export function* generateRows(options: SeedOptions): Generator<SeedRow> {
  yield* new Synth(resolve(options)).rows()
}

/** The other DIDs that `seedArchive` writes for these options. */
export const otherDidsFor = (options: SeedOptions): ReadonlyArray<string> => resolve(options).otherDids

/** Writes the image files of media rows under `root`, leaving every `MISSING_MEDIA_EVERY`th missing. */
const mediaWriter = (root: string) => {
  const made = new Set<string>()
  const counts = { files: 0, missing: 0 }
  const write = (m: MediaRow): void => {
    if ((counts.files + counts.missing) % MISSING_MEDIA_EVERY === 0) {
      counts.missing++
      return
    }
    const file = path.join(root, m.file_path)
    const dir = path.dirname(file)
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true })
      made.add(dir)
    }
    writeFileSync(file, m.mime_type === "image/png" ? Images.png(m.hash) : Images.jpeg(m.hash))
    counts.files++
  }
  return { write, counts }
}

const POST_COLUMNS = "uri, cid, did, text, created_at, indexed_at, has_media, like_count, repost_count, reply_count, " +
  "quote_count, is_reply, reply_parent, embed_type, embed_data, labels, archived_at"
const MEDIA_COLUMNS = "hash, post_uri, mime_type, file_path, size_bytes, width, height, alt_text, created_at"
const BATCH = 10_000

/**
 * Creates the archive at `dbPath` (or opens an existing one) with
 * bskyarchive's schema, writes the rows and adds skyporter's export index.
 * Throws, before writing anything, if the archive already has posts for the
 * main DID or one of the other DIDs. Rows are committed every 10,000 posts,
 * so a failure part-way leaves the rows written so far. With `mediaRoot` it
 * also writes the media rows' image files (see `SeedOptions.mediaRoot`).
 */
export const seedArchive = (dbPath: string, options: SeedOptions): SeedResult => {
  const resolved = resolve(options)
  const db = new Database(dbPath)
  try {
    const hasPosts = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'posts'").get() !== undefined
    if (hasPosts) {
      const has = db.prepare("SELECT 1 FROM posts WHERE did = ? LIMIT 1").pluck()
      for (const d of [resolved.did, ...resolved.otherDids]) {
        if (has.get(d) !== undefined) {
          throw new Error(
            `${dbPath} already has posts for ${d}; seed into a new file or choose another DID` +
              (d === resolved.did ? "" : ` (${d} is one of the other DIDs seeded with ${resolved.did})`)
          )
        }
      }
    }
    // Only for this connection: nothing is synced until the file is closed.
    db.pragma("synchronous = OFF")
    db.pragma("cache_size = -131072")
    db.pragma("temp_store = MEMORY")
    // bskyarchive's tables and indexes first (its indexes are cheap to keep
    // up while rows arrive in created_at order); skyporter's export index
    // after the rows, built in one sort.
    db.exec(ArchiveSchema.DDL)
    const insertPost = db.prepare(`INSERT INTO posts (${POST_COLUMNS}) VALUES (${"?, ".repeat(16)}?)`)
    const insertMedia = db.prepare(`INSERT INTO media (${MEDIA_COLUMNS}) VALUES (${"?, ".repeat(8)}?)`)
    const begin = db.prepare("BEGIN")
    const commit = db.prepare("COMMIT")
    const g = new Synth(resolved)
    const files = options.mediaRoot === undefined ? undefined : mediaWriter(options.mediaRoot)
    let posts = 0
    let otherPosts = 0
    let mediaRows = 0
    let inBatch = 0
    begin.run()
    try {
      for (const { post: p, media } of g.rows()) {
        insertPost.run(
          p.uri, p.cid, p.did, p.text, p.created_at, p.indexed_at, p.has_media, p.like_count, p.repost_count,
          p.reply_count, p.quote_count, p.is_reply, p.reply_parent, p.embed_type, p.embed_data, p.labels,
          p.archived_at
        )
        for (const m of media) {
          insertMedia.run(m.hash, m.post_uri, m.mime_type, m.file_path, m.size_bytes, m.width, m.height, m.alt_text, m.created_at)
          files?.write(m)
        }
        mediaRows += media.length
        if (p.did === resolved.did) posts++
        else otherPosts++
        if (++inBatch === BATCH) {
          commit.run()
          begin.run()
          inBatch = 0
        }
      }
      commit.run()
    } catch (e) {
      if (db.inTransaction) db.exec("ROLLBACK")
      throw e
    }
    db.exec(ArchiveSchema.EXPORT_INDEX)
    return {
      did: resolved.did,
      posts,
      otherPosts,
      otherDids: resolved.otherDids,
      mediaRows,
      mediaFiles: files?.counts.files ?? 0,
      missingMediaFiles: files?.counts.missing ?? 0,
      tieGroups: g.tieGroups
    }
  } finally {
    db.close()
  }
}
