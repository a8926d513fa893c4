/**
 * The live tensors of a backend in allocation order, so that `Backend.mark` and
 * `Backend.releaseSince` can find what was allocated after a point (e.g. by a forward that failed).
 *
 * @module
 */
/** Live tensors, each with its allocation serial. */
export class LiveTensors<T> {
  #serials = new Map<T, number>();
  #serial = 0;

  /** Records a new tensor. */
  add(t: T): void {
    this.#serials.set(t, ++this.#serial);
  }

  /** Whether `t` is alive. */
  has(t: T): boolean {
    return this.#serials.has(t);
  }

  /** Forgets `t` (disposed). */
  delete(t: T): void {
    this.#serials.delete(t);
  }

  /** The serial of the last allocation so far (see `Backend.mark`). */
  mark(): number {
    return this.#serial;
  }

  /** The live tensors allocated after `mark`, oldest first. */
  since(mark: number): T[] {
    return [...this.#serials].filter(([, serial]) => serial > mark).map(([t]) => t);
  }

  /** Every live tensor, oldest first. */
  all(): IterableIterator<T> {
    return this.#serials.keys();
  }

  /** Forgets every tensor. */
  clear(): void {
    this.#serials.clear();
  }
}
