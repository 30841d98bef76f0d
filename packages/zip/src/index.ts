export * as ZipFile from "./ZipFile.js"
export * as ZipWriter from "./ZipWriter.js"
export { ZipError } from "./ZipWriter.js"
