/** Failures of an archive being written, and how system errors become them. */

/** Why an entry or the archive failed; `source` when the entry's content was at fault (the archive is intact). */
export class Failure extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly source: boolean
  ) {
    super(message)
  }
}

export const describe = (e: unknown): string => {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code
    return typeof code === "string" && !e.message.includes(code) ? `${e.message} (${code})` : e.message
  }
  return String(e)
}

export const codeOf = (e: unknown): string | undefined => {
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  return typeof code === "string" ? code : undefined
}

/** Runs `f`; a system error becomes a Failure saying `what`. */
export const guard = async <A>(what: string, source: boolean, f: () => Promise<A>): Promise<A> => {
  try {
    return await f()
  } catch (e) {
    if (e instanceof Failure) throw e
    throw new Failure(`${what}: ${describe(e)}`, codeOf(e), source)
  }
}
