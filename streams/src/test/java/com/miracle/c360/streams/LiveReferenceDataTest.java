package com.miracle.c360.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Changes to the customers and campaigns topics apply to the events that follow them, not to earlier ones. */
class LiveReferenceDataTest {
  @TempDir Path stateDir;

  static JsonNode event(String id, String type, String at, Long customer, String payload) {
    String json =
        "{\"event_id\":\"" + id + "\",\"type\":\"" + type + "\",\"schema_version\":1,\"occurred_at\":\"" + at
            + "\",\"customer_key\":" + customer + ",\"source_key\":\"s\",\"channel\":\"web\",\"payload\":" + payload
            + "}";
    return Json.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void reassignedCustomerCountsForTheNewRepFromThenOn() {
    String day = "2026-12-04T00:00:00Z";
    try (Harness harness = new Harness(stateDir)) {
      harness.customers.pipeInput("4", "{\"customer_key\":4,\"rep\":\"Ann Lee\",\"region\":\"North\",\"segment\":\"New\",\"churn_risk\":0.2}");
      harness.send(event("v1", "visit", "2026-12-04T09:00:00Z", 4L, "{\"page\":\"/\"}"));
      harness.customers.pipeInput("4", "{\"customer_key\":4,\"rep\":\"Bob Stone\",\"region\":\"North\",\"segment\":\"New\",\"churn_risk\":0.9}");
      harness.send(event("v2", "visit", "2026-12-04T09:01:00Z", 4L, "{\"page\":\"/\"}"));
      harness.customers.pipeInput("4", (String) null);
      harness.send(event("v3", "visit", "2026-12-04T09:02:00Z", 4L, "{\"page\":\"/\"}"));

      Map<String, JsonNode> kpis = harness.latestKpis();
      assertEquals(1, kpis.get(Kpis.key("1d", day, "rep", "Ann Lee")).get("events").asInt());
      assertEquals(1, kpis.get(Kpis.key("1d", day, "rep", "Bob Stone")).get("events").asInt());
      assertEquals(1, kpis.get(Kpis.key("1d", day, "rep", "unassigned")).get("events").asInt(), "deleted customer");
      List<JsonNode> alerts = harness.alerts.readValuesToList();
      assertEquals(1, alerts.size(), "churn risk rose to 0.9 for v2 only");
      assertEquals("churn_risk_active:4:2026-12-04", alerts.get(0).get("alert_id").stringValue());
      assertEquals("Bob Stone", alerts.get(0).get("rep").stringValue());
    }
  }

  @Test
  void spendBeforeACampaignIsKnownCountsOnceItIs() {
    try (Harness harness = new Harness(stateDir)) {
      harness.send(event("c1", "campaign_click", "2026-12-04T09:00:00Z", null, "{\"campaign_id\":\"C9\",\"cost\":70}"));
      assertEquals(List.of(), harness.alerts.readValuesToList(), "no budget known: no alert");
      harness.campaigns.pipeInput("C9", "{\"campaign_id\":\"C9\",\"name\":\"Late setup\",\"budget\":100}");
      harness.send(event("c2", "campaign_click", "2026-12-04T09:01:00Z", null, "{\"campaign_id\":\"C9\",\"cost\":10.004}"));
      List<JsonNode> alerts = harness.alerts.readValuesToList();
      assertEquals(1, alerts.size());
      JsonNode alert = alerts.get(0);
      assertEquals("campaign_budget:C9:80", alert.get("alert_id").stringValue());
      assertEquals("warning", alert.get("severity").stringValue());
      assertEquals("c2", alert.get("event_id").stringValue());
      assertEquals(0, new BigDecimal("80.00").compareTo(alert.get("details").get("spent").decimalValue()));
    }
  }
}
