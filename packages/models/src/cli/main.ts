#!/usr/bin/env node
import * as tf from '@tensorflow/tfjs';
import { silenceTfjsNodeBanner } from '../tfjs-node-banner.js';
import { runCli } from './run-cli.js';

// This command owns its output: no TF.js "install our node backend" banner on the first tensor.
silenceTfjsNodeBanner(tf);

// The bin entry: the only module here with side effects (it runs on import).
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
