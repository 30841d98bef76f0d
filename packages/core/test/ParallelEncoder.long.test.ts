/**
 * The rest of ParallelEncoder.test.ts's thread matrices (test/parallel-matrix.ts): the same bytes
 * on more thread counts, chunk and batch sizes. The loop keeps two sizes of each.
 */
import { describe } from "vitest"
import { hostileKeyChunks, sameBytesOnThreads, sortedKeyChunks } from "./parallel-matrix.js"

describe("Export of a concurrent format", () => {
  sameBytesOnThreads([
    [1, 500, 100],
    [2, 500, 100],
    [4, 7, 3]
  ])
})

describe("Chunks found from the previous chunk's last row", () => {
  hostileKeyChunks([
    [2, 3, 2],
    [3, 7, 5],
    [2, 50, 20]
  ])

  sortedKeyChunks([
    [2, 5, 7],
    [4, 10, 10]
  ])
})
