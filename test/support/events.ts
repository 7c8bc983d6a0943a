/** Waiting on events instead of sleeping. */
import type { EventEmitter } from "node:events";

/** Resolves with the next event of `name` for which `accept` holds. */
export function next<T>(emitter: EventEmitter, name: string, accept: (value: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const on = (value: T) => {
      if (!accept(value)) return;
      emitter.off(name, on);
      resolve(value);
    };
    emitter.on(name, on);
  });
}
