export * as Api from "./Api.js"
export * as Auth from "./Auth.js"
export * as Http from "./Http.js"
export * as Server from "./Server.js"
