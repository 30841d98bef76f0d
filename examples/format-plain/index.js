// skyporter-format-plain: a skyporter format plugin (API 2) with no
// dependencies at all. Copy this folder anywhere and run
//
//   skyporter export --db archive.db --did DID --plugin ./format-plain --format plain
//
// The plugin is a plain object; its options schema is a Standard Schema
// (https://standardschema.dev) written by hand: an object with `~standard`.

const KEYS = ["separator", "dates"]

/** Checks and fills in the options: every problem is reported, each naming its key. */
const validate = (input) => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { issues: [{ message: "the options must be an object" }] }
  }
  const issues = []
  for (const key of Object.keys(input)) {
    if (!KEYS.includes(key)) issues.push({ message: `unknown option (allowed: ${KEYS.join(", ")})`, path: [key] })
  }
  const separator = input.separator ?? "---"
  if (typeof separator !== "string" || separator.includes("\n") || separator.length > 80) {
    issues.push({ message: "expected one line of text (at most 80 characters)", path: ["separator"] })
  }
  const dates = input.dates ?? true
  if (typeof dates !== "boolean") issues.push({ message: "expected true or false", path: ["dates"] })
  return issues.length > 0 ? { issues } : { value: { separator, dates } }
}

/** One post: its date line (optional), its text with line ends kept as LF, then the separator line. */
export const block = (post, options) => {
  const date = post.createdAt.valid ? post.createdAt.seconds + post.createdAt.offset : post.createdAt.text
  const text = post.text.replace(/\r\n?/g, "\n")
  return (options.dates ? `${date}\n` : "") + text + "\n" + options.separator + "\n"
}

const plugin = {
  name: "plain",
  version: "1.0.0",
  extension: "txt",
  mediaType: "text/plain; charset=utf-8",
  description: "Plain text: one block per post (example plugin, no dependencies)",
  apiVersion: 2,
  options: { keys: KEYS, "~standard": { version: 1, vendor: "skyporter-format-plain", validate } },
  make: (options) => ({
    write: (batch) => batch.map((post) => block(post, options)).join("")
  }),
  // Each block depends on its post alone, so threads may encode parts of one export.
  concurrent: true
}

export default plugin
