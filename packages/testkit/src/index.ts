export * as Compat from "./Compat.js"
export * as Synthetic from "./Synthetic.js"
