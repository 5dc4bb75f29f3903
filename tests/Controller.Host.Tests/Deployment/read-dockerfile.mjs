// Parses and lints a Dockerfile and prints it as JSON for the Dockerfile tests: dockerfile-utils' diagnostics
// (its validator, the one behind the Dockerfile language server; every rule it has set to "error") and
// dockerfile-ast's instructions, each with its stage, keyword, flags, arguments and, for the JSON (exec) form, its
// strings. Usage: node read-dockerfile.mjs TOOLS_DIR DOCKERFILE, where TOOLS_DIR is infra/tools with its npm packages.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [tools, file] = process.argv.slice(2);
if (!tools || !file) {
  console.error("usage: node read-dockerfile.mjs TOOLS_DIR DOCKERFILE");
  process.exit(2);
}
const load = async (path) => {
  const module = await import(pathToFileURL(join(tools, "node_modules", path)).href);
  return module.default ?? module;
};
const utils = await load("dockerfile-utils/lib/main.js");
const ast = await load("dockerfile-ast/lib/main.js");

const content = readFileSync(file, "utf8");
const error = utils.ValidationSeverity.ERROR;
const diagnostics = utils
  .validate(content, {
    deprecatedMaintainer: error,
    directiveCasing: error,
    emptyContinuationLine: error,
    instructionCasing: error,
    instructionCmdMultiple: error,
    instructionEntrypointMultiple: error,
    instructionHealthcheckMultiple: error,
    instructionJSONInSingleQuotes: error,
    instructionWorkdirRelative: error,
  })
  .map((d) => ({ line: d.range.start.line + 1, severity: d.severity, message: d.message }));

const dockerfile = ast.DockerfileParser.parse(content);
let stage = -1;
const stages = [];
const instructions = dockerfile.getInstructions().map((instruction) => {
  const keyword = instruction.getKeyword();
  if (keyword === "FROM") {
    stage++;
    stages.push({ image: instruction.getImage(), alias: instruction.getBuildStage() });
  }
  return {
    stage,
    line: instruction.getRange().start.line + 1,
    keyword,
    flags: Object.fromEntries((instruction.getFlags?.() ?? []).map((f) => [f.getName(), f.getValue()])),
    arguments: instruction.getArguments().map((a) => a.getValue()),
    raw: instruction.getRawArgumentsContent(),
    json: typeof instruction.getJSONStrings === "function" && instruction.getJSONStrings().length > 0
      ? instruction.getJSONStrings().map((s) => s.getJSONValue())
      : null,
  };
});
process.stdout.write(JSON.stringify({ diagnostics, stages, instructions }, null, 1) + "\n");
