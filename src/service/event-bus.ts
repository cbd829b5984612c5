/**
 * A small typed bus for CONTROL events only (config changed, model swapped, camera up/down, train requested).
 * Frames never travel on it. Every listener runs inside try/catch so one faulty listener cannot break another, and
 * listeners are removed by owner when a stage stops.
 */
import type { TrainStateUpdate } from '../train/train-supervisor.js';
import type { Logger } from '../util/log.js';

export interface ControlEvents {
  'camera-up': { camera: string };
  'camera-down': { camera: string; reason: string };
  'model-swapped': { version: string };
  'train-requested': { reason: string };
  'train-state': TrainStateUpdate;
  'sample-mined': { camera: string; id: number };
  'event-published': { camera: string; type: string };
}

/** A listener may be async: its rejection is logged like a throw, never left unhandled (that would exit the process). */
type Listener<K extends keyof ControlEvents> = (payload: ControlEvents[K]) => void | Promise<void>;

export interface EventBus {
  on<K extends keyof ControlEvents>(event: K, owner: string, listener: Listener<K>): void;
  emit<K extends keyof ControlEvents>(event: K, payload: ControlEvents[K]): void;
  removeOwner(owner: string): void;
}

export function createEventBus(log: Logger): EventBus {
  const listeners = new Map<keyof ControlEvents, Array<{ owner: string; fn: (payload: never) => void | Promise<void> }>>();
  const failed = (event: string, owner: string, err: unknown): void => log.error({ event, owner, err }, 'event listener failed');
  return {
    on(event, owner, listener) {
      const list = listeners.get(event) ?? [];
      list.push({ owner, fn: listener as (payload: never) => void | Promise<void> });
      listeners.set(event, list);
    },
    emit(event, payload) {
      for (const { owner, fn } of listeners.get(event) ?? []) {
        try {
          const result = (fn as (p: typeof payload) => void | Promise<void>)(payload);
          if (result instanceof Promise) result.catch((err: unknown) => failed(event, owner, err));
        } catch (err) {
          failed(event, owner, err);
        }
      }
    },
    removeOwner(owner) {
      for (const [event, list] of listeners) listeners.set(event, list.filter((l) => l.owner !== owner));
    },
  };
}
