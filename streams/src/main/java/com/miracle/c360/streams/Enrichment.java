package com.miracle.c360.streams;

import java.math.BigDecimal;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Adds the customer's rep, region, segment and churn risk to an event (defaults for unknown customers). */
public final class Enrichment {
  public static final String UNASSIGNED = "unassigned";
  public static final String UNKNOWN = "unknown";

  private Enrichment() {}

  /** The key to look the customer up by: the event's customer key as text, or "" (never in the table). */
  public static String customerLookupKey(JsonNode envelope) {
    Long key = Json.integer(envelope.get("event"), "customer_key");
    return key == null ? "" : Long.toString(key);
  }

  /** A copy of the envelope with {@code customer}: the table's row, or the contract's defaults. */
  public static JsonNode enrich(JsonNode envelope, JsonNode customer) {
    ObjectNode enriched = ((ObjectNode) envelope).deepCopy();
    ObjectNode profile = Json.object();
    boolean known = customer != null && customer.isObject();
    profile.put("rep", orDefault(known ? Json.text(customer, "rep") : null, UNASSIGNED));
    profile.put("region", orDefault(known ? Json.text(customer, "region") : null, UNKNOWN));
    profile.put("segment", orDefault(known ? Json.text(customer, "segment") : null, UNKNOWN));
    BigDecimal risk = known ? Json.decimal(customer, "churn_risk") : null;
    profile.put("churn_risk", risk == null ? BigDecimal.ZERO : risk);
    enriched.set("customer", profile);
    return enriched;
  }

  private static String orDefault(String value, String fallback) {
    return value == null ? fallback : value;
  }

  public static JsonNode event(JsonNode enriched) {
    return enriched.get("event");
  }

  public static String rep(JsonNode enriched) {
    return enriched.get("customer").get("rep").stringValue();
  }

  public static String region(JsonNode enriched) {
    return enriched.get("customer").get("region").stringValue();
  }

  public static BigDecimal churnRisk(JsonNode enriched) {
    return enriched.get("customer").get("churn_risk").decimalValue();
  }

  public static long eventTime(JsonNode enriched) {
    return enriched.get("t").longValue();
  }
}
