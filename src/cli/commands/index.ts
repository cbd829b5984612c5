/** The subcommands, in the order `catwatch --help` lists them. */
import type { Command } from '../command.js';
import { configCommand } from './config.js';
import { runCommand } from './run.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { modelsCommand } from './models.js';
import { scoreCommand } from './score.js';
import { replayCommand } from './replay.js';
import { doctorCommand } from './doctor.js';
import { serviceCommand } from './service.js';
import { samplesCommand } from './samples.js';
import { fleetCommand } from './fleet.js';

export const commands: readonly Command[] = [
  runCommand,
  scoreCommand,
  trainCommand,
  evalCommand,
  replayCommand,
  modelsCommand,
  samplesCommand,
  fleetCommand,
  doctorCommand,
  configCommand,
  serviceCommand,
];
