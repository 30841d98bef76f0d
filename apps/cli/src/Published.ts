/** Set once an export's result was printed or an import committed: the run succeeded even if a signal arrives after. */
export const published = { value: false }
