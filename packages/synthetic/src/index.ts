export * from "./Synthetic.js"
export * as Images from "./Images.js"
