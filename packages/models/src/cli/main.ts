#!/usr/bin/env node
import { ClipError } from '@gradclip/core';
import { ModelsError } from '../errors.js';
import { runCommand } from './run-command.js';

// The bin entry: the only module here with side effects (it runs on import).
try {
  await runCommand(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
} catch (error) {
  if (error instanceof ModelsError || error instanceof ClipError) {
    process.stderr.write(`gradclip-models: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
