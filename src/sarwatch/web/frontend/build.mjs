// Build the offline map page: bundle Leaflet and the page code with esbuild into
// ../static/dist/, write the HTML pages that reference the hashed bundles, and a
// gzipped copy of every text asset so the server can send it precompressed.
import { build } from "esbuild";
import { readFileSync, writeFileSync, rmSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "static", "dist");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: {
    app: join(here, "src", "app.js"),
    public: join(here, "src", "public.js"),
    verify: join(here, "src", "verify.js"),
  },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["chrome100", "firefox100", "safari15"],
  outdir: out,
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  loader: { ".png": "file", ".svg": "file" },
  metafile: true,
  legalComments: "linked",
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const pick = (prefix, ext) => {
  const name = outputs.find((n) => n.startsWith(prefix + "-") && n.endsWith(ext));
  if (!name) throw new Error(`build produced no ${prefix}*${ext}`);
  return name;
};
// A line `{{> NAME}}` in a page stands for src/NAME.html (form fields used twice), less
// its leading comment.
const partial = (name) =>
  readFileSync(join(here, "src", `${name}.html`), "utf8").replace(/^<!--[\s\S]*?-->\n/, "");
for (const page of ["index", "public", "verify"]) {
  const entry = page === "index" ? "app" : page;
  const html = readFileSync(join(here, "src", `${page}.html`), "utf8")
    .replace(/^[ \t]*\{\{> ([\w-]+)\}\}\n/gm, (_, name) => partial(name))
    .replaceAll("{{js}}", `/static/dist/${pick(entry, ".js")}`)
    .replaceAll("{{css}}", `/static/dist/${pick(entry, ".css")}`);
  writeFileSync(join(out, `${page}.html`), html);
}
for (const name of readdirSync(out)) {
  if (/\.(js|css|html|svg|txt)$/.test(name)) {
    const path = join(out, name);
    writeFileSync(path + ".gz", gzipSync(readFileSync(path), { level: 9 }));
  }
}
let total = 0;
for (const name of readdirSync(out)) total += statSync(join(out, name)).size;
console.log(`sarwatch map built into ${out} (${outputs.length} bundles, ${(total / 1024).toFixed(0)} KiB with .gz copies)`);
