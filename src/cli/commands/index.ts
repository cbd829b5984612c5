/** The subcommands, in the order `catwatch --help` lists them. */
import type { Command } from '../command.js';
import { notYetAvailable } from '../command.js';
import { configCommand } from './config.js';
import { runCommand } from './run.js';
import { trainCommand } from './train.js';
import { modelsCommand } from './models.js';
import { scoreCommand } from './score.js';

export const commands: readonly Command[] = [
  runCommand,
  scoreCommand,
  trainCommand,
  notYetAvailable('eval', 'evaluate a model version on labelled folders', 'issue 3'),
  modelsCommand,
  notYetAvailable('samples', 'list, label and export mined samples', 'issue 5'),
  notYetAvailable('doctor', 'check ffmpeg, cameras, broker, model, GPU and disk', 'issue 6'),
  configCommand,
];
