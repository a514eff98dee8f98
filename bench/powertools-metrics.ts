import type { Metrics as PowertoolsMetrics } from "@aws-lambda-powertools/metrics";
import type { Dimensions, MetricName, Metrics } from "#src/metrics/metrics.ts";
import { metricDefinitions } from "#src/metrics/metrics.ts";

/**
 * The alternatives ADR 029 measured against src/metrics/emf.ts, behind the same port and
 * recording the same metrics: Powertools Metrics imported with the handler, and Powertools
 * Metrics imported on the first flush (the redirect records into a small buffer meanwhile).
 * Powertools publishes one dimension set per document, so each group is its own publish.
 */
type Entry = [MetricName, number, Dimensions];
type PowertoolsModule = { Metrics: typeof PowertoolsMetrics };

function publish(powertools: PowertoolsMetrics, entries: Entry[]): void {
  const groups = new Map<string, Entry[]>();
  for (const entry of entries) {
    const key = JSON.stringify(entry[2]);
    const group = groups.get(key);
    if (group) group.push(entry);
    else groups.set(key, [entry]);
  }
  for (const group of groups.values()) {
    powertools.addDimensions((group[0] as Entry)[2]);
    for (const [name, value] of group) powertools.addMetric(name, metricDefinitions[name].unit, value);
    powertools.publishStoredMetrics();
  }
}

function buffered(flush: (entries: Entry[]) => void): Metrics {
  let entries: Entry[] = [];
  return {
    add(name, value, dimensions = {}) {
      entries.push([name, value, dimensions]);
    },
    endInvocation() {
      if (entries.length === 0) return;
      const taken = entries;
      entries = [];
      flush(taken);
    },
  };
}

const created = (module: PowertoolsModule, namespace: string) =>
  new module.Metrics({ namespace, serviceName: "evergate" });

/** Imported with the handler: the module is handed in by a static import. */
export function powertoolsMetrics(namespace: string, module: PowertoolsModule): Metrics {
  const powertools = created(module, namespace);
  return buffered((entries) => publish(powertools, entries));
}

/** Powertools imported by the first flush: off the cold start, onto the first invocation. */
export function lazyPowertoolsMetrics(namespace: string, load: () => Promise<PowertoolsModule>): Metrics {
  let powertools: PowertoolsMetrics | undefined;
  let requested = false;
  let waiting: Entry[] = [];
  return buffered((entries) => {
    if (powertools) return publish(powertools, entries);
    waiting.push(...entries);
    if (requested) return;
    requested = true;
    void load().then((module) => {
      powertools = created(module, namespace);
      publish(powertools, waiting);
      waiting = [];
    });
  });
}
