package com.miracle.c360.streams;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Pure alert logic: the five rules of the contract, the keys their state lives under and the alert records. */
public final class Alerts {
  public static final BigDecimal HIGH_VALUE = new BigDecimal("5000.00");
  public static final BigDecimal CHURN_RISK = new BigDecimal("0.7");
  public static final BigDecimal NEGATIVE = new BigDecimal("-0.5");
  public static final BigDecimal LEAD_SCORE = new BigDecimal("70");
  public static final int[] BUDGET_THRESHOLDS = {80, 100};

  static final String CHURN_PREFIX = "churn|";
  static final String LEAD_PREFIX = "lead|";
  static final String CAMPAIGN_PREFIX = "campaign|";

  private Alerts() {}

  /** Alerts that need no state: high-value orders and negative mentions, keyed by alert id. */
  public static List<KeyValue<String, JsonNode>> immediate(JsonNode enriched) {
    JsonNode event = Enrichment.event(enriched);
    JsonNode payload = event.get("payload");
    String type = event.get("type").stringValue();
    String eventId = event.get("event_id").stringValue();
    List<KeyValue<String, JsonNode>> out = new ArrayList<>();
    if ("order_placed".equals(type)) {
      BigDecimal amount = Json.decimal(payload, "amount");
      if (amount.compareTo(HIGH_VALUE) >= 0) {
        ObjectNode details = Json.object();
        details.put("order_id", Json.text(payload, "order_id"));
        details.put("amount", amount);
        String message =
            "Order " + Json.text(payload, "order_id") + " of " + money(amount) + " by " + who(event);
        out.add(customerAlert("high_value_order:" + eventId, "high_value_order", "high", enriched, message, details));
      }
    } else if ("social_mention".equals(type)) {
      BigDecimal sentiment = Json.decimal(payload, "sentiment");
      if (sentiment.compareTo(NEGATIVE) <= 0) {
        ObjectNode details = Json.object();
        details.put("sentiment", sentiment);
        details.put("text", Json.text(payload, "text"));
        String message = "Negative mention (sentiment " + sentiment.toString() + ") by " + who(event);
        out.add(customerAlert("negative_mention:" + eventId, "negative_mention", "medium", enriched, message, details));
      }
    }
    return out;
  }

  /**
   * The keys of the state an event's stateful rules read: {@code churn|<day>|<customer>} for a churn-risk customer,
   * {@code lead|<lead_id>} for lead events, {@code campaign|<campaign_id>} for clicks.
   */
  public static List<String> stateKeys(JsonNode enriched) {
    JsonNode event = Enrichment.event(enriched);
    String type = event.get("type").stringValue();
    List<String> keys = new ArrayList<>();
    Long customerKey = Json.integer(event, "customer_key");
    if (customerKey != null && Enrichment.churnRisk(enriched).compareTo(CHURN_RISK) >= 0) {
      keys.add(CHURN_PREFIX + day(Enrichment.eventTime(enriched)) + "|" + customerKey);
    }
    if ("lead_created".equals(type) || "lead_moved".equals(type)) {
      keys.add(LEAD_PREFIX + Json.text(event.get("payload"), "lead_id"));
    }
    if ("campaign_click".equals(type)) {
      keys.add(CAMPAIGN_PREFIX + Json.text(event.get("payload"), "campaign_id"));
    }
    return keys;
  }

  /** The UTC day of an event time, {@code YYYY-MM-DD}. */
  public static String day(long eventTimeMs) {
    return Instant.ofEpochMilli(eventTimeMs).atOffset(ZoneOffset.UTC).toLocalDate().toString();
  }

  public static KeyValue<String, JsonNode> churnRisk(JsonNode enriched, String day) {
    JsonNode event = Enrichment.event(enriched);
    long customerKey = Json.integer(event, "customer_key");
    BigDecimal risk = Enrichment.churnRisk(enriched);
    ObjectNode details = Json.object();
    details.put("churn_risk", risk);
    details.put("day", day);
    details.put("type", event.get("type").stringValue());
    String message =
        "Customer " + customerKey + " (churn risk " + risk.toString() + ") is active: "
            + event.get("type").stringValue();
    return customerAlert(
        "churn_risk_active:" + customerKey + ":" + day, "churn_risk_active", "medium", enriched, message, details);
  }

