/** The page's style sheet: light and dark, phone width, print. */
export const style = String.raw`
:root{color-scheme:light dark;--bg:#fff;--fg:#16191c;--muted:#50575e;--line:#d5dade;--card:#f4f6f8;--link:#0a58ca;--accent:#0a58ca;--chip:#fbeaea;--chipfg:#7a1c1c}
@media (prefers-color-scheme:dark){:root{--bg:#15191e;--fg:#e8ecef;--muted:#a9b3bc;--line:#36404a;--card:#1e252c;--link:#8cc2ff;--accent:#8cc2ff;--chip:#3d2424;--chipfg:#ffd1d1}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;overflow-wrap:anywhere}
a{color:var(--link)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,article:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:var(--bg);padding:.5em;z-index:3}
.skip:focus{left:.5em}
header{position:sticky;top:0;z-index:2;background:var(--bg);border-bottom:1px solid var(--line);padding:.5rem 1rem}
header h1{font-size:1.15rem;margin:0}
#who{margin:0 0 .4rem;font-size:.9rem;color:var(--muted)}
.bar{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.bar input{flex:1 1 12rem;min-width:0;font:inherit;padding:.4rem .6rem;border:1px solid var(--muted);border-radius:.4rem;background:var(--bg);color:var(--fg)}
.bar select,.bar button{font:inherit;padding:.35rem .5rem;border:1px solid var(--muted);border-radius:.4rem;background:var(--card);color:var(--fg);max-width:100%}
#status{margin:.35rem 0 0;color:var(--muted);font-size:.9rem}
main{max-width:40rem;margin:0 auto;padding:0 .5rem}
#feed{position:relative}
article{position:absolute;left:0;right:0;padding:.75rem .5rem;border-bottom:1px solid var(--line)}
article h2{font-size:.9rem;font-weight:normal;color:var(--muted);margin:0 0 .3rem;display:flex;flex-wrap:wrap;gap:.25rem .75rem}
article h2 a{color:var(--muted)}
.text{white-space:pre-wrap;margin:0 0 .4rem;unicode-bidi:plaintext}
.ctx{font-size:.9rem;color:var(--muted);margin:0 0 .3rem}
button.link{background:none;border:0;padding:0;font:inherit;color:var(--link);text-decoration:underline;cursor:pointer}
.counts{display:flex;flex-wrap:wrap;gap:.25rem 1rem;font-size:.85rem;color:var(--muted);margin:.3rem 0 0;padding:0;list-style:none}
.labels{display:flex;flex-wrap:wrap;gap:.3rem;margin:.2rem 0;padding:0;list-style:none}
.labels li{background:var(--chip);color:var(--chipfg);border-radius:.8rem;padding:0 .5rem;font-size:.8rem}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:.25rem;margin:.4rem 0}
.grid.n1{grid-template-columns:1fr}
figure{margin:0;position:relative;background:var(--card);border:1px solid var(--line);border-radius:.5rem;overflow:hidden;min-height:4rem}
figure img{display:block;width:100%;height:100%;object-fit:cover;position:absolute;inset:0}
figure img.off{display:none}
figure figcaption{padding:.5rem;font-size:.85rem;color:var(--muted)}
figure.loaded figcaption{position:absolute;left:-9999px}
.card{display:block;border:1px solid var(--line);border-radius:.5rem;padding:.5rem .7rem;margin:.4rem 0;background:var(--card);text-decoration:none;color:var(--fg)}
.card b{display:block}
.card small{display:block;color:var(--muted)}
.card .q{white-space:pre-wrap;unicode-bidi:plaintext}
.note{font-size:.85rem;color:var(--muted);font-style:italic;margin:.3rem 0}
noscript p{padding:1rem}
@media (max-width:30rem){header{position:static;padding:.4rem .5rem}main{padding:0}}
@media print{header .bar,.skip{display:none}header{position:static}#feed{height:auto!important}article{position:static!important;break-inside:avoid}figure img{position:static;height:auto}a{color:inherit}}
`
