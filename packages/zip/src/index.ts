export * as ZipWriter from "./ZipWriter.js"
export { ZipError } from "./ZipWriter.js"
