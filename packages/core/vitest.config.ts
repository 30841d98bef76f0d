import { suiteConfig } from "../../vitest.shared.mts"

export default suiteConfig()
