package com.miracle.c360.streams;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Pure KPI logic: what one event adds to each window and dimension, and the record written for a total. */
public final class Kpis {
  private Kpis() {}

  /** KPI key {@code window|window_start|dimension|dimension_value}. */
  public static String key(String window, String windowStart, String dimension, String value) {
    return window + "|" + windowStart + "|" + dimension + "|" + value;
  }

  /** The contributions of one enriched event, keyed by KPI key: one per counted window and dimension. */
  public static List<KeyValue<String, JsonNode>> contributions(JsonNode enriched) {
    JsonNode event = Enrichment.event(enriched);
    String type = event.get("type").stringValue();
    JsonNode payload = event.get("payload");
    BigInteger revenueCents = BigInteger.ZERO;
    if ("order_placed".equals(type)) {
      revenueCents = Json.cents(Json.decimal(payload, "amount"));
    }
    boolean conversion = "lead_moved".equals(type) && "won".equals(Json.text(payload, "stage"));
    Long customerKey = Json.integer(event, "customer_key");
    String channel = Json.text(event, "channel");
    String[][] dimensions = {
      {"all", "all"},
      {"rep", Enrichment.rep(enriched)},
      {"region", Enrichment.region(enriched)},
      {"channel", channel == null ? Enrichment.UNKNOWN : channel},
    };
    long t = Enrichment.eventTime(enriched);
    List<KeyValue<String, JsonNode>> out = new ArrayList<>();
    for (JsonNode counted : enriched.get("counted")) {
      KpiWindow window = windowOf(counted.stringValue());
      String start = KpiWindow.format(window.start(t));
      String end = KpiWindow.format(window.end(t));
      for (String[] dimension : dimensions) {
        ObjectNode c = Json.object();
        c.put("window", window.label());
        c.put("window_start", start);
        c.put("window_end", end);
        c.put("dimension", dimension[0]);
        c.put("dimension_value", dimension[1]);
        c.put("revenue_cents", revenueCents);
        c.put("orders", "order_placed".equals(type) ? 1 : 0);
        c.put("new_leads", "lead_created".equals(type) ? 1 : 0);
        c.put("conversions", conversion ? 1 : 0);
        c.put("events", 1);
        if (customerKey == null) {
          c.putNull("customer_key");
        } else {
          c.put("customer_key", customerKey);
        }
        c.put("t", t);
        out.add(KeyValue.pair(key(window.label(), start, dimension[0], dimension[1]), c));
      }
    }
    return out;
  }

  public static KpiWindow windowOf(String label) {
    for (KpiWindow window : KpiWindow.values()) {
      if (window.label().equals(label)) {
        return window;
      }
    }
    throw new IllegalArgumentException("unknown window " + label);
  }

  /** An empty running total for the window and dimension a contribution names. */
  public static ObjectNode emptyTotal(JsonNode contribution) {
    ObjectNode total = Json.object();
    for (String field : List.of("window", "window_start", "window_end", "dimension", "dimension_value")) {
      total.set(field, contribution.get(field));
    }
    for (String field :
        List.of("revenue_cents", "orders", "new_leads", "conversions", "active_customers", "events")) {
      total.put(field, 0L);
    }
    return total;
  }

  /** Adds a contribution to a running total; {@code newCustomer} when its customer is new to the window. */
  public static void add(ObjectNode total, JsonNode contribution, boolean newCustomer) {
    total.put(
        "revenue_cents",
        total.get("revenue_cents").bigIntegerValue().add(contribution.get("revenue_cents").bigIntegerValue()));
    for (String field : List.of("orders", "new_leads", "conversions", "events")) {
      total.put(field, total.get(field).longValue() + contribution.get(field).longValue());
    }
    if (newCustomer) {
      total.put("active_customers", total.get("active_customers").longValue() + 1);
    }
  }

  /** The KPI record of the contract for a running total (revenue written with 2 decimals). */
  public static ObjectNode record(JsonNode total) {
    ObjectNode record = Json.object();
    for (String field : List.of("window", "window_start", "window_end", "dimension", "dimension_value")) {
      record.set(field, total.get(field));
    }
    BigDecimal revenue = Json.fromCents(total.get("revenue_cents").bigIntegerValue());
    record.put("revenue", revenue);
    for (String field : List.of("orders", "new_leads", "conversions", "active_customers", "events")) {
      record.put(field, total.get(field).longValue());
    }
    return record;
  }
}
