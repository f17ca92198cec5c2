// Parse AsyncAPI files with the official @asyncapi/parser and fail on errors (severity 0).
// Usage: node asyncapi_parse.cjs <node_modules prefix> <file>...
// Prints one JSON line per file: {"file", "errors": [...], "warnings": n}. Exit 1 on any error.
"use strict";
const path = require("path");
const fs = require("fs");

async function main() {
  const [prefix, ...files] = process.argv.slice(2);
  const { Parser } = require(path.join(prefix, "node_modules", "@asyncapi", "parser"));
  const parser = new Parser();
  let failed = false;
  for (const file of files) {
    const { document, diagnostics } = await parser.parse(fs.readFileSync(file, "utf8"), {
      source: path.resolve(file),
    });
    const errors = diagnostics
      .filter((d) => d.severity === 0)
      .map((d) => ({ code: d.code, message: d.message, path: d.path.join("/") }));
    if (errors.length || !document) failed = true;
    const warnings = diagnostics.filter((d) => d.severity === 1).map((d) => d.code + ": " + d.message);
    console.log(JSON.stringify({ file, parsed: Boolean(document), errors, warnings }));
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(2);
});
