#!/usr/bin/env node
/**
 * gradclip playground.
 *
 *   gradclip-playground [all]      parity, then the demos, then the report (the main job)
 *   gradclip-playground parity [--cases FILE] [--backends a,b] [--only-file] [--out DIR]
 *                              (conformance, boundary and sequence cases + gradients captured from the models;
 *                              FILE: single and sequence cases; --only-file: FILE only)
 *   gradclip-playground demo [--backends a,b] [--epochs N] [--out DIR]
 *   gradclip-playground report [--out DIR]
 *
 * DIR defaults to ./reports. `parity` exits 1 when a backend differs from the oracle (or a sequence
 * case from its expectations) beyond what its manifest declares, or when a backend expected on this
 * machine cannot start (see GRADCLIP_PARITY_OPTIONAL in backends.ts).
 */
import { fileURLToPath } from 'node:url';
import { runPlaygroundCli } from './cli-main.js';

// The bin: every failure is one line on stderr and a non-zero exit (see cli-main.ts).
process.exitCode = await runPlaygroundCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cliPath: fileURLToPath(import.meta.url),
});
