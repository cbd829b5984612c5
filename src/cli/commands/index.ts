/** The subcommands, in the order `catwatch --help` lists them. */
import type { Command } from '../command.js';
import { notYetAvailable } from '../command.js';
import { configCommand } from './config.js';
import { runCommand } from './run.js';

export const commands: readonly Command[] = [
  runCommand,
  notYetAvailable('score', 'score image files or folders with the current model', 'issue 3'),
  notYetAvailable('train', 'train a new model version from positives and negatives', 'issue 3'),
  notYetAvailable('eval', 'evaluate a model version on labelled folders', 'issue 3'),
  notYetAvailable('models', 'list, use, roll back or pull models', 'issue 3'),
  notYetAvailable('samples', 'list, label and export mined samples', 'issue 5'),
  notYetAvailable('doctor', 'check ffmpeg, cameras, broker, model, GPU and disk', 'issue 6'),
  configCommand,
];
