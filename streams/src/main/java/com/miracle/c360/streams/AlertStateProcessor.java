package com.miracle.c360.streams;

import java.math.BigDecimal;
import java.math.BigInteger;
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
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The stateful alert rules, on events keyed by the state they read (see {@link Alerts#stateKeys}): churn risk once per
 * customer and day, a lead's previous score, a campaign's spend and the budget thresholds already fired.
 */
public final class AlertStateProcessor implements Processor<String, JsonNode, String, JsonNode> {
  public static final String STORE = "alert-state";
  static final Duration CHURN_DAYS_KEPT = Duration.ofDays(3);

  private ProcessorContext<String, JsonNode> context;
  private KeyValueStore<String, JsonNode> state;

  @Override
  public void init(ProcessorContext<String, JsonNode> context) {
    this.context = context;
    this.state = context.getStateStore(STORE);
    context.schedule(Duration.ofHours(1), PunctuationType.WALL_CLOCK_TIME, this::purgeChurnDays);
  }

  @Override
  public void process(Record<String, JsonNode> record) {
    String key = record.key();
    JsonNode enriched = record.value();
    List<KeyValue<String, JsonNode>> alerts = new ArrayList<>();
    if (key.startsWith(Alerts.CHURN_PREFIX)) {
      churn(key, enriched, alerts);
    } else if (key.startsWith(Alerts.LEAD_PREFIX)) {
      lead(key, enriched, alerts);
    } else if (key.startsWith(Alerts.CAMPAIGN_PREFIX)) {
      campaign(key, enriched, alerts);
    }
    for (KeyValue<String, JsonNode> alert : alerts) {
      context.forward(record.withKey(alert.key).withValue(alert.value));
    }
  }

  private void churn(String key, JsonNode enriched, List<KeyValue<String, JsonNode>> alerts) {
    if (state.get(key) != null) {
      return;
    }
    ObjectNode fired = Json.object();
    fired.put("event_id", Enrichment.event(enriched).get("event_id").stringValue());
    state.put(key, fired);
    String day = key.substring(Alerts.CHURN_PREFIX.length(), key.indexOf('|', Alerts.CHURN_PREFIX.length()));
    alerts.add(Alerts.churnRisk(enriched, day));
  }

  private void lead(String key, JsonNode enriched, List<KeyValue<String, JsonNode>> alerts) {
    BigDecimal score = Alerts.leadScore(enriched);
    JsonNode stored = state.get(key);
    BigDecimal previous = stored == null ? BigDecimal.ZERO : stored.get("score").decimalValue();
    ObjectNode next = Json.object();
    next.put("score", score);
    state.put(key, next);
    if (Alerts.crossesLeadScore(previous, score)) {
      alerts.add(Alerts.leadScoreCrossed(enriched, previous));
    }
  }

  private void campaign(String key, JsonNode enriched, List<KeyValue<String, JsonNode>> alerts) {
    String campaignId = key.substring(Alerts.CAMPAIGN_PREFIX.length());
    JsonNode stored = state.get(key);
    BigInteger spent = stored == null ? BigInteger.ZERO : stored.get("spent_cents").bigIntegerValue();
    ObjectNode next = Json.object();
    ArrayNode fired = next.putArray("fired");
    if (stored != null) {
      fired.addAll((ArrayNode) stored.get("fired"));
    }
    spent = spent.add(Json.cents(Json.decimal(Enrichment.event(enriched).get("payload"), "cost")));
    next.put("spent_cents", spent);
    JsonNode campaign = enriched.get("campaign");
    BigDecimal budget = Json.decimal(campaign, "budget");
    if (budget != null && budget.signum() > 0) {
      for (int percent : Alerts.BUDGET_THRESHOLDS) {
        if (!contains(fired, percent) && Alerts.reached(spent, budget, percent)) {
          fired.add(percent);
          alerts.add(Alerts.campaignBudget(enriched, campaignId, campaign, percent, spent));
        }
      }
    }
    state.put(key, next);
  }

  private static boolean contains(ArrayNode fired, int percent) {
    for (JsonNode value : fired) {
      if (value.asInt() == percent) {
        return true;
      }
    }
    return false;
  }

  /** Forgets churn-risk days older than a few days (their alerts are long sent). */
  private void purgeChurnDays(long nowMs) {
    String cutoff = Alerts.day(nowMs - CHURN_DAYS_KEPT.toMillis());
    List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, JsonNode> range =
        state.range(Alerts.CHURN_PREFIX, Alerts.CHURN_PREFIX + cutoff)) {
      while (range.hasNext()) {
        old.add(range.next().key);
      }
    }
    old.forEach(state::delete);
  }
}
