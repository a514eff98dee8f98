import { Tracer } from "@aws-lambda-powertools/tracer";

/**
 * X-Ray through Powertools Tracer, imported only when TRACING=on (src/lambda/handler.ts): each
 * invocation is a `## handler` subsegment annotated with the cold start and the service, the
 * SDK clients handed in get a subsegment per call. Outside Lambda (no facade segment) it does nothing.
 */
export function createTracing(clients: readonly object[]) {
  const tracer = new Tracer({ serviceName: "evergate" });
  for (const client of clients) tracer.captureAWSv3Client(client);
  return async function traced<T>(work: () => Promise<T>): Promise<T> {
    const segment = tracer.getSegment();
    if (!segment) return work();
    const subsegment = segment.addNewSubsegment("## handler");
    tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    try {
      return await work();
    } catch (error) {
      tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      subsegment.close();
      tracer.setSegment(segment);
    }
  };
}
