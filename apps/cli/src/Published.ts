/** Set once an export's result was printed: the run succeeded even if a signal arrives after. */
export const published = { value: false }
