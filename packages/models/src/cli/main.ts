#!/usr/bin/env node
import { runCli } from './run-cli.js';

// The bin entry: the only module here with side effects (it runs on import).
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
