export * from "./Errors.js"
export * as ExportId from "./ExportId.js"
export * as JobManager from "./JobManager.js"
export * as Store from "./Store.js"
