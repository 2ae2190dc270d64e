#!/usr/bin/env node
// A `solc`-compatible command line backed by the npm `solc` package (solcjs, WebAssembly),
// so that ape-solidity (via py-solc-x) and forge can compile with no native compiler and no
// internet. It answers exactly what those tools ask of a native solc:
//   solc --version
//   solc --standard-json [--base-path P] [--include-path P]... [--allow-paths A,B]  < input.json
// Imports that are not already in the input are read from disk relative to the base path and
// include paths, and only from inside the base, include and allowed paths (as native solc does).
"use strict";

const fs = require("node:fs");
const path = require("node:path");

let solc;
try {
  solc = require("solc");
} catch (err) {
  process.stderr.write("solc shim: the npm package 'solc' is missing; run `make setup` first\n");
  process.exitCode = 1;
  return;
}

function parseArgs(argv) {
  const opts = { version: false, standardJson: false, basePath: null, includePaths: [], allowPaths: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inlineValue] = arg.includes("=") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => (inlineValue !== undefined ? inlineValue : argv[++i]);
    switch (flag) {
      case "--version":
        opts.version = true;
        break;
      case "--standard-json":
        opts.standardJson = true;
        break;
      case "--base-path":
        opts.basePath = value();
        break;
      case "--include-path":
        opts.includePaths.push(value());
        break;
      case "--allow-paths":
        opts.allowPaths.push(...value().split(",").filter(Boolean));
        break;
      default:
        if (flag.startsWith("-")) {
          throw new Error(`unsupported option ${flag} (this shim supports --version and --standard-json)`);
        }
        throw new Error(`unexpected argument ${arg}: pass sources through --standard-json`);
    }
  }
  return opts;
}

function importReader(opts) {
  const roots = [opts.basePath || process.cwd(), ...opts.includePaths].map((p) => path.resolve(p));
  const allowed = [...roots, ...opts.allowPaths.map((p) => path.resolve(p))];
  const isAllowed = (file) => allowed.some((dir) => file === dir || file.startsWith(dir + path.sep));
  return (importPath) => {
    const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((r) => path.join(r, importPath));
    for (const candidate of candidates) {
      const file = path.resolve(candidate);
      if (isAllowed(file) && fs.existsSync(file) && fs.statSync(file).isFile()) {
        return { contents: fs.readFileSync(file, "utf8") };
      }
    }
    return { error: `File not found inside the base, include or allowed paths: ${importPath}` };
  };
}

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`solc shim: ${err.message}\n`);
    process.exitCode = 1;
    return;
  }
  if (opts.version) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return;
  }
  if (!opts.standardJson) {
    process.stderr.write("solc shim: nothing to do; use --version or --standard-json\n");
    process.exitCode = 1;
    return;
  }
  const input = fs.readFileSync(0, "utf8");
  const output = solc.compile(input, { import: importReader(opts) });
  // No process.exit(): it would cut a large output that is still being flushed to a pipe.
  process.stdout.write(output);
}

main();
