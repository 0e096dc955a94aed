#!/usr/bin/env node
import { runExportCli } from './cli.js';

process.exitCode = await runExportCli(process.argv.slice(2));
