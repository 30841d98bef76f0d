/** Post texts: words, punctuation, tags, mentions, links, emoji and scripts of several directions. */
import type { Force } from "./Catalog.js"
import { Rng } from "./Random.js"

export const WORDS = (
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

export const TAGS = ["#bluesky", "#atproto", "#photography", "#caturday", "#til", "#opensource", "#skyporter"]
export const MENTIONS = ["@alice.bsky.social", "@bob.example.com", "@carol.test"]
export const LINKS = ["https://example.com/post/1", "https://example.org/a?b=1&c=2", "https://bsky.app/profile/x"]

export const EMOJI = [
  "👩‍💻",
  "👨‍👩‍👧‍👦",
  "🏳️‍🌈",
  "🧑🏽‍🚀",
  "❤️‍🔥",
  "👍🏽",
  "👋🏿",
  "🇯🇵",
  "🇧🇷",
  "🇺🇦",
  "1️⃣",
  "#️⃣",
  "🚀",
  "✨",
  "😂",
  "🦋",
  "☕",
  "🌧️"
]
export const CJK = [
  "今日はいい天気ですね。",
  "新しいアーカイブを作りました！",
  "我喜欢写代码，也喜欢喝茶。",
  "这是一个测试。",
  "한국어 텍스트입니다.",
  "東京、大阪、京都（関西）",
  "「引用」と『二重引用』",
  "全角！？：；"
]
export const RTL = ["مرحبا بالعالم", "هذا اختبار للنص العربي", "שלום עולם", "זה טקסט בעברית", "سلام 123 עולם"]
export const ODD = [
  "tab\there",
  "back\\slash and \\n typed",
  "<b>&amp;</b> <script>x</script>",
  "line\u2028separator",
  "it's an apostrophe's day",
  "a,b,c,,d",
  "price: 5€ / £4 / ¥600",
  "combining: e\u0301 a\u0308 n\u0303"
]
export const LEADING = [
  "=SUM(A1:A9)",
  "=1+2",
  "+1 agreed",
  "+33 6 12 34 56 78",
  "-5 degrees outside",
  "@alice.bsky.social"
]

export const CAPITALIZED = WORDS.map((w) => w[0]!.toUpperCase() + w.slice(1))
export const WITH_COMMA = WORDS.map((w) => w + ",")
export const WITH_PERIOD = WORDS.map((w) => w + ".")

export const words: Array<string> = []
/** Words (with some punctuation, tags, mentions and links) up to at least `target` characters. */
export const sentence = (r: Rng, target: number): string => {
  words.length = 0
  let k = r.int(WORDS.length)
  words.push(CAPITALIZED[k]!)
  let n = CAPITALIZED[k]!.length
  while (n < target) {
    const x = r.next()
    k = r.int(WORDS.length)
    const w =
      x < 0.08
        ? WITH_COMMA[k]!
        : x < 0.11
          ? WITH_PERIOD[k]!
          : x < 0.115
            ? TAGS[k % TAGS.length]!
            : x < 0.118
              ? MENTIONS[k % MENTIONS.length]!
              : x < 0.12
                ? LINKS[k % LINKS.length]!
                : WORDS[k]!
    words.push(w)
    n += w.length + 1
  }
  return words.join(" ")
}

export const shortLength = (r: Rng): number => (r.chance(0.75) ? r.range(20, 140) : r.range(140, 280))

export const longText = (r: Rng): string => {
  const parts: Array<string> = []
  let n = 0
  while (n < 5000) {
    const p = sentence(r, r.range(200, 600)) + (r.chance(0.3) ? " " + r.pick(EMOJI) : "")
    parts.push(p)
    n += p.length + 2
  }
  return parts.join("\n\n")
}
export const NEWLINES = ["\n", "\n", "\n", "\n\n", "\r\n", "\r"]

export const postText = (r: Rng, force: Force | undefined): string => {
  const f = (c: Force) => force === c
  if (f("long") || r.chance(0.00005)) return longText(r)
  if (f("empty") || r.chance(0.002)) return ""
  let text = sentence(r, shortLength(r))
  const x = r.next()
  if (f("cjk") || (force === undefined && x < 0.03)) text = r.pick(CJK) + (r.chance(0.5) ? r.pick(CJK) : "")
  else if (f("rtl") || (force === undefined && x < 0.045)) {
    text = r.pick(RTL) + (r.chance(0.5) ? " " + text.slice(0, 40) : "")
  }
  if (f("quotes") || r.chance(0.04)) text = `She said "${text.slice(0, 60)}" and then ""double"" quotes`
  if (f("commas") || r.chance(0.02)) text = `Hello, world, ${text}, again`
  if (f("emoji") || f("zwj") || r.chance(0.06)) text += " " + (f("zwj") ? EMOJI[r.int(5)]! : r.pick(EMOJI))
  if (f("lf") || f("crlf") || f("cr") || r.chance(0.05)) {
    const nl = f("lf") ? "\n" : f("crlf") ? "\r\n" : f("cr") ? "\r" : r.pick(NEWLINES)
    text = text + nl + sentence(r, r.range(10, 80))
  }
  if (f("eq") || f("plus") || f("minus") || f("at") || r.chance(0.008)) {
    const lead = f("eq")
      ? LEADING[r.int(2)]!
      : f("plus")
        ? LEADING[2 + r.int(2)]!
        : f("minus")
          ? LEADING[4]!
          : f("at")
            ? LEADING[5]!
            : r.pick(LEADING)
    text = lead + " " + text
  }
  if (f("odd") || r.chance(0.003)) text = r.pick(ODD) + " " + text
  return text
}
