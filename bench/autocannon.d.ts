/** The slice of autocannon's API the bench uses (the package ships no types). */
declare module "autocannon" {
  interface Histogram {
    average: number;
    total: number;
    p50: number;
    p99: number;
  }
  interface Result {
    requests: Histogram;
    latency: Histogram;
    errors: number;
    timeouts: number;
    "2xx": number;
    "3xx": number;
  }
  interface Options {
    url: string;
    duration?: number;
    connections?: number;
    followRedirect?: boolean;
  }
  export default function autocannon(options: Options): Promise<Result>;
}
