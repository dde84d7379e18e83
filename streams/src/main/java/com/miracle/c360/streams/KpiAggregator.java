package com.miracle.c360.streams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Keeps the running total of each KPI key and writes the full record on every update. Distinct customers are kept as
 * {@code <kpi key>|<customer key>} entries; windows well past their grace are dropped from both stores.
 */
public final class KpiAggregator implements Processor<String, JsonNode, String, JsonNode> {
  public static final String TOTALS_STORE = "kpi-totals";
  public static final String MEMBERS_STORE = "kpi-members";
  static final String NEWEST = "~newest";

  private ProcessorContext<String, JsonNode> context;
  private KeyValueStore<String, JsonNode> totals;
  private KeyValueStore<String, Long> members;

  @Override
  public void init(ProcessorContext<String, JsonNode> context) {
    this.context = context;
    this.totals = context.getStateStore(TOTALS_STORE);
    this.members = context.getStateStore(MEMBERS_STORE);
    context.schedule(Duration.ofMinutes(1), PunctuationType.WALL_CLOCK_TIME, now -> purge());
  }

  @Override
  public void process(Record<String, JsonNode> record) {
    String key = record.key();
    JsonNode contribution = record.value();
    JsonNode stored = totals.get(key);
    ObjectNode total = stored == null ? Kpis.emptyTotal(contribution) : (ObjectNode) stored;
    boolean newCustomer = false;
    JsonNode customerKey = contribution.get("customer_key");
    if (customerKey != null && !customerKey.isNull()) {
      String member = key + "|" + customerKey.asString();
      if (members.get(member) == null) {
        members.put(member, 1L);
        newCustomer = true;
      }
    }
    Kpis.add(total, contribution, newCustomer);
    totals.put(key, total);
    long t = contribution.get("t").longValue();
    Long newest = members.get(NEWEST);
    if (newest == null || t > newest) {
      members.put(NEWEST, t);
    }
    context.forward(record.withValue(Kpis.record(total)));
  }

  /** Drops windows that closed more than one window length ago (no event can count in them any more). */
  void purge() {
    Long newest = members.get(NEWEST);
    if (newest == null) {
      return;
    }
    for (KpiWindow window : KpiWindow.values()) {
      long cutoff = newest - window.graceMs() - 2 * window.sizeMs();
      String from = window.label() + "|";
      String to = window.label() + "|" + KpiWindow.format(window.start(cutoff));
      for (String key : keysBetween(totals, from, to)) {
        totals.delete(key);
      }
      for (String key : keysBetween(members, from, to)) {
        members.delete(key);
      }
    }
  }

  private static <V> List<String> keysBetween(KeyValueStore<String, V> store, String from, String to) {
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, V> range = store.range(from, to)) {
      while (range.hasNext()) {
        KeyValue<String, V> entry = range.next();
        keys.add(entry.key);
      }
    }
    return keys;
  }
}
