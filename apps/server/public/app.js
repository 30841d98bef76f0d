// The skyporter web page: a small client of the JSON API. No build step, no
// inline code (the server's Content-Security-Policy forbids it).
//
// Live progress uses fetch() streaming of the SSE endpoint rather than
// EventSource, because EventSource cannot send the Authorization header;
// downloads use a short-lived signed link for the same reason.

const TOKEN_KEY = "skyporter.token"
const PAGE_SIZE = 20

const $ = (id) => document.getElementById(id)

const state = {
  exports: new Map(), // id → item
  order: [], // ids, newest first
  nextCursor: null,
  watchers: new Map(), // id → AbortController
  rates: new Map(), // id → { at, processed, rate }
  formats: []
}

// ---------------------------------------------------------------------------
// API

class ApiError extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

const token = () => sessionStorage.getItem(TOKEN_KEY)

const headers = (extra = {}) => {
  const h = { ...extra }
  const t = token()
  if (t) h.authorization = `Bearer ${t}`
  return h
}

async function api(method, path, body) {
  const init = { method, headers: headers(body === undefined ? {} : { "content-type": "application/json" }) }
  if (body !== undefined) init.body = JSON.stringify(body)
  const res = await fetch(path, init)
  if (res.status === 204) return null
  const data = await res.json().catch(() => null)
  if (!res.ok) {
    const error = new ApiError(res.status, data?.error?.code ?? "error", data?.error?.message ?? `HTTP ${res.status}`)
    if (res.status === 401) askToken()
    throw error
  }
  return data
}

// ---------------------------------------------------------------------------
// Formatting

const numberFormat = new Intl.NumberFormat()
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" })

