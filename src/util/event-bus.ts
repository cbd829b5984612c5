/**
 * A small typed bus for CONTROL events only (config changed, model swapped, camera up/down, train requested).
 * Frames never travel on it. Every listener runs inside try/catch so one faulty listener cannot break another, and
 * listeners are removed by owner when a stage stops.
 */
import type { Logger } from './log.js';

export interface ControlEvents {
  'camera-up': { camera: string };
  'camera-down': { camera: string; reason: string };
  'model-swapped': { version: string };
  'train-requested': { reason: string };
  'train-state': { state: 'idle' | 'running' | 'complete' | 'failed' | 'rejected'; reason?: string; version?: string; message?: string; metrics?: Record<string, number> };
  'sample-mined': { camera: string; id: number };
}

type Listener<K extends keyof ControlEvents> = (payload: ControlEvents[K]) => void;

export interface EventBus {
  on<K extends keyof ControlEvents>(event: K, owner: string, listener: Listener<K>): void;
  emit<K extends keyof ControlEvents>(event: K, payload: ControlEvents[K]): void;
  removeOwner(owner: string): void;
}

export function createEventBus(log: Logger): EventBus {
  const listeners = new Map<keyof ControlEvents, Array<{ owner: string; fn: (payload: never) => void }>>();
  return {
    on(event, owner, listener) {
      const list = listeners.get(event) ?? [];
      list.push({ owner, fn: listener as (payload: never) => void });
      listeners.set(event, list);
    },
    emit(event, payload) {
      for (const { owner, fn } of listeners.get(event) ?? []) {
        try {
          (fn as (p: typeof payload) => void)(payload);
        } catch (err) {
          log.error({ event, owner, err }, 'event listener failed');
        }
      }
    },
    removeOwner(owner) {
      for (const [event, list] of listeners) listeners.set(event, list.filter((l) => l.owner !== owner));
    },
  };
}
