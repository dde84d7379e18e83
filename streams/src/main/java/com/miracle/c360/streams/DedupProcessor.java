package com.miracle.c360.streams;

import java.time.Duration;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Skips an event id seen before (ids are kept for the dedup retention, by event time, at least until the event's day
 * closes) and marks the windows a first-seen event still counts in, against the newest event time this task has seen.
 * An event whose day has closed counts nowhere and is dropped here: it fires no alert and moves no rule state. It runs
 * on the input partitions, keyed as received, so each key's events keep their order; a re-sent event has the same key.
 */
public final class DedupProcessor implements Processor<byte[], JsonNode, byte[], JsonNode> {
  private static final Logger logger = LoggerFactory.getLogger(DedupProcessor.class);
  public static final String SEEN_STORE = "event-ids";
  public static final String CLOCK_STORE = "event-clock";
  static final String NEWEST = "newest";

  private final long retentionMs;
  private ProcessorContext<byte[], JsonNode> context;
  private WindowStore<String, Long> seen;
  private KeyValueStore<String, Long> clock;

  public DedupProcessor(Duration retention) {
    this.retentionMs = retention.toMillis();
  }

  @Override
  public void init(ProcessorContext<byte[], JsonNode> context) {
    this.context = context;
    this.seen = context.getStateStore(SEEN_STORE);
    this.clock = context.getStateStore(CLOCK_STORE);
  }

  @Override
  public void process(Record<byte[], JsonNode> record) {
    String eventId = record.value().get("event").get("event_id").stringValue();
    long t = record.value().get("t").longValue();
    if (seenBefore(eventId, t)) {
      return;
    }
    seen.put(eventId, t, t);
    Long previous = clock.get(NEWEST);
    long newest = previous == null ? t : Math.max(previous, t);
    if (previous == null || newest != previous) {
      clock.put(NEWEST, newest);
    }
    if (!KpiWindow.DAY.counts(t, newest)) {
      logger.debug("event {} is later than its day's grace: ignored", eventId);
      return;
    }
    ObjectNode out = ((ObjectNode) record.value()).deepCopy();
    ArrayNode counted = out.putArray("counted");
    for (KpiWindow window : KpiWindow.values()) {
      if (window.counts(t, newest)) {
        counted.add(window.label());
      }
    }
    context.forward(record.withValue(out));
  }

  private boolean seenBefore(String eventId, long t) {
    long from = t > Long.MIN_VALUE + retentionMs ? t - retentionMs : Long.MIN_VALUE;
    long to = t < Long.MAX_VALUE - retentionMs ? t + retentionMs : Long.MAX_VALUE;
    try (WindowStoreIterator<Long> hits = seen.fetch(eventId, Math.max(0L, from), to)) {
      return hits.hasNext();
    }
  }
}
