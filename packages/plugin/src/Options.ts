/**
 * Helpers for a plugin's options schema, for plugins that use no schema
 * library: each returns a Standard Schema the core validates through.
 */
import type { StandardSchemaV1 } from "./StandardSchema.js"

/** What an options check reports: the options (filled in), or one message per bad key. */
export type Checked<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey> }> }

/** A schema with the option keys it knows, so the core can name a typo's likely meaning. */
export interface OptionsSchema<Output> extends StandardSchemaV1<Record<string, unknown>, Output> {
  readonly keys: ReadonlyArray<string>
}

/**
 * A Standard Schema from a function of the options object (`{}` when none are
 * given). `keys` are the options it knows; any other key is rejected, each
 * naming the keys allowed, along with whatever `check` reports.
 */
export const optionsSchema = <Output>(
  keys: ReadonlyArray<string>,
  check: (input: Readonly<Record<string, unknown>>) => Checked<Output>
): OptionsSchema<Output> => ({
  keys,
  "~standard": {
    version: 1,
    vendor: "skyporter",
    validate: (input) => {
      if (typeof input !== "object" || input === null || Array.isArray(input)) {
        return { issues: [{ message: "the options must be an object of KEY: VALUE" }] }
      }
      const allowed = keys.length === 0 ? "this format takes no options" : `allowed: ${keys.join(", ")}`
      const unknown = Object.keys(input).filter((key) => !keys.includes(key))
      const checked = check(input as Record<string, unknown>)
      if (unknown.length === 0) return checked
      // Every problem at once: the unknown keys and what `check` found.
      return {
        issues: [
          ...unknown.map((key) => ({ message: `unknown option (${allowed})`, path: [key] })),
          ...(checked.issues ?? [])
        ]
      }
    }
  }
})

/** The options schema of a format that takes none: every key is rejected. */
export const noOptions: OptionsSchema<Record<string, never>> = optionsSchema([], () => ({ value: {} }))

/** A named option's value when it is a boolean (or absent: `fallback`), else an issue to report. */
export const booleanOption = (
  input: Readonly<Record<string, unknown>>,
  key: string,
  fallback: boolean,
  issues: Array<{ message: string; path: Array<PropertyKey> }>
): boolean => {
  const value = input[key]
  if (value === undefined) return fallback
  if (typeof value === "boolean") return value
  issues.push({ message: `expected true or false, got ${JSON.stringify(value)}`, path: [key] })
  return fallback
}
