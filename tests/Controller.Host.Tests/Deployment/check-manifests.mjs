// Validates Kubernetes manifests (a multi-document YAML stream on stdin) offline against the Kubernetes API's
// schemas, and prints one JSON array: per document, its "kind/name" and its errors (none when valid).
//
// Usage: node check-manifests.mjs TOOLS_DIR < rendered.yaml, where TOOLS_DIR is infra/tools with its npm packages:
// yaml (parser) and kubernetes-models, whose _schemas/ are JSON-schema validators generated from the Kubernetes
// OpenAPI document (types, required fields, enums, formats). Those schemas accept unknown fields, as the API's
// OpenAPI document does; the API server rejects them (strict field validation). So every object is also handed to
// the validator behind a Proxy that records which fields the validator looked at: a field it never read, in an
// object whose keys it never enumerated (maps such as labels are enumerated), is not in the schema: an error.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const tools = process.argv[2];
if (!tools) {
  console.error("usage: node check-manifests.mjs TOOLS_DIR < manifests.yaml");
  process.exit(2);
}
const packages = join(tools, "node_modules");
const load = (path) => import(pathToFileURL(join(packages, path)).href);
const { parseAllDocuments } = await load("yaml/dist/index.js");

// The generated model file of a kind (e.g. apps/v1/StatefulSet.js, v1/Service.js) imports its schema's validator.
async function validatorFor(apiVersion, kind) {
  const model = join("kubernetes-models", apiVersion, `${kind}.js`);
  let source;
  try {
    source = readFileSync(join(packages, model), "utf8");
  } catch {
    return null;
  }
  const schema = /_schemas\/([A-Za-z0-9]+)\.js/.exec(source);
  if (!schema) return null;
  return (await load(`kubernetes-models/_schemas/${schema[1]}.js`)).validate;
}

// Copies a JSON value, wrapping each object in a Proxy that notes the fields read and whether its keys were listed.
function track(value, path, records) {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item, i) => track(item, `${path}/${i}`, records));
  const copy = {};
  for (const [key, item] of Object.entries(value)) copy[key] = track(item, `${path}/${key}`, records);
  const record = { path, keys: Object.keys(copy), read: new Set(), enumerated: false };
  records.push(record);
  return new Proxy(copy, {
    get(target, key, receiver) {
      if (typeof key === "string") record.read.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string") record.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      record.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

const results = [];
const stream = parseAllDocuments(readFileSync(0, "utf8"));
for (const document of Array.isArray(stream) ? stream : [stream]) {
  const errors = document.errors.map((e) => `YAML: ${e.message}`);
  const manifest = document.toJS();
  if (manifest === null || manifest === undefined) continue; // an empty document (a template that rendered nothing)
  const name = `${manifest.kind}/${manifest.metadata?.name}`;
  if (typeof manifest.apiVersion !== "string" || typeof manifest.kind !== "string") {
    results.push({ document: name, errors: [...errors, "apiVersion and kind are required strings"], manifest });
    continue;
  }
  const validate = await validatorFor(manifest.apiVersion, manifest.kind);
  if (!validate) {
    results.push({ document: name, errors: [...errors, `no Kubernetes schema for ${manifest.apiVersion} ${manifest.kind}`], manifest });
    continue;
  }
  const records = [];
  if (!validate(track(manifest, "", records))) {
    for (const e of validate.errors) errors.push(`${e.instancePath || "/"}: ${e.keyword} ${JSON.stringify(e.params)}`);
  }
  const unknown = records
    .filter((record) => !record.enumerated)
    .flatMap((record) => record.keys.filter((key) => !record.read.has(key)).map((key) => `${record.path}/${key}`));
  // Only the outermost unknown field: whatever is inside it is unknown too.
  for (const path of unknown.filter((p) => !unknown.some((outer) => p.startsWith(outer + "/")))) {
    errors.push(`${path}: unknown field (not in the ${manifest.kind} schema)`);
  }
  results.push({ document: name, errors, manifest });
}
process.stdout.write(JSON.stringify(results, null, 1) + "\n");
