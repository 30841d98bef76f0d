/**
 * The page's script: reads the data blocks, shows the posts in a virtual
 * list (only those near the viewport are in the DOM), searches, jumps to a
 * month, shows threads. It builds every node with DOM calls and
 * `textContent`, never from markup, and links only addresses that start with
 * `https://` or `http://`. Plain ES2017 so every current browser runs it.
 */
export const script = String.raw`(function () {
"use strict";
var doc = document, win = window;
var feed = doc.getElementById("feed"), statusEl = doc.getElementById("status"), input = doc.getElementById("q");
var monthSel = doc.getElementById("month"), backBtn = doc.getElementById("back"), who = doc.getElementById("who");
// Live: the page runs before its data blocks are parsed and picks them up as they arrive.
var blocks = doc.getElementsByClassName("posts");
var posts = [], heights = [], months = [];
var view = null, saved = null, mode = "all", query = "";
// Browsers cap an element's height (Firefox near 17.9 million px): past MAXH the feed keeps that height
// and one pixel of scrolling moves the posts by "scale" pixels.
var MAXH = 15e6, scale = 1;
var offs = new Float64Array(1), dirty = true, rendered = new Map(), loadedBlocks = 0, done = false;
var lower = [], byUri = new Map(), children = null, printing = false, pending = 0;
var fmtDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
var fmtMonth = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "long" });
var fmtNum = new Intl.NumberFormat();
var SAFE = /^https?:\/\//i, POST = /^at:\/\/([^\/]+)\/app\.bsky\.feed\.post\/([^\/]+)$/;

function len() { return view ? view.length : posts.length; }
function at(k) { return view ? view[k] : k; }
function el(tag, cls, text) { var e = doc.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
function plain(p) { var t = p[1]; if (typeof t === "string") return t; var s = ""; for (var j = 0; j < t.length; j++) s += typeof t[j] === "string" ? t[j] : t[j][1]; return s; }
function count(s) { try { return fmtNum.format(BigInt(s)); } catch (e) { return String(s); } }
function plural(s, one, many) { return count(s) + " " + (s === "1" ? one : many); }
function webUrl(uri) {
  var m = POST.exec(uri);
  return m ? "https://bsky.app/profile/" + encodeURIComponent(m[1]).replace(/%3A/g, ":") + "/post/" + encodeURIComponent(m[2]) : "";
}
function link(href, text) {
  var a = el("a", null, text);
  if (SAFE.test(href)) { a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer"; }
  return a;
}
function when(c) {
  if (typeof c !== "string") return c[0] === "" ? "(no date)" : c[0];
  var d = new Date(c);
  return isNaN(d.getTime()) ? c : fmtDate.format(d);
}
function monthOf(p) {
  if (typeof p[2] !== "string") return -1;
  var d = new Date(p[2]);
  return isNaN(d.getTime()) ? -1 : d.getFullYear() * 12 + d.getMonth();
}
function estimate(p) {
  var h = 96 + Math.ceil(plain(p).length / 42) * 23, e = p[9];
  if (e) { if (e.i) h += 240; if (e.x) h += 90; if (e.q) h += 110; if (e.v) h += 40; }
  if (p[10]) h += 28; if (p[7]) h += 24;
  return h;
}

function parsing() { return doc.readyState === "loading"; }
// A block is whole once the parser has gone past its end tag (a node follows it).
function whole(k) { return !parsing() || blocks[k].nextSibling !== null; }
function load(limit) {
  for (var n = 0; n < limit && loadedBlocks < blocks.length && whole(loadedBlocks); n++, loadedBlocks++) {
    var list = JSON.parse(blocks[loadedBlocks].textContent);
    for (var j = 0; j < list.length; j++) {
      var p = list[j];
      byUri.set(p[0], posts.length);
      heights.push(estimate(p));
      months.push(monthOf(p));
      // Lowercased while loading, so that a search only compares.
      lower.push(plain(p).toLowerCase());
      posts.push(p);
    }
  }
  done = !parsing() && loadedBlocks >= blocks.length;
  if (!view) dirty = true;
}

function layout() {
  var n = len(), y = 0;
  if (offs.length !== n + 1) offs = new Float64Array(n + 1);
  for (var k = 0; k < n; k++) { offs[k] = y; y += heights[at(k)]; }
  offs[n] = y;
  var shown = Math.min(y, MAXH), vh = win.innerHeight;
  scale = y > MAXH ? (y - vh) / (shown - vh) : 1;
  feed.style.height = shown + "px";
  dirty = false;
}
function find(y) {
  var lo = 0, hi = len() - 1;
  if (hi < 0) return 0;
  while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (offs[mid] <= y) lo = mid; else hi = mid - 1; }
  return lo;
}
function feedTop() { return feed.getBoundingClientRect().top + win.scrollY; }
// Between the page's scroll position (relative to the feed) and the posts' own coordinates.
function toPosts(sy) { return sy > 0 ? sy * scale : sy; }
function toPage(v) { return v > 0 ? v / scale : v; }
// The header covers the top of the viewport only where it is sticky (not on phones).
function headerH() { var h = doc.querySelector("header"); return win.getComputedStyle(h).position === "sticky" ? h.offsetHeight : 0; }

function build(i) {
  var p = posts[i], a = el("article"), id = "h" + i;
  a.tabIndex = 0;
  a.setAttribute("aria-labelledby", id);
  var h = el("h2"); h.id = id;
  var t = el("time", null, when(p[2]));
  if (typeof p[2] === "string") t.dateTime = p[2];
  h.appendChild(t);
  a.appendChild(h);
  var parent = p[7];
  if (parent || p[8]) {
    var ctx = el("p", "ctx");
    var pi = byUri.get(parent);
    if (pi !== undefined) {
      ctx.appendChild(doc.createTextNode("Replying to your post of " + when(posts[pi][2]) + " "));
      var b = el("button", "link", "Show thread"); b.type = "button"; b.dataset.thread = i; ctx.appendChild(b);
    } else if (parent) {
      ctx.appendChild(doc.createTextNode("Replying to "));
      var u = webUrl(parent);
      ctx.appendChild(u ? link(u, "a post on Bluesky") : el("span", null, parent));
    } else ctx.textContent = "A reply";
    a.appendChild(ctx);
  }
  if (p[10]) {
    var ul = el("ul", "labels"); ul.setAttribute("aria-label", "Labels");
    for (var j = 0; j < p[10].length; j++) ul.appendChild(el("li", null, p[10][j]));
    a.appendChild(ul);
  }
  var body = el("p", "text"); body.dir = "auto";
  var segs = p[1];
  if (typeof segs === "string") body.textContent = segs;
  else for (j = 0; j < segs.length; j++) {
    var s = segs[j];
    body.appendChild(typeof s === "string" ? doc.createTextNode(s) : link(s[2], s[1]));
  }
  if (plain(p) !== "") a.appendChild(body);
  embed(a, p);
  if (children && children.has(i)) {
    var rb = el("button", "link", "Show thread (" + plural(String(children.get(i).length), "reply", "replies") + " here)");
    rb.type = "button"; rb.dataset.thread = i;
    var rp = el("p", "ctx"); rp.appendChild(rb); a.appendChild(rp);
  }
  var counts = el("ul", "counts");
  counts.appendChild(el("li", null, plural(p[5], "reply", "replies")));
  counts.appendChild(el("li", null, plural(p[4], "repost", "reposts")));
  counts.appendChild(el("li", null, plural(p[3], "like", "likes")));
  counts.appendChild(el("li", null, plural(p[6], "quote", "quotes")));
  var web = webUrl(p[0]);
  if (web) { var li = el("li"); li.appendChild(link(web, "Open on Bluesky")); counts.appendChild(li); }
  a.appendChild(counts);
  return a;
}

function image(path, alt, w, hgt, solo) {
  var f = el("figure"), cap = el("figcaption", null, alt ? "Image: " + alt : "Image (no description)");
  if (w && hgt) f.style.aspectRatio = w + " / " + hgt; else f.style.aspectRatio = "4 / 3";
  if (solo && w && hgt && hgt > w) f.style.maxWidth = Math.max(40, Math.round(100 * w / hgt)) + "%";
  f.appendChild(cap);
  if (path) {
    var img = el("img", "off");
    img.alt = alt || "Image";
    img.decoding = "async";
    img.addEventListener("load", function () { img.className = ""; f.className = "loaded"; });
    img.addEventListener("error", function () { img.remove(); });
    img.src = path;
    f.appendChild(img);
  }
  return f;
}

function embed(a, p) {
  var e = p[9], web = webUrl(p[0]);
  if (e && e.i) {
    var g = el("div", e.i.length === 1 ? "grid n1" : "grid");
    for (var j = 0; j < e.i.length; j++) g.appendChild(image(e.i[j][0], e.i[j][1], e.i[j][2], e.i[j][3], e.i.length === 1));
    a.appendChild(g);
  }
  if (e && e.v) {
    var v = el("p", "note", "Video" + (e.v[0] ? ": " + e.v[0] : "") + " ");
    if (web) v.appendChild(link(web, "(watch on Bluesky)"));
    a.appendChild(v);
  }
  if (e && e.x) {
    var x = e.x, card = SAFE.test(x[0]) ? link(x[0], null) : el("div");
    card.className = "card";
    card.appendChild(el("b", null, x[1] || x[0] || "Link"));
    if (x[2]) card.appendChild(el("small", null, x[2]));
    if (SAFE.test(x[0])) { try { card.appendChild(el("small", null, new URL(x[0]).host)); } catch (err) {} }
    a.appendChild(card);
  }
  if (e && e.q) {
    var q = e.q, qu = webUrl(q[0]), box = qu ? link(qu, null) : el("div");
    box.className = "card";
    if (q.length === 1) box.appendChild(el("b", null, "Quoted post (not available)"));
    else {
      box.appendChild(el("b", null, (q[2] || q[1] || "Quoted post") + (q[1] ? " @" + q[1] : "")));
      if (q[4]) box.appendChild(el("small", null, when(q[4])));
      var qt = el("span", "q", q[3]); qt.dir = "auto"; box.appendChild(qt);
    }
    a.appendChild(box);
  }
  if (p[11] && !(e && (e.i || e.v))) a.appendChild(el("p", "note", "This post had media that the archive does not describe."));
}

function render() {
  if (printing) return;
  if (dirty) layout();
  var n = len(), top = feedTop(), sy = win.scrollY - top, y0 = toPosts(sy), y1 = y0 + win.innerHeight;
  var keep = new Map();
  var first = find(y0 - 800), last = find(y1 + 800);
  var anchor = find(Math.max(0, y0 + headerH())), delta = offs[anchor] - y0;
  for (var k = first; k <= last && k < n; k++) {
    var i = at(k), e = rendered.get(i);
    if (!e) { e = build(i); feed.appendChild(e); }
    e.setAttribute("aria-posinset", k + 1);
    e.setAttribute("aria-setsize", n);
    e.dataset.k = k;
    e.style.top = (offs[k] - y0 + sy) + "px";
    keep.set(i, e);
  }
  rendered.forEach(function (e, i) { if (!keep.has(i)) e.remove(); });
  rendered = keep;
  var changed = false;
  keep.forEach(function (e, i) { var h = e.offsetHeight; if (h > 0 && Math.abs(h - heights[i]) > 0.5) { heights[i] = h; changed = true; } });
  if (changed) {
    layout();
    if (y0 > 0 && anchor < n) win.scrollTo(0, toPage(offs[anchor] - delta) + top);
    var sy2 = win.scrollY - top, v2 = toPosts(sy2);
    keep.forEach(function (e) { e.style.top = (offs[+e.dataset.k] - v2 + sy2) + "px"; });
    if (pending++ < 4) win.requestAnimationFrame(render);
  } else pending = 0;
}
function rebuild() { rendered.forEach(function (e) { e.remove(); }); rendered = new Map(); dirty = true; render(); }
var ticking = false;
function onScroll() { if (!ticking) { ticking = true; win.requestAnimationFrame(function () { ticking = false; pending = 0; render(); }); } }

function say() {
  var n = len();
  if (!done) statusEl.textContent = "Loading… " + fmtNum.format(posts.length) + " posts so far";
  else if (mode === "thread") statusEl.textContent = "A thread of " + fmtNum.format(n) + " posts, oldest first";
  else if (query) statusEl.textContent = (n === 0 ? "No posts match" : fmtNum.format(n) + (n === 1 ? " post matches" : " posts match")) + " \u201c" + query + "\u201d";
  else statusEl.textContent = fmtNum.format(n) + (n === 1 ? " post" : " posts") + ", newest first";
}
function fillMonths() {
  while (monthSel.options.length > 1) monthSel.remove(1);
  var n = len(), prev = -2, opt = null, c = 0;
  for (var k = 0; k <= n; k++) {
    var m = k < n ? months[at(k)] : -3;
    if (m !== prev) {
      if (opt) { opt.textContent += " (" + fmtNum.format(c) + ")"; monthSel.appendChild(opt); }
      opt = null; c = 0; prev = m;
      if (m >= 0) { opt = el("option", null, fmtMonth.format(new Date(Math.floor(m / 12), m % 12, 1))); opt.value = k; }
    }
    c++;
  }
}
function goTo(k) {
  if (k < 0 || k >= len()) return;
  if (dirty) layout();
  var top = feedTop(), v = toPosts(win.scrollY - top), hh = headerH();
  if (offs[k] < v + hh || offs[k + 1] > v + win.innerHeight) win.scrollTo(0, Math.max(0, toPage(offs[k] - hh) + top));
  render();
  var e = rendered.get(at(k));
  if (!e) return;
  // Measuring may have moved it: bring it fully into view (in page pixels, hence the scale).
  var r = e.getBoundingClientRect(), over = r.bottom - win.innerHeight;
  if (r.top - over >= hh && over > 0) win.scrollBy(0, over / scale + 1);
  else if (r.top < hh) win.scrollBy(0, (r.top - hh) / scale - 1);
  render();
  e.focus({ preventScroll: true });
}
function setView(v, m) { view = v; mode = m; dirty = true; rebuild(); win.scrollTo(0, 0); render(); say(); fillMonths(); backBtn.hidden = m !== "thread"; }
function search() {
  query = input.value.trim();
  saved = null;
  if (!query) { setView(null, "all"); return; }
  var words = query.toLowerCase().split(/\s+/), out = [];
  for (var i = 0; i < lower.length; i++) {
    var t = lower[i], ok = true;
    for (var w = 0; w < words.length && ok; w++) ok = t.indexOf(words[w]) >= 0;
    if (ok) out.push(i);
  }
  setView(Int32Array.from(out), "search");
}
function thread(i) {
  if (!children) return;
  var root = i, seen = new Set([i]);
  for (;;) { var up = byUri.get(posts[root][7]); if (up === undefined || seen.has(up)) break; seen.add(up); root = up; }
  var out = [], stack = [root], visited = new Set();
  while (stack.length) { var x = stack.pop(); if (visited.has(x)) continue; visited.add(x); out.push(x); var cs = children.get(x); if (cs) stack.push.apply(stack, cs); }
  out.sort(function (a, b) { return b - a; });
  if (mode !== "thread") saved = { view: view, mode: mode };
  setView(Int32Array.from(out), "thread");
  var k = out.indexOf(i);
  win.requestAnimationFrame(function () { goTo(k); });
}
function finish() {
  children = new Map();
  for (var i = 0; i < posts.length; i++) {
    var pi = byUri.get(posts[i][7]);
    if (pi !== undefined && pi !== i) { var l = children.get(pi); if (l) l.push(i); else children.set(pi, [i]); }
  }
  if (query) search(); else { rebuild(); say(); fillMonths(); }
}
function step() {
  var before = posts.length;
  load(8);
  if (!view && posts.length !== before) render();
  if (who && before === 0 && posts.length) named();
  say();
  if (done) finish(); else win.setTimeout(step, parsing() ? 30 : 0);
}
function named() { var u0 = posts[0][0], s0 = u0.indexOf("/", 5); who.textContent = "Posts of " + (u0.indexOf("at://") === 0 && s0 > 5 ? u0.slice(5, s0) : "one account"); }

feed.addEventListener("click", function (ev) {
  var b = ev.target.closest("button[data-thread]");
  if (b) thread(+b.dataset.thread);
});
feed.addEventListener("keydown", function (ev) {
  var a = ev.target.closest("article");
  if (!a || ev.target !== a) return;
  var k = +a.dataset.k, key = ev.key;
  if (key === "ArrowDown" || key === "j") { ev.preventDefault(); goTo(k + 1); }
  else if (key === "ArrowUp" || key === "k") { ev.preventDefault(); goTo(k - 1); }
  else if (key === "Home") { ev.preventDefault(); goTo(0); }
  else if (key === "End") { ev.preventDefault(); goTo(len() - 1); }
});
doc.addEventListener("keydown", function (ev) {
  if (ev.key === "/" && ev.target === doc.body) { ev.preventDefault(); input.focus(); }
});
var timer = 0;
input.addEventListener("input", function () { win.clearTimeout(timer); timer = win.setTimeout(search, 150); });
input.addEventListener("keydown", function (ev) {
  if (ev.key === "Enter") { ev.preventDefault(); win.clearTimeout(timer); search(); goTo(0); }
  else if (ev.key === "Escape" && input.value) { input.value = ""; search(); }
});
monthSel.addEventListener("change", function () { if (monthSel.value !== "") goTo(+monthSel.value); monthSel.selectedIndex = 0; });
backBtn.addEventListener("click", function () { var s = saved || { view: null, mode: "all" }; saved = null; setView(s.view, s.mode); });
win.addEventListener("scroll", onScroll, { passive: true });
win.addEventListener("resize", function () { rebuild(); });
win.addEventListener("beforeprint", function () {
  printing = true;
  rendered.forEach(function (e) { e.remove(); });
  rendered = new Map();
  var first = find(Math.max(0, toPosts(win.scrollY - feedTop())));
  for (var k = first; k < Math.min(len(), first + 500); k++) feed.appendChild(build(at(k)));
});
win.addEventListener("afterprint", function () { printing = false; while (feed.firstChild) feed.firstChild.remove(); rebuild(); });

step();
})();
`