export const humanSize = (bytes) => {
  if (bytes === null || bytes === undefined) return ""
  const units = ["B", "KB", "MB", "GB", "TB"]
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

export const relativeTime = (iso) => {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000
  const steps = [
    [60, "second"],
    [60, "minute"],
    [24, "hour"],
    [7, "day"],
    [4.35, "week"],
    [12, "month"],
    [Infinity, "year"]
  ]
  let value = seconds
  for (const [size, unit] of steps) {
    if (Math.abs(value) < size) return relative.format(Math.round(value), unit)
    value /= size
  }
  return iso
}

const duration = (seconds) => {
  if (!Number.isFinite(seconds) || seconds < 0) return "—"
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`
}

const dateRange = (range) => {
  if (!range || (range.since === null && range.until === null)) return "all posts"
  if (range.since === null) return `until ${range.until}`
  if (range.until === null) return `from ${range.since}`
  return `${range.since} → ${range.until}`
}

const shortDid = (did) => (did.length > 32 ? `${did.slice(0, 20)}…${did.slice(-8)}` : did)

// ---------------------------------------------------------------------------
// Rendering

const template = $("export-item")

function percent(p) {
  if (p.status === "completed") return 100
  if (!p.posts_total) return 0
  const total = p.posts_total + p.media_total
  return Math.min(100, Math.floor(((p.posts_processed + p.media_copied) / total) * 100))
}

function progressText(item) {
  const p = item.progress
  if (p.status === "queued") return "Waiting for a free slot…"
  if (p.status === "completed") return `${numberFormat.format(p.posts_processed)} posts · done`
  const rate = state.rates.get(item.id)?.rate ?? 0
  const left = p.posts_total - p.posts_processed
  const parts = [`${numberFormat.format(p.posts_processed)} / ${numberFormat.format(p.posts_total)} posts`]
  if (p.media_total > 0) {
    parts.push(`${numberFormat.format(p.media_copied)} / ${numberFormat.format(p.media_total)} media`)
  }
  parts.push(`${numberFormat.format(Math.round(rate))} posts/s`)
  parts.push(rate > 0 ? `ETA ${duration(left / rate)}` : "ETA —")
  return parts.join(" · ")
}

function metaText(item) {
  const parts = [dateRange(item.date_range)]
  if (item.status === "completed") {
    parts.push(`${numberFormat.format(item.post_count)} posts`)
    if (item.media_count > 0) parts.push(`${numberFormat.format(item.media_count)} media`)
    parts.push(humanSize(item.size_bytes))
    parts.push(`finished ${relativeTime(item.completed_at)}`)
  } else {
    parts.push(`requested ${relativeTime(item.created_at)}`)
  }
  return parts.join(" · ")
}

function renderItem(item) {
  let li = document.querySelector(`li[data-export-id="${CSS.escape(item.id)}"]`)
  if (!li) {
    li = template.content.firstElementChild.cloneNode(true)
    li.dataset.exportId = item.id
    li.querySelector(".download").addEventListener("click", () => download(item.id))
    li.querySelector(".delete").addEventListener("click", () => confirmDelete(item.id))
  }
  const p = item.progress
  const badge = li.querySelector(".badge")
  badge.textContent = item.status
  badge.className = `badge ${item.status}`
  li.querySelector(".export-format").textContent = item.format
  const did = li.querySelector(".export-did")
  did.textContent = shortDid(item.did)
  did.title = item.did
  li.querySelector(".export-meta").textContent = metaText(item)
  const progress = li.querySelector(".progress")
  const showBar = item.status === "queued" || item.status === "running" || item.status === "completed"
  progress.hidden = !showBar
  if (showBar) {
    const value = percent(p)
    const bar = li.querySelector(".bar")
    bar.setAttribute("aria-valuenow", String(value))
    bar.setAttribute("aria-label", `Export progress ${value}%`)
    bar.querySelector(".fill").style.width = `${value}%`
    progress.classList.toggle("done", item.status === "completed")
    li.querySelector(".progress-text").textContent = `${value}% · ${progressText(item)}`
  }
  const error = li.querySelector(".export-error")
  error.hidden = !p.error
  error.textContent = p.error
    ? `Failed while ${p.error.stage === "write" ? "writing" : p.error.stage}: ${p.error.message}`
    : ""
  li.querySelector(".download").hidden = item.status !== "completed"
  li.querySelector(".delete").textContent = item.status === "queued" || item.status === "running" ? "Cancel" : "Delete"
  return li
}

function renderList() {
  const list = $("exports")
  const wanted = state.order.map((id) => renderItem(state.exports.get(id)))
  for (const li of Array.from(list.children)) if (!wanted.includes(li)) li.remove()
  wanted.forEach((li, i) => {
    if (list.children[i] !== li) list.insertBefore(li, list.children[i] ?? null)
  })
  $("empty").hidden = state.order.length > 0
  $("more").hidden = state.nextCursor === null
}

// ---------------------------------------------------------------------------
// Live progress (SSE over fetch, resumable with Last-Event-ID)

function noteProgress(id, snapshot) {
  const now = performance.now()
  const previous = state.rates.get(id)
  if (!previous) {
    state.rates.set(id, { at: now, processed: snapshot.posts_processed, rate: 0 })
    return
  }
  const dt = (now - previous.at) / 1000
  if (dt < 0.2) return
  const instant = (snapshot.posts_processed - previous.processed) / dt
  const rate = previous.rate === 0 ? instant : previous.rate * 0.7 + instant * 0.3
  state.rates.set(id, { at: now, processed: snapshot.posts_processed, rate })
}

async function watch(id) {
  if (state.watchers.has(id)) return
  const controller = new AbortController()
  state.watchers.set(id, controller)
  let lastEventId
  let finished = false
  try {
    for (let attempt = 0; !finished && attempt < 20; attempt++) {
      try {
        const res = await fetch(`/api/exports/${id}/events`, {
          headers: headers(lastEventId === undefined ? {} : { "last-event-id": lastEventId }),
          signal: controller.signal
        })
        if (res.status === 401) return askToken()
        if (!res.ok) return
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ""
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buffer += value
          let end
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const event = { type: "message", data: "" }
            for (const line of block.split("\n")) {
              if (line.startsWith("id: ")) lastEventId = line.slice(4)
              else if (line.startsWith("event: ")) event.type = line.slice(7)
              else if (line.startsWith("data: ")) event.data += line.slice(6)
            }
            if (!event.data) continue
            const snapshot = JSON.parse(event.data)
            const item = state.exports.get(id)
            if (item) {
              noteProgress(id, snapshot)
              // The final event carries only the snapshot: the finished item
              // (counts, size, time) is rendered by the refresh that follows.
              if (event.type === "progress") {
                item.progress = snapshot
                item.status = snapshot.status
                renderItem(item)
              }
            }
            if (event.type !== "progress") finished = true
          }
        }
      } catch {
        if (controller.signal.aborted) return
      }
      if (!finished) await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  } finally {
    state.watchers.delete(id)
    if (finished) refresh()
  }
}

// ---------------------------------------------------------------------------
// Actions

async function refresh() {
  try {
    const page = await api("GET", `/api/exports?limit=${Math.max(PAGE_SIZE, state.order.length)}`)
    state.exports = new Map(page.exports.map((e) => [e.id, e]))
    state.order = page.exports.map((e) => e.id)
    state.nextCursor = page.next_cursor
    renderList()
    for (const e of page.exports) if (e.status === "queued" || e.status === "running") watch(e.id)
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) console.error(error)
  }
}

async function loadMore() {
  if (state.nextCursor === null) return
  const page = await api("GET", `/api/exports?limit=${PAGE_SIZE}&cursor=${encodeURIComponent(state.nextCursor)}`)
  for (const e of page.exports) {
    if (!state.exports.has(e.id)) state.order.push(e.id)
    state.exports.set(e.id, e)
  }
  state.nextCursor = page.next_cursor
  renderList()
}

async function loadFormats() {
  const { formats } = await api("GET", "/api/formats")
  state.formats = formats
  const select = $("format")
  select.replaceChildren(...formats.map((f) => new Option(`${f.name.toUpperCase()} (.${f.extension})`, f.name)))
  formatHint()
}

function formatHint() {
  const f = state.formats.find((x) => x.name === $("format").value)
  $("format-hint").textContent = f ? f.description : ""
}

function showFormError(message) {
  const el = $("form-error")
  el.textContent = message
  el.hidden = !message
}

async function submit(event) {
  event.preventDefault()
  showFormError("")
  const body = { did: $("did").value.trim(), format: $("format").value }
  if ($("since").value) body.since = $("since").value
  if ($("until").value) body.until = $("until").value
  if ($("include-media").checked) body.include_media = true
  if (!body.did) return showFormError("Enter the DID of the account to export (did:plc:…).")
  const button = $("export-button")
  button.disabled = true
  try {
    const item = await api("POST", "/api/exports", body)
    state.exports.set(item.id, item)
    state.order = [item.id, ...state.order.filter((id) => id !== item.id)]
    renderList()
    watch(item.id)
  } catch (error) {
    if (error instanceof ApiError && error.status !== 401) showFormError(error.message)
  } finally {
    button.disabled = false
  }
}

async function download(id) {
  try {
    const link = await api("POST", `/api/exports/${id}/download-link`)
    const a = document.createElement("a")
    a.href = link.url
    a.download = ""
    document.body.append(a)
    a.click()
    a.remove()
  } catch (error) {
    alertError(error)
  }
}

let pendingDelete = null

function confirmDelete(id) {
  const item = state.exports.get(id)
  if (!item) return
  pendingDelete = id
  const running = item.status === "queued" || item.status === "running"
  $("confirm-title").textContent = running ? "Cancel this export?" : "Delete this export?"
  $("confirm-text").textContent = running
    ? `The ${item.format.toUpperCase()} export of ${item.did} stops and nothing is kept.`
    : `The ${item.format.toUpperCase()} export of ${item.did} (${humanSize(
        item.size_bytes
      )}) is removed from the server. This cannot be undone.`
  $("confirm-delete").textContent = running ? "Cancel export" : "Delete"
  $("confirm-dialog").showModal()
}

async function onConfirmClosed() {
  const id = pendingDelete
  pendingDelete = null
  if ($("confirm-dialog").returnValue !== "confirm" || id === null) return
  try {
    state.watchers.get(id)?.abort()
    await api("DELETE", `/api/exports/${id}`)
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) alertError(error)
  }
  state.exports.delete(id)
  state.order = state.order.filter((x) => x !== id)
  renderList()
  refresh()
}

function alertError(error) {
  if (error instanceof ApiError && error.status === 401) return
  showFormError(error.message)
}

// ---------------------------------------------------------------------------
// Token (only when the server has --auth)

function askToken(message) {
  const dialog = $("token-dialog")
  $("token-error").hidden = !message
  $("token-error").textContent = message ?? ""
  if (!dialog.open) dialog.showModal()
}

async function onToken(event) {
  event.preventDefault()
  const value = $("token").value.trim()
  if (!value) return
  sessionStorage.setItem(TOKEN_KEY, value)
  const res = await fetch("/api/session", { headers: headers() })
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY)
    $("token-error").textContent = "That token is not valid on this server."
    $("token-error").hidden = false
    return
  }
  $("token").value = ""
  showSession(await res.json())
  $("token-dialog").close()
  await Promise.all([loadFormats(), refresh()])
}

function showSession(session) {
  $("session").hidden = !session.auth
  $("session-who").textContent = session.did === "*" ? "all accounts" : session.did
  if (session.did !== "*") {
    $("did").value = session.did
    $("did").readOnly = true
  }
}

// The archive's accounts, offered in a list; "Another DID…" keeps the text box for any other.
const OTHER = "__other__"

function accountLabel(account) {
  const posts = `${numberFormat.format(account.posts)} ${account.posts === 1 ? "post" : "posts"}`
  return account.handle ? `@${account.handle} · ${posts} · ${account.did}` : `${account.did} · ${posts}`
}

function onAccountChosen() {
  const value = $("account").value
  $("did-field").hidden = value !== OTHER
  $("did").value = value === OTHER ? "" : value
}

// Several loads may be in flight (the page's first, one after an import): only the latest
// fills the list, so a slow earlier answer never undoes the account an import just chose.
let accountsLoad = 0

async function loadAccounts(choose) {
  const load = ++accountsLoad
  let accounts
  try {
    accounts = (await api("GET", "/api/accounts")).accounts
  } catch {
    return
  }
  if (load !== accountsLoad || accounts.length === 0) return
  const select = $("account")
  const wanted = choose ?? select.value
  select.replaceChildren(
    ...accounts.map((account) => new Option(accountLabel(account), account.did)),
    new Option("Another DID…", OTHER)
  )
  if (accounts.some((account) => account.did === wanted)) select.value = wanted
  $("account-field").hidden = false
  onAccountChosen()
}

// ---------------------------------------------------------------------------
// Import: the CAR file itself is the body, streamed by the browser.

function showImport(message, isError) {
  $("import-error").hidden = !isError
  $("import-status").hidden = isError || !message
  $(isError ? "import-error" : "import-status").textContent = message
}

async function importCar(event) {
  event.preventDefault()
  const file = $("car-file").files[0]
  if (!file) return showImport("Choose a repository file (.car) first.", true)
  $("import-button").disabled = true
  showImport(`Uploading and importing ${file.name} (${humanSize(file.size)})…`, false)
  try {
    const res = await fetch("/api/imports", {
      method: "POST",
      headers: headers({ "content-type": "application/vnd.ipld.car" }),
      body: file
    })
    const data = await res.json().catch(() => null)
    if (!res.ok) {
      if (res.status === 401) askToken()
      return showImport(data?.error?.message ?? `the import failed (HTTP ${res.status})`, true)
    }
    // The account list first, so the account is offered by the time the page says it is ready.
    $("car-file").value = ""
    await loadAccounts(data.did)
    if ($("account-field").hidden === false) {
      if ($("account").value !== data.did) {
        $("account").value = OTHER
        onAccountChosen()
        $("did").value = data.did
      }
    } else if (!$("did").readOnly) {
      $("did").value = data.did
    }
    const posts = `${numberFormat.format(data.posts)} ${data.posts === 1 ? "post" : "posts"}`
    showImport(
      `Imported ${posts} of ${data.account?.handle ? `@${data.account.handle}` : data.did} ` +
        `(${numberFormat.format(data.inserted)} new, ${numberFormat.format(
          data.updated
        )} changed). It is ready to export above.`,
      false
    )
  } catch (error) {
    showImport(`The upload did not reach the server: ${error.message}`, true)
  } finally {
    $("import-button").disabled = false
  }
}

async function start() {
  const res = await fetch("/api/session", { headers: headers() })
  if (res.status === 401) return askToken()
  const session = await res.json()
  showSession(session)
  await Promise.all([loadFormats(), refresh(), session.did === "*" ? loadAccounts() : Promise.resolve()])
}

// ---------------------------------------------------------------------------

$("export-form").addEventListener("submit", submit)
$("import-form").addEventListener("submit", importCar)
$("format").addEventListener("change", formatHint)
$("account").addEventListener("change", onAccountChosen)
$("refresh").addEventListener("click", refresh)
$("more").addEventListener("click", loadMore)
$("token-form").addEventListener("submit", onToken)
$("confirm-dialog").addEventListener("close", onConfirmClosed)
$("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY)
  location.reload()
})
// Relative times and lists of other tabs' exports stay fresh.
setInterval(() => {
  if (document.visibilityState === "visible" && !$("token-dialog").open) refresh()
}, 10_000)

start()
