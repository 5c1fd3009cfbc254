#!/usr/bin/env node
// A `solc` executable over solc-js's JS API, speaking the subset of the native command line that
// py-solc-x, ape-solidity, forge and slither use: `--version`, `--standard-json` (input on stdin),
// `--base-path`, `--include-path`, `--allow-paths`. Anything else is refused with one clear line.
//
// solc-js's own CLI prints non-JSON lines and has no --standard-json import resolution of its own,
// so we call `solc.compile(input, {import})` and resolve imports the way native solc does:
// relative to the base path first, then each include path.
"use strict";
const fs = require("fs");
const path = require("path");

const SOLC_MODULE = process.env.LEASEHOLD_SOLCJS || "__SOLCJS_MODULE__";

function fail(message) {
  process.stderr.write(`solc (solc-js shim): ${message}\n`);
  process.exit(1);
}

function loadSolc() {
  try {
    return require(SOLC_MODULE);
  } catch (err) {
    fail(`cannot load solc-js from ${SOLC_MODULE}: run 'npm ci' in the project folder`);
  }
}

function parseArgs(argv) {
  const opts = { version: false, standardJson: false, basePath: null, includePaths: [], allowPaths: [], positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes("=") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) fail(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case "--version":
      case "-v":
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
        opts.allowPaths.push(...value().split(","));
        break;
      case "--no-color":
      case "--pretty-json":
        break;
      default:
        if (!flag.startsWith("-")) {
          opts.positional.push(arg); // with --standard-json, a file holding the input
          break;
        }
        fail(`unsupported option ${flag}: this shim supports --version and --standard-json only`);
    }
  }
  return opts;
}

function makeImportResolver(opts) {
  const roots = [opts.basePath || process.cwd(), ...opts.includePaths].map((p) => path.resolve(p));
  return function findImports(importPath) {
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : roots.map((root) => path.join(root, importPath));
    for (const candidate of candidates) {
      try {
        return { contents: fs.readFileSync(candidate, "utf8") };
      } catch (_) {
        // try the next root
      }
    }
    return { error: `File not found. Searched the following locations: ${roots.join(", ")}` };
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const solc = loadSolc();
  if (opts.version) {
    const long = solc.version().replace(/\.Emscripten\.clang$/, ".Linux.g++");
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${long}\n`);
    return;
  }
  if (!opts.standardJson) fail("only --version and --standard-json are supported");
  const input = opts.positional.length ? fs.readFileSync(opts.positional[0], "utf8") : fs.readFileSync(0, "utf8");
  const output = solc.compile(input, { import: makeImportResolver(opts) });
  process.stdout.write(output + "\n");
}

main();
