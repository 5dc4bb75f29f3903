// Bundles the dashboard for the silo: src/main.js (with uPlot and the styles it imports) into OUT/app.js and
// OUT/app.css (licence comments kept at the end), and copies index.html beside them. OUT is the first argument
// (Controller.Host.csproj passes a folder under obj/), default ./dist. No source maps or hashes: the silo serves these three files from its assembly.
import { build } from "esbuild";
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
const out = path.resolve(process.argv[2] ?? path.join(here, "dist"));
await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: path.join(here, "src", "main.js") },
  bundle: true,
  format: "esm",
  target: ["es2022"],
  minify: true,
  outdir: out,
  logLevel: "warning",
});
await copyFile(path.join(here, "src", "index.html"), path.join(out, "index.html"));
