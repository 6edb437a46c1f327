// What the functions publish to CloudMonitor after their decisions: custom metrics (one datapoint per
// metric, instance and decision) and custom events (applied, blocked, needs a human). A narrow port so
// the handler can publish through a fake in tests and the CMS adapter in production.

/** One raw datapoint of a custom metric. */
export interface MetricDatum {
  /** Letters, digits and underscores, starting with a letter, at most 64 bytes. */
  name: string;
  /** Keys and values 1-64 bytes of letters, digits and . - _ / \ (ordered: CloudMonitor compares them as written). */
  dimensions: Record<string, string>;
  value: number;
  /** Epoch ms. */
  at: number;
}

/** One custom event. */
export interface CustomEvent {
  name: string;
  /** Free text; the adapter sends the decision line as JSON. */
  content: string;
  /** Epoch ms. */
  at: number;
}

/** The CloudMonitor writes bwscaler needs; one call is one request (the caller batches). Errors are CloudApiError. */
export interface TelemetryApi {
  /** At most MAX_METRICS_PER_REQUEST datapoints. */
  putMetrics(data: MetricDatum[]): Promise<void>;
  /** At most MAX_EVENTS_PER_REQUEST events. */
  putEvents(events: CustomEvent[]): Promise<void>;
}

/**
 * PutCustomMetric documents "Valid values of N: 1 to 21" for every MetricList.N field
 * (https://www.alibabacloud.com/help/en/cms/cloudmonitor-1-0/developer-reference/api-cms-2019-01-01-putcustommetric);
 * the custom-monitoring overview says 100 entries (https://www.alibabacloud.com/help/doc-detail/63275.html).
 * The smaller, per-API figure is the one we rely on.
 */
export const MAX_METRICS_PER_REQUEST = 21;
/** PutCustomEvent: "EventInfo.N ... Valid values of N: 1 to 50" (https://help.aliyun.com/document_detail/115012.html). */
export const MAX_EVENTS_PER_REQUEST = 50;