  /** The lead's new score, or null for events without one. */
  public static BigDecimal leadScore(JsonNode enriched) {
    return Json.decimal(Enrichment.event(enriched).get("payload"), "score");
  }

  /** Fires when the score reaches 70 from below (a lead seen for the first time starts at 0). */
  public static boolean crossesLeadScore(BigDecimal previous, BigDecimal score) {
    return score.compareTo(LEAD_SCORE) >= 0 && previous.compareTo(LEAD_SCORE) < 0;
  }

  public static KeyValue<String, JsonNode> leadScoreCrossed(JsonNode enriched, BigDecimal previous) {
    JsonNode event = Enrichment.event(enriched);
    JsonNode payload = event.get("payload");
    BigDecimal score = leadScore(enriched);
    ObjectNode details = Json.object();
    details.put("lead_id", Json.text(payload, "lead_id"));
    details.put("score", score);
    details.put("previous_score", previous);
    String message =
        "Lead " + Json.text(payload, "lead_id") + " scored " + score.toPlainString() + " (was "
            + previous.toPlainString() + ")";
    String eventId = event.get("event_id").stringValue();
    return customerAlert(
        "lead_score_crossed:" + eventId, "lead_score_crossed", "medium", enriched, message, details);
  }

  /** Whether the spend (cents) has reached {@code percent} % of a budget (home currency). */
  public static boolean reached(BigInteger spentCents, BigDecimal budget, int percent) {
    BigDecimal spent = new BigDecimal(spentCents).multiply(BigDecimal.valueOf(100));
    BigDecimal limit = budget.movePointRight(2).multiply(BigDecimal.valueOf(percent));
    return spent.compareTo(limit) >= 0;
  }

  public static KeyValue<String, JsonNode> campaignBudget(
      JsonNode enriched, String campaignId, JsonNode campaign, int percent, BigInteger spentCents) {
    JsonNode event = Enrichment.event(enriched);
    BigDecimal budget = Json.decimal(campaign, "budget");
    String name = Json.text(campaign, "name");
    ObjectNode details = Json.object();
    details.put("campaign_id", campaignId);
    details.put("name", name);
    details.put("budget", budget);
    details.put("spent", Json.fromCents(spentCents));
    details.put("threshold", percent);
    String message =
        "Campaign " + (name == null ? campaignId : name) + " has spent " + Json.fromCents(spentCents).toPlainString()
            + " of its " + money(budget) + " budget (" + percent + " %)";
    String alertId = "campaign_budget:" + campaignId + ":" + percent;
    ObjectNode alert =
        base(alertId, "campaign_budget", percent >= 100 ? "high" : "warning", event, message, details);
    alert.putNull("customer_key");
    alert.putNull("rep");
    alert.putNull("region");
    return KeyValue.pair(alertId, alert);
  }

  private static KeyValue<String, JsonNode> customerAlert(
      String alertId, String rule, String severity, JsonNode enriched, String message, ObjectNode details) {
    JsonNode event = Enrichment.event(enriched);
    ObjectNode alert = base(alertId, rule, severity, event, message, details);
    Long customerKey = Json.integer(event, "customer_key");
    if (customerKey == null) {
      alert.putNull("customer_key");
    } else {
      alert.put("customer_key", customerKey);
    }
    alert.put("rep", Enrichment.rep(enriched));
    alert.put("region", Enrichment.region(enriched));
    return KeyValue.pair(alertId, alert);
  }

  private static ObjectNode base(
      String alertId, String rule, String severity, JsonNode event, String message, ObjectNode details) {
    ObjectNode alert = Json.object();
    alert.put("alert_id", alertId);
    alert.put("rule", rule);
    alert.put("severity", severity);
    alert.putNull("customer_key");
    alert.putNull("rep");
    alert.putNull("region");
    alert.put("event_id", event.get("event_id").stringValue());
    alert.put("occurred_at", event.get("occurred_at").stringValue());
    alert.put("message", message);
    alert.set("details", details);
    return alert;
  }

  private static String who(JsonNode event) {
    Long customerKey = Json.integer(event, "customer_key");
    return customerKey != null ? "customer " + customerKey : Json.text(event, "source_key");
  }

  private static String money(BigDecimal amount) {
    return amount.setScale(2, RoundingMode.HALF_UP).toPlainString();
  }
}
