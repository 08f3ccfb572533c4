// Inside a bench server process: what the V8 heap allocates between two control requests of the run
// (`/__bench/alloc/start`, `/__bench/alloc/stop`), and how many requests arrived meanwhile.
import { Session } from 'node:inspector/promises';
import { GCProfiler, getHeapStatistics } from 'node:v8';

export interface AllocationResult {
  /** Requests that arrived between start and stop (the control requests not counted). */
  readonly requests: number;
  /** Bytes allocated on the V8 heap meanwhile: the growth of the used heap plus what every collection freed. */
  readonly heapBytes: number;
  /** Garbage collections meanwhile (scavenges and mark-compacts). */
  readonly collections: number;
  /** With `sites`: V8's sampling heap profile, collected objects included (where the bytes come from). */
  readonly profile?: unknown;
}

/**
 * Counts allocated bytes exactly, without controlling the collector: `GCProfiler` reports the used
 * heap before and after each collection, so allocated = (used at stop − used at start) + Σ freed.
 */
export class AllocationCounter {
  requests = 0;
  armed = false;
  private profiler: GCProfiler | undefined;
  private usedAtStart = 0;
  private session: Session | undefined;

  async start(sites: boolean): Promise<void> {
    if (sites) {
      this.session = new Session();
      this.session.connect();
      await this.session.post('HeapProfiler.enable');
      await this.session.post('HeapProfiler.startSampling', {
        samplingInterval: 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    }
    this.profiler = new GCProfiler();
    this.profiler.start();
    this.usedAtStart = getHeapStatistics().used_heap_size;
    this.requests = 0;
    this.armed = true;
  }

  async stop(): Promise<AllocationResult> {
    this.armed = false;
    const usedAtStop = getHeapStatistics().used_heap_size;
    const collections = this.profiler?.stop()?.statistics ?? [];
    this.profiler = undefined;
    let freed = 0;
    for (const gc of collections) freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
    // The stop request itself arrived while armed.
    const result: AllocationResult = { requests: this.requests - 1, heapBytes: usedAtStop - this.usedAtStart + freed, collections: collections.length };
    if (this.session === undefined) return result;
    const { profile } = await this.session.post('HeapProfiler.stopSampling');
    this.session.disconnect();
    this.session = undefined;
    return { ...result, profile };
  }
}
